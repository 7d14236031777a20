import ArgumentParser
import Foundation
import VigilCore

struct DecodeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "decode",
        abstract: "Show how each line is understood: one JSON object per event or malformed line, or --stats.",
        discussion: "Nothing is stored. Use it to check a log against Vigil's decoders, as fail2ban-regex checks a filter."
    )

    enum Output: String, ExpressibleByArgument {
        case jsonl, json, text
    }

    @Argument(help: "Log files; - reads standard input; journal: or journal:PATH reads a systemd journal.")
    var inputs: [String]

    @OptionGroup var input: InputOptions

    @OptionGroup var policy: PolicyOption

    @Flag(
        help:
            "Print per-file counts (lines, decoded, ignored, malformed with file:line) instead of events; for syslog inputs, ignored lines by program."
    )
    var stats = false

    @Option(help: "jsonl (events, default), or with --stats: text or json.")
    var output: Output = .jsonl

    func validate() throws {
        // Events are JSON lines only; asking for text without --stats printed JSON anyway.
        if !stats && output != .jsonl {
            throw ValidationError("--output \(output.rawValue) is for --stats; events are printed as JSON lines (--output jsonl)")
        }
    }

    func run() throws {
        var options = Decoding.Options()
        options.format = input.format
        options.fixedYear = input.year
        options.strict = input.strict
        options.maxAhead = DurationText.parse(input.maxAhead) ?? EventTime.day
        options.ignoredByProgram = stats
        options.journalMatches = input.journalMatch
        options.decodeAs(try policy.load(quiet: true).policy)
        let out = OutputBuffer()
        let results: [InputStats]
        do {
            results = try Decoding(options: options).run(paths: inputs, emit: stats ? nil : { out.line($0) })
        } catch {
            out.flush()  // what was decoded before the error, then the error (exit 2)
            throw error
        }
        if stats {
            if output == .json {
                let e = JSONEncoder()
                e.outputFormatting = [.sortedKeys, .prettyPrinted]
                e.keyEncodingStrategy = .convertToSnakeCase
                out.line(String(decoding: try e.encode(results), as: UTF8.self))
            } else {
                for s in results {
                    let name = TerminalText.escape(s.path)
                    out.line(
                        "\(name): format \(s.format?.rawValue ?? "?"), \(s.lines) lines, \(s.events) decoded, \(s.ignored) ignored, \(s.malformed) malformed"
                    )
                    if let programs = s.ignoredByProgram, !programs.isEmpty {
                        let listed = programs.map { "\(TerminalText.escape($0.name)) \(formatCount($0.lines))" }
                        let other = (s.ignoredOtherPrograms ?? 0) > 0 ? ", other programs \(formatCount(s.ignoredOtherPrograms ?? 0))" : ""
                        out.line("  ignored by program: " + listed.joined(separator: ", ") + other)
                    }
                    for m in s.malformedLines { out.line("  \(name):\(m.line): \(TerminalText.escape(m.reason))") }
                    if s.malformed > Int64(s.malformedLines.count) { out.line("  … \(s.malformed - Int64(s.malformedLines.count)) more") }
                }
            }
        }
        out.flush()
        var failed = false
        for s in results { if let e = s.error { printError(e); failed = true } }
        if failed { throw ExitCode(2) }
    }
}
