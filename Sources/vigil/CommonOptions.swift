import ArgumentParser
import Foundation
import Logging
import VigilCore

/// `--db PATH`, else `$VIGIL_DB`, else `./vigil.sqlite`.
struct DatabaseOption: ParsableArguments {
    @Option(name: .long, help: "Findings database (SQLite). Default: $VIGIL_DB, else ./vigil.sqlite.")
    var db: String?

    var path: String {
        if let db { return db }
        if let env = ProcessInfo.processInfo.environment["VIGIL_DB"], !env.isEmpty { return env }
        return "vigil.sqlite"
    }

    /// For `analyze` and `tail`: creates the database if needed and takes its writer lock
    /// (a second writer exits 2 naming the first).
    func openWriter(command: String) throws -> any StoreBackend {
        try FindingStore(path: path, mode: .writer(command: command))
    }

    /// For `reanalyze`: a database that must already exist (a mistyped --db is not created),
    /// with the writer lock.
    func openExistingWriter(command: String) throws -> any StoreBackend {
        try requireExisting()
        return try FindingStore(path: path, mode: .writer(command: command))
    }

    /// Commands that work on what was analyzed never create a database (a mistyped --db).
    private func requireExisting() throws {
        guard FileManager.default.fileExists(atPath: path) else {
            throw VigilError.store(
                path: path, reason: "no such database",
                hint: "Analyze logs into it first (`vigil analyze --db \(path) FILES`), or pass --db.")
        }
    }

    /// Opens a database that must already exist (reports and triage never create one):
    /// read-only for the commands that only read.
    func openExisting(readOnly: Bool = false) throws -> any StoreBackend {
        try requireExisting()
        return try FindingStore(path: path, mode: readOnly ? .readOnly : .readWrite)
    }
}

/// How inputs are read.
struct InputOptions: ParsableArguments {
    @Option(name: .long, help: "Log format: auto, mcp-json, sshd, combined or journal-json. auto sniffs each file.")
    var format: LogFormat = .auto

    @Option(
        name: .long,
        help:
            "For journal: inputs, a journalctl match FIELD=VALUE (repeat it; values of one field are ORed, + between groups). Default: sshd's entries, _COMM=sshd, _COMM=sshd-session and _COMM=sshd-auth (the process journald recorded, not SYSLOG_IDENTIFIER, which any user can set)."
    )
    var journalMatch: [String] = []

    @Option(name: .long, help: "Year for syslog stamps that carry none. Default: from each file's modification time.")
    var year: Int?

    @Flag(name: .long, help: "Stop at the first malformed line instead of counting it.")
    var strict = false

    @Option(
        name: .long,
        help: "Lines stamped more than this ahead of the clock are malformed (counted, never the watermark), e.g. 1d, 6h.")
    var maxAhead = "1d"

    func validate() throws {
        for match in journalMatch {
            if let problem = JournalQuery.problem(withMatch: match) { throw ValidationError("--journal-match: \(problem)") }
        }
        if let year, year < 1970 || year > 9999 { throw ValidationError("--year must be between 1970 and 9999") }
        guard let ahead = DurationText.parse(maxAhead), ahead >= 0 else {
            throw ValidationError("--max-ahead takes a duration such as 1d or 6h, not \(maxAhead)")
        }
    }

    /// How `analyze` and `tail` read and judge: these flags and the loaded policy.
    func analysisOptions(_ loaded: LoadedPolicy) -> Analyzer.Options {
        var options = Analyzer.Options()
        options.format = format
        options.fixedYear = year
        options.strict = strict
        options.maxAhead = DurationText.parse(maxAhead) ?? EventTime.day
        options.policy = loaded.policy
        options.enricher = loaded.enricher
        options.journalMatches = journalMatch
        return options
    }
}

extension LogFormat: ExpressibleByArgument {}

extension Severity: ExpressibleByArgument {
    package init?(argument: String) { self.init(name: argument) }
    package var defaultValueDescription: String { description }
    package static var allValueStrings: [String] { allCases.map(\.description) }
    package static var allValueDescriptions: [String: String] { [:] }
}

/// Buffered standard output: `print` per line is too slow for millions of decoded events.
final class OutputBuffer {
    private var buffer: [UInt8] = []

    init() { buffer.reserveCapacity(1 << 16) }

    func write(_ s: String) {
        buffer.append(contentsOf: s.utf8)
        if buffer.count >= 1 << 16 { flush() }
    }

    func line(_ s: String) {
        write(s)
        buffer.append(0x0a)
    }

    func flush() {
        guard !buffer.isEmpty else { return }
        buffer.withUnsafeBytes { p in
            var offset = 0
            while offset < p.count {
                let n = Foundation.write(1, p.baseAddress! + offset, p.count - offset)
                if n <= 0 { if errno == EINTR { continue } else { break } }
                offset += n
            }
        }
        buffer.removeAll(keepingCapacity: true)
    }

    deinit { flush() }
}

func printError(_ message: String) {
    // With `tail --log-format json`, every line on standard error must be JSON.
    if LogOutput.format == .json { return Logger(label: "vigil").error("\(message)") }
    FileHandle.standardError.write(Data(("vigil: " + message + "\n").utf8))
}

func formatCount(_ n: Int64) -> String { NumberText.grouped(n) }

/// The usage error for a detector name Vigil does not have, with the nearest one, or `nil`
/// when the name is known (or `*` where that is allowed).
func unknownDetectorError(_ name: String, option: String, allowingEvery: Bool = false) -> ValidationError? {
    if Vigil.detectorNames.contains(name) || (allowingEvery && name == "*") { return nil }
    let hint = NameSuggestion.closest(name, in: Vigil.detectorNames).map { " Did you mean \($0)?" } ?? ""
    let every = allowingEvery ? ", or *" : ""
    return ValidationError("\(option) \(name): no such detector.\(hint) Detectors: \(Vigil.detectorNames.joined(separator: ", "))\(every).")
}

/// `--policy DIR|FILE`, else `./policies` when it exists, else the built-in defaults.
struct PolicyOption: ParsableArguments {
    @Option(name: .long, help: "Policy directory (every *.yaml in it) or file. Default: ./policies when it exists, else built-in defaults.")
    var policy: String?

    init() {}

    init(policy: String) { self.policy = policy }

    /// The path that will be read, or `nil` for the built-in defaults.
    var path: String? {
        if let policy { return policy }
        var isDir: ObjCBool = false
        if FileManager.default.fileExists(atPath: "policies", isDirectory: &isDir), isDir.boolValue { return "policies" }
        return nil
    }

    /// Loads the policy, or prints every error (as `vigil policy lint` would) and exits 2.
    func load(quiet: Bool = false) throws -> LoadedPolicy {
        guard let path else { return PolicyLoader.defaults() }
        let loaded = PolicyLoader.load(path)
        if loaded.hasErrors {
            for d in loaded.errors { printError(TerminalText.escape(d.text)) }
            printError(
                "the policy in \(path) has \(loaded.errors.count) error\(loaded.errors.count == 1 ? "" : "s"); nothing was analyzed. Fix them (`vigil policy lint \(path)`) or pass another --policy."
            )
            throw ExitCode(2)
        }
        if !quiet && !loaded.warnings.isEmpty {
            printError(
                "policy \(path): \(loaded.warnings.count) warning\(loaded.warnings.count == 1 ? "" : "s"); see `vigil policy lint \(path)`")
        }
        return loaded
    }
}
