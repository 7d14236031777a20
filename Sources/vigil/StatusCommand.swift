import ArgumentParser
import Foundation
import VigilCore

struct StatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Show what vigil knows of its inputs: offsets, lag, last event, findings today, the tail service and alert queues.",
        discussion: "Reads the database only (a running tail keeps writing). Exit status: 0, or 2 when the database cannot be read."
    )

    @OptionGroup var database: DatabaseOption

    @Option(name: .long, help: "Output: text or json.")
    var output: StatusOutput = .text

    enum StatusOutput: String, ExpressibleByArgument { case text, json }

    func run() throws {
        let store = try database.openExisting(readOnly: true)
        let report = try StatusReport.read(store)
        print(output == .json ? report.json() : report.text(), terminator: "")
    }
}
