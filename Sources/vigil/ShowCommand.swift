import ArgumentParser
import Foundation
import VigilCore

/// `vigil show ID`: one finding whole — its fields, evidence with `file:line` samples — and
/// what reviewers did to it, in order.
struct ShowCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show", abstract: "Everything about one finding: fields, evidence and its triage history.")

    @Argument(help: "Finding id (a unique prefix is enough).")
    var id: String

    @OptionGroup var database: DatabaseOption

    func run() throws {
        let store = try database.openExisting(readOnly: true)
        let full = try store.resolveID(id)
        var query = FindingQuery()
        query.ids = [full]
        guard let finding = try store.findings(query).first else {
            printError("\(full): no such finding"); throw ExitCode(2)
        }
        print(try FindingOutput.render([finding], as: .json), terminator: "")
        let history = try store.triageHistory(full)
        print("history:")
        if history.isEmpty { print("  (no triage yet)") }
        for event in history {
            let note = event.note.map { ": \(TerminalText.escape($0))" } ?? ""
            print("  \(EventTime.format(event.at))  \(event.action) by \(TerminalText.escape(event.by))\(note)")
        }
    }
}
