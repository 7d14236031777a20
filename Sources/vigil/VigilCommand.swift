import ArgumentParser
import VigilCore

/// The `vigil` command line: a thin front over VigilCore. Parsing and printing only.
@main
struct VigilCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "vigil",
        abstract: "Security event analyzer for auth and access logs (sshd, MCP JSON, nginx/Apache).",
        version: Vigil.version,
        subcommands: [AnalyzeCommand.self, FindingsCommand.self, DecodeCommand.self, PolicyCommand.self]
    )
}
