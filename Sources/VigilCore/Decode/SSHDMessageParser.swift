import Foundation

/// Turns OpenSSH's log messages (the text after the syslog tag) into events, with the little
/// per-connection state that counting attempts needs.
///
/// Apart from the syslog header (`SyslogEnvelopeParser`) so that sshd messages carried some
/// other way decode the same: a journald record gives the message, host, pid and time as
/// fields (`MESSAGE`, `_HOSTNAME`, `_PID`, `__REALTIME_TIMESTAMP`) and feeds them to
/// `decode(message:time:host:pid:into:)` exactly as `SSHDDecoder` does with a syslog line's.
/// One parser per input, like the decoders: the state follows that input's connections.
///
/// Attempt counting: sshd often writes several lines for one failed attempt ("Invalid user X",
/// the PAM failure, then "Failed password for invalid user X"). The parser keeps a little
/// state per connection (host + pid) so that such a group counts as one attempt
/// (`Event.attempts`), and "message repeated N times" counts N.
///
/// Addresses and user names are read from the right: a user name is attacker-controlled and
/// may itself contain " from 1.2.3.4", so the address is always the last ` from X port`.
final class SSHDMessageParser {
    private let symbols: SymbolTable

    /// A connection with part of an attempt logged. Connections with nothing pending are not
    /// kept: they carry no information, and the map (and saved state) stays small.
    private struct Connection: Codable {
        var invalidPending = false
        var pamPending = false
        var lastTime: Int64 = 0
    }
    private var connections: [UInt64: Connection] = [:]
    /// The connection entry the last decoded line changed, as it was before (for `saveState`).
    private var undo: (key: UInt64, previous: Connection?)?
    private var sweepBucket: Int64 = 0

    private let opPassword: Symbol, opPublickey: Symbol, opInvalidUser: Symbol, opPAM: Symbol
    private let opProbe: Symbol, opMaxAttempts: Symbol, opDisconnect: Symbol, opNotAllowed: Symbol

    init(symbols: SymbolTable) {
        self.symbols = symbols
        opPassword = symbols.intern("password")
        opPublickey = symbols.intern("publickey")
        opInvalidUser = symbols.intern("invalid_user")
        opPAM = symbols.intern("pam")
        opProbe = symbols.intern("no_identification")
        opMaxAttempts = symbols.intern("max_attempts")
        opDisconnect = symbols.intern("preauth_disconnect")
        opNotAllowed = symbols.intern("not_allowed")
    }

    /// Decodes one sshd `message` logged at `time` by process `pid` on `host` (the connection
    /// is host + pid). Resets `event` first.
    func decode(message: UnsafeRawBufferPointer, time: Int64, host: UnsafeRawBufferPointer, pid: Int,
                into event: inout Event) -> DecodeResult {
        event = Event()
        event.time = time
        undo = nil
        event.server = symbols.intern(host)
        let connectionKey = (UInt64(event.server.id) << 32) | UInt64(UInt32(truncatingIfNeeded: pid))
        sweepConnections(now: event.time)
        return decodeMessage(message, &event, connectionKey: connectionKey, repeated: 1)
    }

    /// Notes a line that carried no sshd message (another program's): it changed no
    /// connection, so `saveState(beforeLastLine:)` has nothing to undo for it.
    func skipLine() {
        undo = nil
    }

    /// Stores a connection's new state (removing it when nothing is pending), remembering the
    /// old one the first time the current line changes it.
    private func setConnection(_ key: UInt64, _ c: Connection) {
        if undo == nil { undo = (key, connections[key]) }
        connections[key] = (c.invalidPending || c.pamPending) ? c : nil
    }

    // MARK: messages

