import ArgumentParser
import Foundation
import VigilCore

struct FindingsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "findings",
        abstract: "List stored findings, oldest first (with --limit N: the newest N, oldest first)."
    )

    @OptionGroup var database: DatabaseOption

    @Option(
        help:
            "Only findings active at or after this time: 2026-11-03, 2026-11-03 07:00, 2026-11-03T07:00:00Z, today, yesterday, or 24h / 7d ago."
    )
    var since: String?

    @Option(help: "Only findings that started by this time (same forms as --since; a date includes that whole day, as report --to does).")
    var until: String?

    @Option(help: "Only this detector (repeatable), e.g. auth_failure_burst.")
    var detector: [String] = []

    @Option(help: "Only findings about this subject (an address, API key id, user or server, as listed).")
    var subject: String?

    @Option(help: "Only this rule (repeatable), e.g. success_outside_allowlist.")
    var rule: [String] = []

    @Flag(help: "Only open findings: neither acknowledged nor suppressed.")
    var open = false

    @Option(help: "Only this severity or worse: P1, P2, P3 or P4.")
    var severity: Severity?

    @Option(help: "Output: table, json or jsonl.")
    var output: FindingOutput.Format = .table

    @Option(help: "The newest this many findings (by first seen).")
    var limit: Int?

    func validate() throws {
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        for (name, value) in [("--since", since), ("--until", until)] {
            if let value, EventTime.parseUserTime(value, now: now) == nil {
                throw ValidationError("\(name) \(value): not a time Vigil reads. Use \(EventTime.userTimeForms).")
            }
        }
        if let since, let until, let from = EventTime.parseUserTime(since, now: now), let to = EventTime.parseUserEnd(until, now: now),
            to <= from
        {
            throw ValidationError("--until \(until) is not after --since \(since): no finding could match")
        }
        for name in detector { if let error = unknownDetectorError(name, option: "--detector") { throw error } }
        if let limit, limit < 1 { throw ValidationError("--limit takes a number of findings, 1 or more") }
    }

    func run() throws {
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        var query = FindingQuery(detectors: detector, minimumSeverity: severity, limit: limit)
        query.subject = subject
        query.rules = rule
        query.openOnly = open
        if let since {
            guard let t = EventTime.parseUserTime(since, now: now) else { throw ValidationError("cannot read --since \(since)") }
            query.since = t
        }
        if let until {
            guard let t = EventTime.parseUserEnd(until, now: now) else { throw ValidationError("cannot read --until \(until)") }
            query.until = t
        }
        guard FileManager.default.fileExists(atPath: database.path) else {
            printError("\(database.path): no such database. Run `vigil analyze FILE --db \(database.path)` first.")
            throw ExitCode(2)
        }
        let store = try database.openExisting(readOnly: true)
        if !rule.isEmpty {
            // Rule names are open-ended (the policy names rate limits), so a name no stored
            // finding has may be a rule with no finding yet: a note. One a letter or two from a
            // stored rule is a typo, and a usage error (exit 2), as for --detector: "No
            // findings." alone read as "none of that rule" to a script.
            let stored = try store.storedRules()
            for name in rule where !stored.contains(name) {
                let listed = "Rules in this database: \(stored.isEmpty ? "none" : stored.map(TerminalText.escape).joined(separator: ", "))."
                if let close = NameSuggestion.closest(name, in: stored) {
                    throw VigilError.usage("--rule \(TerminalText.escape(name)): no such rule. Did you mean \(close)? \(listed)")
                }
                printError("note: no stored finding has rule \(TerminalText.escape(name)). \(listed)")
            }
        }
        let findings = try store.findings(query)
        let out = OutputBuffer()
        out.write(try FindingOutput.render(findings, as: output))
        out.flush()
    }
}

extension FindingOutput.Format: ExpressibleByArgument {}
