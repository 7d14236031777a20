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
    func decode(
        message: UnsafeRawBufferPointer, time: Int64, host: UnsafeRawBufferPointer, pid: Int,
        into event: inout Event
    ) -> DecodeResult {
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
    private func setConnection(_ key: UInt64, _ connection: Connection) {
        if undo == nil { undo = (key, connections[key]) }
        connections[key] = (connection.invalidPending || connection.pamPending) ? connection : nil
    }

    // MARK: messages

    private func decodeMessage(
        _ message: UnsafeRawBufferPointer, _ event: inout Event, connectionKey: UInt64, repeated: UInt32
    ) -> DecodeResult {
        if message.hasPrefix("Failed ") {
            // Failed <method> for [invalid user ]<user> from <ip> port <port> ssh2
            guard let (user, ip) = userAndAddress(message, afterPrefix: 7, methodFollows: true, event: &event) else {
                return .malformed("unrecognized 'Failed' message")
            }
            event.user = user; event.clientIP = ip
            event.outcome = .authFailure
            var connection = connections[connectionKey] ?? Connection()
            if repeated > 1 {
                event.attempts = repeated
            } else {
                event.attempts = (connection.invalidPending || connection.pamPending) ? 0 : 1
            }
            connection.invalidPending = false; connection.pamPending = false
            setConnection(connectionKey, connection)
            return .event
        }
        if message.hasPrefix("Accepted ") {
            guard let (user, ip) = userAndAddress(message, afterPrefix: 9, methodFollows: true, event: &event) else {
                return .malformed("unrecognized 'Accepted' message")
            }
            event.user = user; event.clientIP = ip
            event.outcome = .success
            event.attempts = 0
            setConnection(connectionKey, Connection())
            return .event
        }
        if message.hasPrefix("Invalid user ") || message.hasPrefix("Illegal user ") {
            // Invalid user <user> from <ip>[ port <port>]
            guard let from = message.findLast(" from ") else { return .malformed("unrecognized 'Invalid user' message") }
            let ipEnd = message.index(of: 0x20, from: from + 6) ?? message.count
            guard let ip = IPAddress.parse(message.slice(from + 6, ipEnd)) else {
                return .malformed("no address in 'Invalid user' message")
            }
            event.user = SecretRedaction.loginName(message.slice(13, from), symbols: symbols)
            event.clientIP = ip
            event.operation = opInvalidUser
            event.outcome = .authFailure
            var connection = connections[connectionKey] ?? Connection()
            event.attempts = repeated
            connection.invalidPending = true
            connection.lastTime = event.time
            setConnection(connectionKey, connection)
            return .event
        }
        if let authFailure = message.find("authentication failure; ", to: min(message.count, 48)) {
            // pam_unix(sshd:auth): authentication failure; ... rhost=<host>  user=<user>
            // PAM <n> more authentication failure(s); ... (a summary of attempts already logged)
            let isSummary = message.hasPrefix("PAM ")
            event.operation = opPAM
            event.outcome = .authFailure
            if let rhost = message.find(" rhost=", from: authFailure) {
                let valueStart = rhost + 7
                let valueEnd = message.index(of: 0x20, from: valueStart) ?? message.count
                let value = message.slice(valueStart, valueEnd)
                if let ip = IPAddress.parse(value) {
                    event.clientIP = ip
                } else if !value.isEmpty {
                    event.remoteHost = symbols.intern(value)
                }
                if let userAt = message.find(" user=", from: valueEnd) {
                    var userEnd = message.count
                    while userEnd > userAt + 6 && message[userEnd - 1] == 0x20 { userEnd -= 1 }
                    event.user = SecretRedaction.loginName(message.slice(userAt + 6, userEnd), symbols: symbols)
                }
            }
            if isSummary {
                event.attempts = 0
                return .event
            }
            var connection = connections[connectionKey] ?? Connection()
            if repeated > 1 {
                event.attempts = repeated
            } else if connection.invalidPending && !connection.pamPending {
                event.attempts = 0  // same attempt as the "Invalid user" line before it
            } else {
                event.attempts = 1  // a new attempt (old PAM-only logs write no "Failed" line)
            }
            connection.pamPending = true
            connection.lastTime = event.time
            setConnection(connectionKey, connection)
            return .event
        }
        if message.hasPrefix("message repeated ") {
            // message repeated N times: [ <message>]
            guard let space = message.index(of: 0x20, from: 17), let count = message.decimal(17, space),
                let open = message.find("[ ", from: space), let close = message.findLast("]"), close > open + 2
            else {
                return .malformed("unrecognized 'message repeated' line")
            }
            let inner = message.slice(open + 2, close)
            return decodeMessage(inner, &event, connectionKey: connectionKey, repeated: UInt32(clamping: max(count, 1)))
        }
        if message.hasPrefix("error: maximum authentication attempts exceeded for ") {
            // The attempt that hit MaxAuthTries is logged by this line instead of "Failed".
            guard let (user, ip) = userAndAddress(message, afterPrefix: 52, methodFollows: false, event: &event) else {
                return .malformed("unrecognized 'maximum authentication attempts' message")
            }
            event.user = user; event.clientIP = ip
            event.operation = opMaxAttempts
            event.outcome = .authFailure
            event.attempts = repeated
            return .event
        }
        if message.hasPrefix("Did not receive identification string from ") {
            let addressStart = 43
            let end = message.index(of: 0x20, from: addressStart) ?? message.count
            guard let ip = IPAddress.parse(message.slice(addressStart, end)) else { return .malformed("no address in message") }
            event.clientIP = ip
            event.operation = opProbe
            event.outcome = .authFailure
            event.attempts = repeated
            return .event
        }
        if message.hasPrefix("User "), let notAllowed = message.find(" not allowed because ") {
            // User <user> from <ip> not allowed because ...
            guard let from = message.findLast(" from ", before: notAllowed),
                let ip = IPAddress.parse(message.slice(from + 6, notAllowed))
            else {
                return .malformed("unrecognized 'not allowed' message")
            }
            event.user = SecretRedaction.loginName(message.slice(5, from), symbols: symbols)
            event.clientIP = ip
            event.operation = opNotAllowed
            event.outcome = .forbidden
            event.attempts = repeated
            return .event
        }
        for prefix in Self.preauthDisconnects where message.hasPrefix(prefix) {
            // "<prefix> [invalid |authenticating ]user <user> <ip> port <port> [preauth]": the
            // attempt itself was counted by its own lines; this one only tells it ended.
            let rest = prefix.utf8CodeUnitCount
            var userStart = rest
            if message.hasPrefix("invalid user ", at: rest) {
                userStart = rest + 13
            } else if message.hasPrefix("authenticating user ", at: rest) {
                userStart = rest + 20
            } else {
                return .ignored
            }
            guard let port = message.findLast(" port "), let space = message.findLast(" ", before: port, from: userStart),
                let ip = IPAddress.parse(message.slice(space + 1, port))
            else { return .ignored }
            event.user = SecretRedaction.loginName(message.slice(userStart, space), symbols: symbols)
            event.clientIP = ip
            event.operation = opDisconnect
            event.outcome = .authFailure
            event.attempts = 0
            return .event
        }
        return .ignored
    }

    private static let preauthDisconnects: [StaticString] = [
        "Connection closed by ", "Disconnected from ", "Connection reset by ",
    ]

    /// Parses `<method> for [invalid user ]<user> from <ip> port ...` (or without a method),
    /// reading the address from the right.
    private func userAndAddress(
        _ message: UnsafeRawBufferPointer, afterPrefix: Int, methodFollows: Bool, event: inout Event
    ) -> (Symbol, IPAddress)? {
        var cursor = afterPrefix
        if methodFollows {
            guard let space = message.index(of: 0x20, from: cursor) else { return nil }
            let method = message.slice(cursor, space)
            event.operation =
                method.hasPrefix("password") ? opPassword : method.hasPrefix("publickey") ? opPublickey : symbols.intern(method)
            guard message.hasPrefix(" for ", at: space) else { return nil }
            cursor = space + 5
        }
        if message.hasPrefix("invalid user ", at: cursor) { cursor += 13 }
        let portAt = message.findLast(" port ") ?? message.count
        guard let from = message.findLast(" from ", before: portAt, from: cursor) else { return nil }
        var ipEnd = portAt
        if portAt == message.count { ipEnd = message.index(of: 0x20, from: from + 6) ?? message.count }
        guard let ip = IPAddress.parse(message.slice(from + 6, ipEnd)) else { return nil }
        return (SecretRedaction.loginName(message.slice(cursor, from), symbols: symbols), ip)
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
        let list = state.map { key, connection in
            Stored(
                server: symbols.string(Symbol(id: UInt32(key >> 32))) ?? "", pid: UInt32(truncatingIfNeeded: key), connection: connection)
        }.sorted { ($0.server, $0.pid) < ($1.server, $1.pid) }
        return try? JSONEncoder.state.encode(StoredState(sweepBucket: sweepBucket, connections: list))
    }

    func loadState(_ data: Data) {
        guard let stored = try? JSONDecoder.state.decode(StoredState.self, from: data) else { return }
        sweepBucket = stored.sweepBucket
        for entry in stored.connections {
            connections[(UInt64(symbols.intern(entry.server).id) << 32) | UInt64(entry.pid)] = entry.connection
        }
    }
}
