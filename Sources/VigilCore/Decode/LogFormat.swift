import Foundation

/// The log formats Vigil understands.
package enum LogFormat: String, Sendable, CaseIterable, Codable {
    /// Pick per input by sniffing its first lines.
    case auto
    /// JSON lines with the MCP service's structured log fields.
    case mcpJSON = "mcp-json"
    /// syslog auth logs with OpenSSH's messages (RFC 3164, RFC 3339 stamps, RFC 5424).
    case sshd
    /// nginx / Apache combined (or common) access logs.
    case combined
    /// `journalctl -o json` output: one journal entry per line (sshd's entries are decoded).
    case journalJSON = "journal-json"

    static let concrete: [LogFormat] = [.mcpJSON, .sshd, .combined, .journalJSON]

    /// Whether its events are sshd's: the report's SSH figures, the login counts and the
    /// hourly counts treat a journal of sshd entries as they treat an auth log.
    package var carriesSSHD: Bool { self == .sshd || self == .journalJSON }
}

/// What decoding one line came to.
package enum DecodeResult: Equatable {
    /// The line filled in the event.
    case event
    /// The line filled in the event and stands for more: decode the same line again for the
    /// next (an sshd line that ends a quiet connection's held failures, or a success that
    /// does not forget failures for another user, before its own event).
    case eventAndMore
    /// A well-formed line of no security interest (a cron line in auth.log, a session close).
    case ignored
    /// A line the decoder could not understand, with the reason.
    case malformed(String)
}

/// Turns one line of bytes into an `Event`. One decoder instance per input: decoders may keep
/// per-connection state (sshd does, to count one attempt once).
package protocol LineDecoder: AnyObject {
    var format: LogFormat { get }
    func decode(_ line: UnsafeRawBufferPointer, into event: inout Event) -> DecodeResult
    /// State to carry into a later run that resumes this input. With `beforeLastLine`, as it
    /// was before the most recent `decode` call (that line will be read again).
    func saveState(beforeLastLine: Bool) -> Data?
    func loadState(_ data: Data)
}

extension LineDecoder {
    func saveState(beforeLastLine: Bool) -> Data? { nil }
    func loadState(_ data: Data) {}
}

/// What decoders need from their surroundings.
package struct DecodeContext {
    let symbols: SymbolTable
    /// Latest plausible time for year-less syslog stamps (the input's mtime, or now): a stamp
    /// that would fall more than a day after it belongs to the previous year.
    var yearAnchor: Int64
    /// A fixed year for year-less stamps, overriding the anchor (`--year`).
    package var fixedYear: Int?
    /// sshd's `MaxAuthTries` on the hosts logging (the policy's
    /// `detectors.auth_failure_burst.max_auth_tries`): what a connection cut off for too many
    /// failures counts.
    var sshdMaxAuthTries = SSHDMessageParser.defaultMaxAuthTries
    /// How many places from the right a forwarded client list names the client (policy
    /// `clients.trusted_proxies`; 0: a list is not an address).
    var trustedProxies = 0

    package init(
        symbols: SymbolTable, yearAnchor: Int64, fixedYear: Int? = nil, trustedProxies: Int = 0,
        sshdMaxAuthTries: Int = SSHDMessageParser.defaultMaxAuthTries
    ) {
        self.symbols = symbols
        self.yearAnchor = yearAnchor
        self.fixedYear = fixedYear
        self.trustedProxies = trustedProxies
        self.sshdMaxAuthTries = sshdMaxAuthTries
    }

    /// The first `limit` non-empty whole lines of `prefix` (without CR), or its only partial
    /// line when it has no whole one.
    static func leadingLines(_ prefix: UnsafeRawBufferPointer, limit: Int) -> [UnsafeRawBufferPointer] {
        var lines: [UnsafeRawBufferPointer] = []
        var start = 0
        var i = 0
        while i < prefix.count && lines.count < limit {
            if prefix[i] == 0x0a {
                var end = i
                if end > start && prefix[end - 1] == 0x0d { end -= 1 }
                if end > start { lines.append(UnsafeRawBufferPointer(rebasing: prefix[start..<end])) }
                start = i + 1
            }
            i += 1
        }
        if lines.isEmpty && start < prefix.count {
            lines.append(UnsafeRawBufferPointer(rebasing: prefix[start...]))
        }
        return lines
    }

    /// How a fresh decoder of `format` reads `lines`: how many are malformed, and how many are
    /// events stamped after `latestAllowed` (which the stream would refuse as ahead of the
    /// clock). For the check that a whole file is not read, and recorded as read, under a
    /// format or `--year` that makes most of it unreadable.
    func sample(_ lines: [UnsafeRawBufferPointer], as format: LogFormat, latestAllowed: Int64) -> (malformed: Int, ahead: Int) {
        guard let decoder = makeDecoder(format) else { return (0, 0) }
        var malformed = 0
        var ahead = 0
        var event = Event()
        for line in lines {
            switch decoder.decode(line, into: &event) {
            case .malformed: malformed += 1
            case .event, .eventAndMore: if event.time > latestAllowed { ahead += 1 }
            case .ignored: break
            }
        }
        return (malformed, ahead)
    }

    func makeDecoder(_ format: LogFormat) -> LineDecoder? {
        switch format {
        case .mcpJSON: return MCPJSONDecoder(context: self)
        case .sshd: return SSHDDecoder(context: self)
        case .combined: return CombinedLogDecoder(context: self)
        case .journalJSON: return JournalJSONDecoder(context: self)
        case .auto: return nil
        }
    }

    /// Picks the format whose decoder understands most of the first lines; `nil` when none
    /// understands any.
    func sniff(_ prefix: UnsafeRawBufferPointer) -> LogFormat? {
        let lines = DecodeContext.leadingLines(prefix, limit: 20)
        var best: (LogFormat, Int)? = nil
        for format in LogFormat.concrete {
            guard let decoder = makeDecoder(format) else { continue }
            var score = 0
            var event = Event()
            for line in lines {
                switch decoder.decode(line, into: &event) {
                case .event, .eventAndMore: score += 2
                case .ignored: score += 1
                case .malformed: break
                }
            }
            if score > 0 && score > (best?.1 ?? 0) { best = (format, score) }
        }
        return best?.0
    }
}