    private func decodeMessage(_ m: UnsafeRawBufferPointer, _ e: inout Event, connectionKey: UInt64, repeated: UInt32) -> DecodeResult {
        if m.hasPrefix("Failed ") {
            // Failed <method> for [invalid user ]<user> from <ip> port <port> ssh2
            guard let (user, ip) = userAndAddress(m, afterPrefix: 7, methodFollows: true, e: &e) else {
                return .malformed("unrecognized 'Failed' message")
            }
            e.user = user; e.clientIP = ip
            e.outcome = .authFailure
            var c = connections[connectionKey] ?? Connection()
            if repeated > 1 {
                e.attempts = repeated
            } else {
                e.attempts = (c.invalidPending || c.pamPending) ? 0 : 1
            }
            c.invalidPending = false; c.pamPending = false
            setConnection(connectionKey, c)
            return .event
        }
        if m.hasPrefix("Accepted ") {
            guard let (user, ip) = userAndAddress(m, afterPrefix: 9, methodFollows: true, e: &e) else {
                return .malformed("unrecognized 'Accepted' message")
            }
            e.user = user; e.clientIP = ip
            e.outcome = .success
            e.attempts = 0
            setConnection(connectionKey, Connection())
            return .event
        }
        if m.hasPrefix("Invalid user ") || m.hasPrefix("Illegal user ") {
            // Invalid user <user> from <ip>[ port <port>]
            guard let from = m.findLast(" from ") else { return .malformed("unrecognized 'Invalid user' message") }
            let ipEnd = m.index(of: 0x20, from: from + 6) ?? m.count
            guard let ip = IPAddress.parse(m.slice(from + 6, ipEnd)) else { return .malformed("no address in 'Invalid user' message") }
            e.user = symbols.intern(m.slice(13, from))
            e.clientIP = ip
            e.operation = opInvalidUser
            e.outcome = .authFailure
            var c = connections[connectionKey] ?? Connection()
            e.attempts = repeated
            c.invalidPending = true
            c.lastTime = e.time
            setConnection(connectionKey, c)
            return .event
        }
        if let authFailure = m.find("authentication failure; ", to: min(m.count, 48)) {
            // pam_unix(sshd:auth): authentication failure; ... rhost=<host>  user=<user>
            // PAM <n> more authentication failure(s); ... (a summary of attempts already logged)
            let isSummary = m.hasPrefix("PAM ")
            e.operation = opPAM
            e.outcome = .authFailure
            if let rh = m.find(" rhost=", from: authFailure) {
                let vs = rh + 7
                let ve = m.index(of: 0x20, from: vs) ?? m.count
                let v = m.slice(vs, ve)
                if let ip = IPAddress.parse(v) { e.clientIP = ip } else if !v.isEmpty { e.remoteHost = symbols.intern(v) }
                if let u = m.find(" user=", from: ve) {
                    var ue = m.count
                    while ue > u + 6 && m[ue - 1] == 0x20 { ue -= 1 }
                    e.user = symbols.intern(m.slice(u + 6, ue))
                }
            }
            if isSummary {
                e.attempts = 0
                return .event
            }
            var c = connections[connectionKey] ?? Connection()
            if repeated > 1 {
                e.attempts = repeated
            } else if c.invalidPending && !c.pamPending {
                e.attempts = 0   // same attempt as the "Invalid user" line before it
            } else {
                e.attempts = 1   // a new attempt (old PAM-only logs write no "Failed" line)
            }
            c.pamPending = true
            c.lastTime = e.time
            setConnection(connectionKey, c)
            return .event
        }
        if m.hasPrefix("message repeated ") {
            // message repeated N times: [ <message>]
            guard let sp = m.index(of: 0x20, from: 17), let count = m.decimal(17, sp),
                  let open = m.find("[ ", from: sp), let close = m.findLast("]"), close > open + 2 else {
                return .malformed("unrecognized 'message repeated' line")
            }
            let inner = m.slice(open + 2, close)
            return decodeMessage(inner, &e, connectionKey: connectionKey, repeated: UInt32(clamping: max(count, 1)))
        }
        if m.hasPrefix("error: maximum authentication attempts exceeded for ") {
            // The attempt that hit MaxAuthTries is logged by this line instead of "Failed".
            guard let (user, ip) = userAndAddress(m, afterPrefix: 52, methodFollows: false, e: &e) else {
                return .malformed("unrecognized 'maximum authentication attempts' message")
            }
            e.user = user; e.clientIP = ip
            e.operation = opMaxAttempts
            e.outcome = .authFailure
            e.attempts = repeated
            return .event
        }
        if m.hasPrefix("Did not receive identification string from ") {
            let s = 43
            let end = m.index(of: 0x20, from: s) ?? m.count
            guard let ip = IPAddress.parse(m.slice(s, end)) else { return .malformed("no address in message") }
            e.clientIP = ip
            e.operation = opProbe
            e.outcome = .authFailure
            e.attempts = repeated
            return .event
        }
        if m.hasPrefix("User "), let notAllowed = m.find(" not allowed because ") {
            // User <user> from <ip> not allowed because ...
            guard let from = m.findLast(" from ", before: notAllowed),
                  let ip = IPAddress.parse(m.slice(from + 6, notAllowed)) else {
                return .malformed("unrecognized 'not allowed' message")
            }
            e.user = symbols.intern(m.slice(5, from))
            e.clientIP = ip
            e.operation = opNotAllowed
            e.outcome = .forbidden
            e.attempts = repeated
            return .event
        }
        for prefix in Self.preauthDisconnects where m.hasPrefix(prefix) {
            // "<prefix> [invalid |authenticating ]user <user> <ip> port <port> [preauth]": the
            // attempt itself was counted by its own lines; this one only tells it ended.
            let rest = prefix.utf8CodeUnitCount
            var userStart = rest
            if m.hasPrefix("invalid user ", at: rest) { userStart = rest + 13 }
            else if m.hasPrefix("authenticating user ", at: rest) { userStart = rest + 20 }
            else { return .ignored }
            guard let port = m.findLast(" port "), let sp = m.findLast(" ", before: port, from: userStart),
                  let ip = IPAddress.parse(m.slice(sp + 1, port)) else { return .ignored }
            e.user = symbols.intern(m.slice(userStart, sp))
            e.clientIP = ip
            e.operation = opDisconnect
            e.outcome = .authFailure
            e.attempts = 0
            return .event
        }
        return .ignored
    }

