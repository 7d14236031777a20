import ArgumentParser
import Foundation
import Logging
import VigilCore

/// The `vigil` command line: a thin front over VigilCore. Parsing and printing only.
@main
struct VigilCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "vigil",
        abstract: "Security event analyzer for auth and access logs (sshd, MCP JSON, nginx/Apache).",
        version: Vigil.version,
        subcommands: [AnalyzeCommand.self, TailCommand.self, StatusCommand.self, FindingsCommand.self, ReportCommand.self, AckCommand.self, UnackCommand.self,
                      SuppressCommand.self, PruneCommand.self, BaselineCommand.self, PolicyCommand.self, DecodeCommand.self]
    )

    /// Like ArgumentParser's, except that usage errors exit 2 (as documented for every
    /// command) rather than 64, so CI scripts can tell "bad invocation" from "found problems".
    static func main() {
        // Standard output carries findings and alerts; logs go to standard error.
        LoggingSystem.bootstrap { label in StreamLogHandler.standardError(label: label) }
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch {
            if exitCode(for: error) == .validationFailure {
                FileHandle.standardError.write(Data((fullMessage(for: error) + "\n").utf8))
                Foundation.exit(2)
            }
            exit(withError: error)
        }
    }
}
