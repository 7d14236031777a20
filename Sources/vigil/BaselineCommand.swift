import ArgumentParser
import Foundation
import VigilCore

struct BaselineCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "baseline",
        abstract: "Show what Vigil believes is normal for an API key or a server.",
        subcommands: [BaselineShowCommand.self]
    )
}

extension BaselineShowCommand {
    enum Format: String, ExpressibleByArgument { case text, json }
}

struct BaselineShowCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show",
        abstract:
            "Hourly profile, known countries/networks/ASNs/tools with first and last use (--key), or the usual validation failure share (--server)."
    )

    @Option(help: "API key id.") var key: String?
    @Option(help: "Server name.") var server: String?
    @Option(help: "text or json.") var output: Format = .text
    @OptionGroup var database: DatabaseOption

    func validate() throws {
        if (key == nil) == (server == nil) { throw ValidationError("give --key KEY or --server NAME") }
    }

    func run() throws {
        let store = try database.openExisting(readOnly: true)
        let e = JSONEncoder()
        e.outputFormatting = [.prettyPrinted, .sortedKeys]
        e.keyEncodingStrategy = .convertToSnakeCase
        if let key {
            guard let b = try Baselines.key(key, store: store) else {
                let names = try Baselines.keyNames(store: store)
                printError(
                    "no baseline for API key \(TerminalText.escape(key)) in \(database.path) (\(names.count) keys known\(names.isEmpty ? "" : ", e.g. " + names.prefix(3).map(TerminalText.escape).joined(separator: ", "))). Keys are forgotten after 30 days unused."
                )
                throw ExitCode(2)
            }
            if output == .json { print(String(decoding: try e.encode(b), as: UTF8.self)); return }
            print(text(b))
        } else if let server {
            guard let b = try Baselines.server(server, store: store) else {
                printError(
                    "no baseline for server \(TerminalText.escape(server)) in \(database.path); servers get one after an hour with at least 20 requests"
                )
                throw ExitCode(2)
            }
            if output == .json { print(String(decoding: try e.encode(b), as: UTF8.self)); return }
            print(
                "Server \(TerminalText.escape(b.server)): input validation failures usually "
                    + String(format: "%.3f%% ± %.3f%% of requests per hour, over %d hours", b.meanShare * 100, b.sdShare * 100, b.hours))
        }
    }

    func text(_ b: KeyBaseline) -> String {
        let esc = TerminalText.escape
        var o = "API key \(esc(b.key))\n"
        o +=
            "  seen \(b.firstSeen.prefix(16)) … \(b.lastSeen.prefix(16)), \(b.requests) requests"
            + (b.warmedUp ? "" : " (still warming up: static floors only)") + "\n"
        o += String(
            format: "  level %.2f requests/hour (seasonality removed) over %d judged hours; dispersion %.2f; usual error share %.2f%%\n",
            b.level, b.levelHours, b.dispersion, b.errorShare * 100)
        func row(_ v: [Double]) -> String { v.map { String(format: "%5.1f", $0) }.joined() }
        o += "  expected requests by hour (UTC):\n           " + (0..<24).map { String(format: "%5d", $0) }.joined() + "\n"
        o += "  weekday  " + row(b.expectedWeekday) + "\n  sunday   " + row(b.expectedSunday) + "\n"
        for (label, list) in [
            ("countries", b.countries), ("networks (ASN)", b.asns), ("networks (/24, /48)", b.networks), ("tools", b.tools),
        ] {
            o += "  \(label):\n"
            if list.isEmpty { o += "    none\n" }
            for k in list {
                o +=
                    "    \(esc(k.value).padding(toLength: 22, withPad: " ", startingAt: 0)) first \(k.firstSeen.prefix(16))  last \(k.lastSeen.prefix(16))\n"
            }
        }
        if let p = b.lastPlace { o += "  last place: \(esc(p))\n" }
        if !b.recentHours.isEmpty {
            o += "  recent hours (observed / expected):\n"
            for h in b.recentHours.suffix(12) {
                o += String(format: "    %@  %4d / %6.1f\n", String(h.hour.prefix(16)) as NSString, h.observed, h.expected)
            }
        }
        return o
    }
}
