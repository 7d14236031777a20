import ArgumentParser
import Foundation
import VigilCore

/// `--db PATH`, else `$VIGIL_DB`, else `./vigil.sqlite`.
struct DatabaseOption: ParsableArguments {
    @Option(name: .long, help: "Findings database (SQLite). Default: $VIGIL_DB, else ./vigil.sqlite.")
    var db: String?

    var path: String {
        if let db { return db }
        if let env = ProcessInfo.processInfo.environment["VIGIL_DB"], !env.isEmpty { return env }
        return "vigil.sqlite"
    }

    func open() throws -> FindingStore {
        try FindingStore(path: path)
    }
}

/// How inputs are read.
struct InputOptions: ParsableArguments {
    @Option(name: .long, help: "Log format: auto, mcp-json, sshd or combined. auto sniffs each file.")
    var format: LogFormat = .auto

    @Option(name: .long, help: "Year for syslog stamps that carry none. Default: from each file's modification time.")
    var year: Int?

    @Flag(name: .long, help: "Stop at the first malformed line instead of counting it.")
    var strict = false

    func validate() throws {
        if let year, year < 1970 || year > 9999 { throw ValidationError("--year must be between 1970 and 9999") }
    }
}

extension LogFormat: ExpressibleByArgument {}

extension Severity: ExpressibleByArgument {
    public init?(argument: String) { self.init(name: argument) }
}

/// Buffered standard output: `print` per line is too slow for millions of decoded events.
final class OutputBuffer {
    private var buffer: [UInt8] = []

    init() { buffer.reserveCapacity(1 << 16) }

    func write(_ s: String) {
        buffer.append(contentsOf: s.utf8)
        if buffer.count >= 1 << 16 { flush() }
    }

    func line(_ s: String) {
        write(s)
        buffer.append(0x0a)
    }

    func flush() {
        guard !buffer.isEmpty else { return }
        buffer.withUnsafeBytes { p in
            var offset = 0
            while offset < p.count {
                let n = Foundation.write(1, p.baseAddress! + offset, p.count - offset)
                if n <= 0 { if errno == EINTR { continue } else { break } }
                offset += n
            }
        }
        buffer.removeAll(keepingCapacity: true)
    }

    deinit { flush() }
}

func printError(_ message: String) {
    FileHandle.standardError.write(Data(("vigil: " + message + "\n").utf8))
}

func formatCount(_ n: Int64) -> String {
    let s = String(n)
    var out = ""
    for (i, c) in s.reversed().enumerated() {
        if i > 0 && i % 3 == 0 && c != "-" { out.append(",") }
        out.append(c)
    }
    return String(out.reversed())
}
