import ArgumentParser
import Foundation
import VigilCore

#if canImport(Glibc)
    import Glibc
#endif

/// Who is triaging: `--by`, else the login name of the account running the command.
struct ReviewerOption: ParsableArguments {
    @Option(name: .long, help: "Who is reviewing (default: your login name). Kept in the finding's history.")
    var by: String?

    func validate() throws {
        if let by, by.trimmingCharacters(in: .whitespaces).isEmpty {
            throw ValidationError("--by needs a name (leave it out for your login name)")
        }
    }

    var name: String {
        if let by { return by }
        if let entry = getpwuid(getuid()), let name = entry.pointee.pw_name { return String(cString: name) }
        return ProcessInfo.processInfo.environment["USER"] ?? "uid \(getuid())"
    }
}

struct AckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ack",
        abstract: "Acknowledge findings: reviewed, with a note. Reports list them apart from open ones.",
        discussion:
            "Every acknowledgement is kept in the finding's history with who and when (`vigil show ID`); a later one replaces the current note, not the history."
    )

    @Argument(help: "Finding ids (a unique prefix is enough).")
    var ids: [String]

    @Option(name: .long, help: "Why, for the next reviewer.")
    var note: String

    @OptionGroup var reviewer: ReviewerOption
    @OptionGroup var database: DatabaseOption

    func run() throws {
        let store = try database.openExisting()
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        for id in ids {
            let full = try store.resolveID(id)
            let earlier = try store.triageHistory(full).last { $0.action == "ack" }
            try store.acknowledge(full, note: note, by: reviewer.name, at: now)
            if let earlier, let previous = earlier.note {
                print(
                    "acknowledged \(full) (the note \"\(TerminalText.escape(previous))\" by \(TerminalText.escape(earlier.by)) at \(EventTime.format(earlier.at)) stays in its history)"
                )
            } else {
                print("acknowledged \(full)")
            }
        }
    }
}

struct UnackCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "unack", abstract: "Take back an acknowledgement (kept in the history).")

    @Argument(help: "Finding ids (a unique prefix is enough).")
    var ids: [String]

    @OptionGroup var reviewer: ReviewerOption
    @OptionGroup var database: DatabaseOption

    func run() throws {
        let store = try database.openExisting()
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        for id in ids {
            print("unacknowledged \(try store.unacknowledge(id, by: reviewer.name, at: now))")
        }
    }
}
