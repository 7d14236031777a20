import ArgumentParser
import Foundation
import VigilCore

struct AckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ack",
        abstract: "Acknowledge findings: reviewed, with a note. Reports list them apart from open ones."
    )

    @Argument(help: "Finding ids (a unique prefix is enough).")
    var ids: [String]

    @Option(name: .long, help: "Why, for the next reviewer.")
    var note: String

    @OptionGroup var database: DatabaseOption

    func run() throws {
        let store = try database.openExisting()
        for id in ids {
            let full = try store.acknowledge(id, note: note, at: Int64(Date().timeIntervalSince1970 * 1000))
            print("acknowledged \(full)")
        }
    }
}

struct UnackCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "unack", abstract: "Take back an acknowledgement.")

    @Argument(help: "Finding ids (a unique prefix is enough).")
    var ids: [String]

    @OptionGroup var database: DatabaseOption

    func run() throws {
        let store = try database.openExisting()
        for id in ids {
            print("unacknowledged \(try store.unacknowledge(id))")
        }
    }
}
