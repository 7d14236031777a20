import ArgumentParser
import Foundation
import VigilCore

struct SuppressCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "suppress",
        abstract: "Suppress findings of a detector about a subject until a date (still stored and counted, not alerted).",
        discussion: """
            Covers findings whose episode starts before --until, past ones included. \
            `vigil suppress --list` shows suppressions; `vigil suppress --remove N` deletes one; `vigil suppress --history` lists who made and removed each, and when.
            """
    )

    @Option(name: .long, help: "Detector name, or * for every detector.")
    var detector: String?

    @Option(name: .long, help: "The subject: an address, API key id, user or server, exactly as in findings.")
    var subject: String?

    @Option(name: .long, help: "Until this date (inclusive) or time.")
    var until: String?

    @Option(name: .long, help: "Why (required: the next reviewer needs it).")
    var note: String?

    @Flag(name: .long, help: "List suppressions.")
    var list = false

    @Option(name: .long, help: "Remove the suppression with this number (its history stays).")
    var remove: Int64?

    @Flag(name: .long, help: "List every suppression made, removed or pruned: who, when and the note.")
    var history = false

    @OptionGroup var reviewer: ReviewerOption

    @OptionGroup var database: DatabaseOption

    func validate() throws {
        if list || history || remove != nil {
            // Options of making a suppression mean nothing here; ignored, they read as applied.
            let stray = [
                ("--detector", detector), ("--subject", subject), ("--until", until), ("--note", note),
                ("--by", list || history ? reviewer.by : nil),
            ].filter { $0.1 != nil }.map(\.0)
            if !stray.isEmpty || [list, history, remove != nil].filter({ $0 }).count > 1 {
                throw ValidationError(
                    "--list, --history and --remove N each stand alone\(stray.isEmpty ? "" : " (\(stray.joined(separator: ", ")) would be ignored)")"
                )
            }
            return
        }
        guard detector != nil, subject != nil, until != nil, let note, !note.isEmpty else {
            throw ValidationError("give --detector, --subject, --until and --note (or --list, --history, or --remove N)")
        }
        if let d = detector, let error = unknownDetectorError(d, option: "--detector", allowingEvery: true) { throw error }
        if let subject, SuppressCommand.looksLikeAnAddress(subject), IPAddress(subject) == nil {
            throw ValidationError(
                "--subject \(subject) looks like an address but is not one (a letter O for a zero?); subjects are written as in `vigil findings`"
            )
        }
    }

    /// Digits with dots or colons: meant as an address, so it must parse as one (a suppression
    /// of `203.0.113.8O` would silently match nothing).
    static func looksLikeAnAddress(_ text: String) -> Bool {
        let digits = text.filter(\.isNumber).count
        return digits * 2 >= text.count && (text.filter { $0 == "." }.count == 3 || text.filter { $0 == ":" }.count >= 2)
    }

    func run() throws {
        let store = try database.openExisting()
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        if list {
            let all = try store.suppressions()
            if all.isEmpty { print("No suppressions.") }
            for s in all {
                let state = s.until <= now ? " (ended)" : ""
                let by = s.createdBy.map { "  by \(TerminalText.escape($0))" } ?? ""
                print(
                    "#\(s.id)  \(TerminalText.escape(s.detector))  \(TerminalText.escape(s.subject))  until \(EventTime.format(s.until - 1).prefix(10))\(state)\(by)  \(TerminalText.escape(s.note))"
                )
            }
            return
        }
        if history {
            let events = try store.suppressionHistory()
            if events.isEmpty { print("No suppression was made yet.") }
            for e in events {
                print(
                    "\(EventTime.format(e.at))  \(e.action) #\(e.suppressionID) by \(TerminalText.escape(e.by)): \(TerminalText.escape(e.detector))  \(TerminalText.escape(e.subject))  until \(EventTime.format(e.until - 1).prefix(10))  \(TerminalText.escape(e.note))"
                )
            }
            return
        }
        if let remove {
            guard try store.removeSuppression(remove, by: reviewer.name, at: now) else {
                printError("no suppression #\(remove); see `vigil suppress --list`"); throw ExitCode(2)
            }
            print("removed suppression #\(remove)")
            return
        }
        guard let untilText = until, var end = EventTime.parseUserTime(untilText, now: now) else {
            throw ValidationError("--until takes a date such as 2026-12-31 or a time")
        }
        if untilText.count == 10 { end += EventTime.day }  // a date includes that day
        guard end > now else {
            printError("--until \(untilText) has passed: a suppression that already ended suppresses nothing. Give a date to come.")
            throw ExitCode(2)
        }
        let matching = try store.findings(FindingQuery(detectors: detector == "*" ? [] : [detector!])).filter { $0.subject == subject! }
        if matching.isEmpty {
            printError(
                "note: no stored finding\(detector == "*" ? "" : " of \(detector!)") is about \(TerminalText.escape(subject!)) yet; the suppression covers later ones. Check the spelling against `vigil findings`."
            )
        }
        let s = try store.suppress(detector: detector!, subject: subject!, until: end, note: note!, by: reviewer.name, at: now)
        print(
            "suppression #\(s.id): \(TerminalText.escape(s.detector)) findings about \(TerminalText.escape(s.subject)) until \(EventTime.format(end - 1).prefix(10))"
        )
    }
}
