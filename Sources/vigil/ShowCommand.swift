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
        let full: String
        do {
            full = try store.resolveID(id)
        } catch let error as VigilError {
            // Gone from the findings (removed by reanalyze, or pruned) but not from triage:
            // the history of what reviewers said about it is still there to read.
            let history = try store.triageHistory(id)
            guard !history.isEmpty else { throw error }
            print("\(TerminalText.escape(id)): no longer stored (removed by `vigil reanalyze` or `vigil prune`); its triage history:")
            printHistory(history)
            return
        }
        var query = FindingQuery()
        query.ids = [full]
        guard let finding = try store.findings(query).first else {
            printError("\(full): no such finding"); throw ExitCode(2)
        }
        print(try FindingOutput.render([finding], as: .json), terminator: "")
        print("history:")
        printHistory(try store.triageHistory(full))
    }

    func printHistory(_ history: [TriageEvent]) {
        if history.isEmpty { print("  (no triage yet)") }
        for event in history {
            let note = event.note.map { ": \(TerminalText.escape($0))" } ?? ""
            print("  \(EventTime.format(event.at))  \(event.action) by \(TerminalText.escape(event.by))\(note)")
        }
    }
}
