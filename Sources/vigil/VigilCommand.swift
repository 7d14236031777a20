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
        version: BuildInfo.text,
        subcommands: [
            AnalyzeCommand.self, ReanalyzeCommand.self, TailCommand.self, StatusCommand.self, FindingsCommand.self, ReportCommand.self,
            AckCommand.self,
            UnackCommand.self, ShowCommand.self,
            SuppressCommand.self, PruneCommand.self, BaselineCommand.self, PolicyCommand.self, DecodeCommand.self,
        ]
    )

    /// The one place where errors become exit codes, for every command: 0 done; 1 only when a
    /// command says so (`analyze --fail-on` met, lint or policy tests failed) by throwing
    /// `ExitCode(1)`; 2 for everything that made the run unusable — a usage error (ArgumentParser
    /// says 64), a `VigilError` (input, database, policy, state) and any error nothing mapped
    /// (ArgumentParser would say 1, which reads as "findings" to a CI script).
    static func main() {
        // Standard output carries findings and alerts; logs go to standard error.
        LoggingSystem.bootstrap { label in LogOutput.makeHandler(label: label) }
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch let code as ExitCode {
            exit(withError: code)
        } catch let error as VigilError {
            printError(error.description)
            Foundation.exit(2)
        } catch {
            switch exitCode(for: error) {
            case .success:
                exit(withError: error)  // --help, --version
            case .validationFailure:
                FileHandle.standardError.write(Data((fullMessage(for: error) + "\n").utf8))
                Foundation.exit(2)
            default:
                printError(fullMessage(for: error))
                Foundation.exit(2)
            }
        }
    }
}
