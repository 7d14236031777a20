import VigilCore

/// `HOST:PORT` (or `[IPv6]:PORT`) for `--metrics-listen`.
package struct MetricsAddress: Sendable, Equatable, CustomStringConvertible {
    package var host: String
    package var port: Int

    package init(_ text: String) throws {
        var host: Substring
        var port: Substring
        if text.hasPrefix("["), let close = text.firstIndex(of: "]") {
            host = text[text.index(after: text.startIndex)..<close]
            port = text[text.index(after: close)...].drop { $0 == ":" }
        } else if let colon = text.lastIndex(of: ":") {
            host = text[..<colon]
            port = text[text.index(after: colon)...]
        } else {
            throw VigilError.usage("--metrics-listen takes HOST:PORT, e.g. 127.0.0.1:9464, not `\(text)`")
        }
        if host.isEmpty { host = "127.0.0.1" }
        guard let p = Int(port), (1...65535).contains(p) else {
            throw VigilError.usage("--metrics-listen: `\(port)` is not a port number (1 to 65535)")
        }
        self.host = String(host)
        self.port = p
    }

    /// Loopback only: the metrics name inputs and findings counts, for this host's eyes.
    package var isLoopback: Bool {
        host == "localhost" || host.hasPrefix("127.") || host == "::1"
    }

    package var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }
}