    private static let preauthDisconnects: [StaticString] = [
        "Connection closed by ", "Disconnected from ", "Connection reset by ",
    ]

    /// Parses `<method> for [invalid user ]<user> from <ip> port ...` (or without a method),
    /// reading the address from the right.
    private func userAndAddress(_ m: UnsafeRawBufferPointer, afterPrefix: Int, methodFollows: Bool, e: inout Event) -> (Symbol, IPAddress)? {
        var i = afterPrefix
        if methodFollows {
            guard let sp = m.index(of: 0x20, from: i) else { return nil }
            let method = m.slice(i, sp)
            e.operation = method.hasPrefix("password") ? opPassword : method.hasPrefix("publickey") ? opPublickey : symbols.intern(method)
            guard m.hasPrefix(" for ", at: sp) else { return nil }
            i = sp + 5
        }
        if m.hasPrefix("invalid user ", at: i) { i += 13 }
        let portAt = m.findLast(" port ") ?? m.count
        guard let from = m.findLast(" from ", before: portAt, from: i) else { return nil }
        var ipEnd = portAt
        if portAt == m.count { ipEnd = m.index(of: 0x20, from: from + 6) ?? m.count }
        guard let ip = IPAddress.parse(m.slice(from + 6, ipEnd)) else { return nil }
        return (symbols.intern(m.slice(i, from)), ip)
    }

    /// Forgets connections idle for 10 minutes of event time, so state stays bounded. Sweeps
    /// happen when event time enters a new 10-minute bucket: a function of the log alone, so
    /// a log analyzed in several runs sweeps exactly as in one.
    private func sweepConnections(now: Int64) {
        let bucket = now / (10 * EventTime.minute)
        guard bucket > sweepBucket else { return }
        sweepBucket = bucket
        let cutoff = now - 10 * EventTime.minute
        connections = connections.filter { $0.value.lastTime >= cutoff }
    }

    private struct Stored: Codable {
        var server: String
        var pid: UInt32
        var connection: Connection
    }

    private struct StoredState: Codable {
        var sweepBucket: Int64
        var connections: [Stored]
    }

    func saveState(beforeLastLine: Bool) -> Data? {
        var state = connections
        if beforeLastLine, let undo { state[undo.key] = undo.previous }
        let list = state.map { key, c in
            Stored(server: symbols.string(Symbol(id: UInt32(key >> 32))) ?? "", pid: UInt32(truncatingIfNeeded: key), connection: c)
        }.sorted { ($0.server, $0.pid) < ($1.server, $1.pid) }
        return try? JSONEncoder.state.encode(StoredState(sweepBucket: sweepBucket, connections: list))
    }

    func loadState(_ data: Data) {
        guard let s = try? JSONDecoder.state.decode(StoredState.self, from: data) else { return }
        sweepBucket = s.sweepBucket
        for c in s.connections {
            connections[(UInt64(symbols.intern(c.server).id) << 32) | UInt64(c.pid)] = c.connection
        }
    }
}
