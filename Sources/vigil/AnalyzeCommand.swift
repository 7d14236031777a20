import ArgumentParser
import Foundation
import VigilCore

struct AnalyzeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "analyze",
        abstract: "Analyze log files (plain, .gz, or - for stdin) and store findings.",
        discussion: """
            Inputs already analyzed into the same database are recognized by content and continue \
            where they ended, so re-running never counts a line twice.
            Exit status: 0 done, 1 a finding at or above --fail-on was raised, 2 an input or the \
            database could not be used.
            """
    )

    @Argument(help: "Log files to analyze; - reads standard input; journal: the systemd journal, journal:PATH a journal file or directory.")
    var inputs: [String]

    @OptionGroup var database: DatabaseOption
    @OptionGroup var input: InputOptions
    @OptionGroup var policy: PolicyOption

    @Option(name: .long, help: "Exit 1 when a finding of this severity or worse (P1…P4) was raised or grown.")
    var failOn: Severity?

    @Option(
        name: .long,
        help: "A progress line on standard error (per file %, bytes, lines/s, time left): auto (when it is a terminal), always or never.")
    var progress: ProgressDisplay.Mode = .auto

    @Flag(name: .long, help: "Print nothing but errors.")
    var quiet = false

    @Option(
        name: .long,
        help:
            "Commit findings, offsets and detector state every N lines (and at the end), so that a crash costs about N lines of work: the next run resumes from the last commit. Checked every 65,536 events."
    )
    var checkpointLines: Int64 = 2_000_000

    func validate() throws {
        guard checkpointLines > 0 else { throw ValidationError("--checkpoint-lines must be at least 1") }
    }

    func run() throws {
        let loaded = try policy.load(quiet: quiet)
        var options = input.analysisOptions(loaded)
        options.checkpointLines = checkpointLines
        let display = quiet ? nil : ProgressDisplay.start(progress)
        options.progress = display?.progress
        let summary: Analyzer.Summary
        do {
            defer { display?.stop() }
            let store = try database.openWriter(command: "analyze")
            if !quiet, let note = AnalyzeCommand.policyChangeNote(store: store, now: loaded.policy) { printError(note) }
            summary = try Analyzer(store: store, options: options).run(paths: inputs)
        }
        if !quiet {
            print(
                AnalyzeCommand.render(summary, databasePath: database.path) + AnalyzeCommand.describe(loaded, policyPath: policy.path),
                terminator: "")
        }
        if let e = loaded.enricher, e.lookupErrors > 0 {
            printError(
                "\(e.lookupErrors) GeoIP lookups failed; the database may be damaged. Check it with `vigil policy lint` and download it again"
            )
        }
        for failed in summary.failedInputs { printError(failed.error) }
        for s in summary.inputs { if let e = s.error { printError(e) } }
        if !summary.failedInputs.isEmpty || summary.inputs.contains(where: { $0.error != nil }) { throw ExitCode(2) }
        if let failOn, let worst = summary.worstSeverity, worst >= failOn { throw ExitCode(1) }
    }

    /// Says when this run judges with a policy from another place than the last run on the
    /// database did (most often: run from a directory without ./policies, so the built-in
    /// defaults, with no allowlist): its findings would differ without a word.
    static func policyChangeNote(store: any StoreBackend, now policy: Policy) -> String? {
        guard let last = try? store.lastRunPolicy(), last.source != policy.source else { return nil }
        let this = policy.source.map { "the policy at \(TerminalText.escape($0))" } ?? "the built-in defaults (no ./policies here)"
        return
            "note: the last run on this database used \(RecordedPolicyText.describe(last)); this one uses \(this). Pass --policy to judge with the same one; `vigil reanalyze` reads everything again with one policy"
    }

    /// One line on the policy in force, so a run's output says what it judged against.
    static func describe(_ loaded: LoadedPolicy, policyPath: String?) -> String {
        guard let path = policyPath else { return "Policy: built-in defaults (no ./policies; pass --policy DIR)\n" }
        let p = loaded.policy
        var parts = [
            "\(p.files.count) file\(p.files.count == 1 ? "" : "s")", "\(p.allowlists.count) allowlist\(p.allowlists.count == 1 ? "" : "s")",
        ]
        let geo = [p.geoip.city.map { _ in "city" }, p.geoip.asn.map { _ in "asn" }].compactMap { $0 }
        parts.append(geo.isEmpty ? "no GeoIP" : "GeoIP " + geo.joined(separator: "+"))
        if !loaded.warnings.isEmpty { parts.append("\(loaded.warnings.count) lint warning\(loaded.warnings.count == 1 ? "" : "s")") }
        return "Policy: \(TerminalText.escape(path)) (\(parts.joined(separator: ", ")))\n"
    }

    /// The run's summary. `reanalyze` says "Reanalyzed" and leaves out the findings line: its
    /// run went into an empty scratch database, so every finding would read as new.
    static func render(_ s: Analyzer.Summary, databasePath: String, verb: String = "Analyzed", findings: Bool = true) -> String {
        var out = ""
        let rate = s.seconds > 0 ? Int64(Double(s.lines) / s.seconds) : 0
        out +=
            "\(verb) \(formatCount(s.lines)) lines, \(formatCount(s.events)) events from \(s.inputs.count) input\(s.inputs.count == 1 ? "" : "s")"
        out += String(format: " in %.2f s (%@ lines/s)\n", s.seconds, formatCount(rate))
        for i in s.inputs {
            let name = TerminalText.escape(i.path)
            out +=
                "  \(name)  [\(i.format?.rawValue ?? "?")\(i.formatDetected ? ", detected" : "")]  \(formatCount(i.lines)) lines, \(formatCount(i.events)) events, "
            out += "\(formatCount(i.ignored)) ignored, \(formatCount(i.malformed)) malformed"
            if i.outOfOrder > 0 {
                out +=
                    ", \(formatCount(i.outOfOrder)) out of order"
                    + (i.maxLateness > 0 ? " (at most \(DurationText.format(max(i.maxLateness, 1000))) late in the file)" : "")
            }
            if i.resumedAfterLine > 0 { out += " (continued after line \(formatCount(i.resumedAfterLine)))" }
            out += "\n"
            if let note = i.note { out += "    note: \(name): \(TerminalText.escape(note))\n" }
            for m in i.malformedLines {
                out += "    malformed \(name):\(m.line): \(TerminalText.escape(m.reason))\n"
            }
            if i.malformed > Int64(i.malformedLines.count) {
                out +=
                    "    … and \(formatCount(i.malformed - Int64(i.malformedLines.count))) more malformed lines (`vigil decode FILE` lists each with why)\n"
            }
        }
        for repeated in s.repeatedInputs {
            out +=
                "  \(TerminalText.escape(repeated.path)): the same input as \(TerminalText.escape(repeated.sameAs)) (same file or same content); read once\n"
        }
        guard findings else { return out }
        let opened = Severity.allCases.sorted(by: >).compactMap { sev -> String? in
            guard let n = s.findingsOpened[sev], n > 0 else { return nil }
            return "\(sev) \(n)"
        }
        let total = s.findingsOpened.values.reduce(0, +)
        out += "Findings: \(total) new" + (opened.isEmpty ? "" : " (\(opened.joined(separator: ", ")))")
        out += ", \(s.findingsUpdated) updated. Stored in \(databasePath); list them with `vigil findings`.\n"
        return out
    }
}
