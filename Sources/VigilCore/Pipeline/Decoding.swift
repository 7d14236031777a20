import Foundation

/// `vigil decode`: shows how each line of each input was understood, as `fail2ban-regex` does
/// for fail2ban. No detectors, no store.
package final class Decoding {
    package struct Options {
        package var format: LogFormat = .auto
        package var fixedYear: Int?
        package var strict = false
        package var now: Int64 = Int64(Date().timeIntervalSince1970 * 1000)
        /// As `analyze`'s: lines stamped further ahead of the clock are malformed.
        package var maxAhead: Int64 = EventTime.day
        /// Count the ignored lines of syslog inputs by program (`--stats`).
        package var ignoredByProgram = false
        /// How many programs are listed by name; the others are lumped together.
        package var listedPrograms = 10
        /// `--journal-match` for `journal:` inputs (empty: sshd's entries).
        package var journalMatches: [String] = []
        /// The policy's settings that change how lines decode (`clients.trusted_proxies`,
        /// `detectors.auth_failure_burst.max_auth_tries`), so that `decode` shows what
        /// `analyze` counts.
        var trustedProxies = 0
        var sshdMaxAuthTries = SSHDMessageParser.defaultMaxAuthTries
        package init() {}

        /// Decodes as `analyze` with `policy` would.
        package mutating func decodeAs(_ policy: Policy) {
            trustedProxies = policy.clients.trustedProxies
            sshdMaxAuthTries = policy.detectors.authFailureBurst.maxAuthTries
        }
    }

    let options: Options
    let symbols = SymbolTable()

    package init(options: Options) {
        self.options = options
    }

    /// Decodes every input in order, calling `emit` with one JSON object per event (when
    /// given), and returns per-input statistics. Inputs that cannot be opened are returned
    /// as stats with `error` set.
    package func run(paths: [String], emit: ((String) -> Void)?) throws -> [InputStats] {
        var all: [InputStats] = []
        for (i, path) in paths.enumerated() {
            let stream: EventStream
            do {
                stream = try EventStream(
                    path: path, index: Int32(i), symbols: symbols,
                    options: .init(
                        format: options.format, fixedYear: options.fixedYear,
                        strict: options.strict, now: options.now, maxAhead: options.maxAhead,
                        trustedProxies: options.trustedProxies, sshdMaxAuthTries: options.sshdMaxAuthTries,
                        journalMatches: options.journalMatches),
                    known: [])
            } catch let error as VigilError {
                var s = InputStats(path: path)
                s.error = error.description
                all.append(s)
                continue
            }
            let format = stream.stats.format?.rawValue ?? "?"
            if let emit {
                // Every malformed line, where it stands among the events: none is left unseen.
                let file = stream.stats.path
                stream.malformedTap = { line, reason in
                    var entry = JSONText()
                    entry.begin()
                    entry.field("file", file)
                    entry.field("line", line)
                    entry.field("malformed", reason)
                    entry.end()
                    emit(entry.text)
                }
            }
            var programs = BoundedTally()
            let countPrograms = options.ignoredByProgram && stream.stats.format == .sshd
            if countPrograms {
                let envelopes = SyslogEnvelopeParser(context: DecodeContext(symbols: SymbolTable(), yearAnchor: options.now))
                stream.ignoredTap = { line in
                    guard !line.isEmpty else { return programs.add("(empty line)") }
                    guard let envelope = envelopes.parse(line) else { return programs.add("(no program)") }
                    programs.add(String(decoding: line[envelope.program], as: UTF8.self))
                }
            }
            try stream.advance()
            var json = JSONText()
            while let e = stream.head {
                if let emit {
                    json.begin()
                    json.field("file", stream.stats.path)
                    json.field("line", e.line)
                    json.field("format", format)
                    json.field("time", EventTime.format(e.time))
                    json.field("client_ip", e.clientIP?.description ?? symbols.string(e.remoteHost))
                    json.field("user", symbols.string(e.user))
                    json.field("api_key", symbols.string(e.apiKey))
                    json.field("server", symbols.string(e.server))
                    json.field("operation", symbols.string(e.operation))
                    json.field("tool", symbols.string(e.tool))
                    json.field("resource", symbols.string(e.resource))
                    json.field("status", e.status == 0 ? nil : Int64(e.status))
                    json.field("outcome", e.outcome.name)
                    json.field("attempts", Int64(e.attempts))
                    json.field("failures_before", e.failuresBefore == 0 ? nil : Int64(e.failuresBefore))
                    json.field("request_id", e.requestID.isEmpty ? nil : e.requestID.string)
                    // The MCP protocol fields only where the line had them: an sshd line
                    // would otherwise carry a dozen nulls.
                    func present(_ key: String, _ value: String?) { if let value { json.field(key, value) } }
                    present("session_id", e.session.isNone ? nil : e.session.description)
                    present("method", symbols.string(e.method))
                    if e.rpcErrorCode != 0 { json.field("rpc_error_code", Int64(e.rpcErrorCode)) }
                    present("client_name", symbols.string(e.clientName))
                    present("client_version", symbols.string(e.clientVersion))
                    present("protocol_version", symbols.string(e.protocolVersion))
                    present("transport", symbols.string(e.transport))
                    present("auth_method", symbols.string(e.authMethod))
                    present("oauth_client_id", symbols.string(e.oauthClient))
                    present("auth_subject", symbols.string(e.authSubject))
                    present("auth_error", symbols.string(e.authError))
                    present("user_agent", e.userAgent.isEmpty ? nil : e.userAgent.string)
                    if e.bytesOut != 0 { json.field("bytes_out", e.bytesOut) }
                    json.end()
                    emit(json.text)
                }
                try stream.advance()
            }
            stream.source.close()
            if countPrograms {
                let (listed, other) = programs.top(options.listedPrograms)
                stream.stats.ignoredByProgram = listed
                stream.stats.ignoredOtherPrograms = other
            }
            all.append(stream.stats)
        }
        return all
    }
}
