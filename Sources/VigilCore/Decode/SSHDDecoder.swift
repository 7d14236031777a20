import Foundation

/// Decodes OpenSSH messages in syslog auth logs.
///
/// Headers: RFC 3164 (`Nov  3 07:01:02 host sshd[123]: …`, optional `<PRI>`, year inferred),
/// RFC 3339 stamps (rsyslog high precision, `journalctl -o short-iso`) and RFC 5424.
/// Programs `sshd`, `sshd-session` (OpenSSH ≥ 9.8) and `sshd(pam_unix)`; other programs'
/// lines are well-formed but ignored.
///
/// Attempt counting: sshd often writes several lines for one failed attempt ("Invalid user X",
/// the PAM failure, then "Failed password for invalid user X"). The decoder keeps a little
/// state per connection (host + pid) so that such a group counts as one attempt
/// (`Event.attempts`), and "message repeated N times" counts N.
///
/// Addresses and user names are read from the right: a user name is attacker-controlled and
/// may itself contain " from 1.2.3.4", so the address is always the last ` from X port`.
final class SSHDDecoder: LineDecoder {
    let format = LogFormat.sshd
    private let symbols: SymbolTable
    private let yearAnchor: Int64
    private let anchorYear: Int
    private let fixedYear: Int?

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

    /// Stores a connection's new state (removing it when nothing is pending), remembering the
    /// old one the first time the current line changes it.
    private func setConnection(_ key: UInt64, _ c: Connection) {
        if undo == nil { undo = (key, connections[key]) }
        connections[key] = (c.invalidPending || c.pamPending) ? c : nil
    }
    private var sweepBucket: Int64 = 0

    private let opPassword: Symbol, opPublickey: Symbol, opInvalidUser: Symbol, opPAM: Symbol
    private let opProbe: Symbol, opMaxAttempts: Symbol, opDisconnect: Symbol, opNotAllowed: Symbol

    init(context: DecodeContext) {
        symbols = context.symbols
        yearAnchor = context.yearAnchor
        fixedYear = context.fixedYear
        anchorYear = EventTime.civil(fromDays: context.yearAnchor / EventTime.day).year
        opPassword = symbols.intern("password")
        opPublickey = symbols.intern("publickey")
        opInvalidUser = symbols.intern("invalid_user")
        opPAM = symbols.intern("pam")
        opProbe = symbols.intern("no_identification")
        opMaxAttempts = symbols.intern("max_attempts")
        opDisconnect = symbols.intern("preauth_disconnect")
        opNotAllowed = symbols.intern("not_allowed")
    }

    func decode(_ b: UnsafeRawBufferPointer, into e: inout Event) -> DecodeResult {
        e = Event()
        guard let h = parseHeader(b) else {
            return .malformed(b.isEmpty ? "empty line" : "not a syslog line")
        }
        e.time = h.time
        undo = nil
        guard h.isSSHD else { return .ignored }
        e.server = symbols.intern(b.slice(h.hostStart, h.hostEnd))
        let msg = b.slice(h.msgStart, b.count)
        let connectionKey = (UInt64(e.server.id) << 32) | UInt64(UInt32(truncatingIfNeeded: h.pid))
        sweepConnections(now: e.time)
        return decodeMessage(msg, &e, connectionKey: connectionKey, repeated: 1)
    }

    // MARK: header

    private struct Header {
        var time: Int64
        var hostStart: Int, hostEnd: Int
        var isSSHD: Bool
        var pid: Int
        var msgStart: Int
    }

    private func parseHeader(_ b: UnsafeRawBufferPointer) -> Header? {
        var i = 0
        let n = b.count
        guard n > 16 else { return nil }
        if b[0] == UInt8(ascii: "<") {
            guard let close = b.index(of: UInt8(ascii: ">"), from: 1, to: min(n, 6)), close > 1,
                  b.decimal(1, close) != nil else { return nil }
            i = close + 1
            if i + 2 < n, b[i] == UInt8(ascii: "1"), b[i + 1] == 0x20 {
                return parse5424(b, i + 2)
            }
        }
        var time: Int64
        if i + 4 < n, b[i] >= 48, b[i] <= 57 {
            guard let (ms, end) = EventTime.parseISO8601(b.slice(i, n)) else { return nil }
            time = ms
            i += end
        } else {
            guard i + 15 <= n, let month = EventTime.month(b[i], b[i + 1], b[i + 2]), b[i + 3] == 0x20 else { return nil }
            let d1 = b[i + 4], d2 = b[i + 5]
            let day: Int
            if d1 == 0x20 { guard d2 >= 49, d2 <= 57 else { return nil }; day = Int(d2 - 48) }
            else {
                guard let v = b.decimal(i + 4, i + 6) else { return nil }
                day = v
            }
            guard b[i + 6] == 0x20, let hh = b.decimal(i + 7, i + 9), b[i + 9] == 58, let mm = b.decimal(i + 10, i + 12),
                  b[i + 12] == 58, let ss = b.decimal(i + 13, i + 15), hh < 24, mm < 60, ss <= 60,
                  day >= 1, day <= 31 else { return nil }
            i += 15
            // Optional fraction, as some daemons write "Nov  3 07:01:02.123".
            var frac = 0
            if i < n, b[i] == UInt8(ascii: ".") {
                var j = i + 1, digits = 0
                while j < n, b[j] >= 48, b[j] <= 57 { if digits < 3 { frac = frac * 10 + Int(b[j] - 48) }; digits += 1; j += 1 }
                while digits < 3 && digits > 0 { frac *= 10; digits += 1 }
                i = j
            }
            time = yearlessTime(month: month, day: day, hour: hh, minute: mm, second: min(ss, 59), millis: frac)
        }
        guard i < n, b[i] == 0x20 else { return nil }
        i += 1
        // host
        let hostStart = i
        guard let hostEnd = b.index(of: 0x20, from: i), hostEnd > hostStart else { return nil }
        i = hostEnd + 1
        // tag: prog[pid]: or prog: (the tag ends at the first ": ")
        let tagStart = i
        guard let colon = b.find(": ", from: i) ?? (b.count > 0 && b[b.count - 1] == 58 ? b.count - 1 : nil) else { return nil }
        var progEnd = colon
        var pid = 0
        if let open = b.index(of: UInt8(ascii: "["), from: tagStart, to: colon), b[colon - 1] == UInt8(ascii: "]") {
            progEnd = open
            pid = b.decimal(open + 1, colon - 1) ?? 0
        }
        let prog = b.slice(tagStart, progEnd)
        let isSSHD = prog.hasPrefix("sshd")
        return Header(time: time, hostStart: hostStart, hostEnd: hostEnd, isSSHD: isSSHD, pid: pid, msgStart: min(colon + 2, n))
    }

    /// `<PRI>1 TIMESTAMP HOST APP PROCID MSGID [SD] MSG`
    private func parse5424(_ b: UnsafeRawBufferPointer, _ start: Int) -> Header? {
        let n = b.count
        var i = start
        guard let (time, end) = EventTime.parseISO8601(b.slice(i, n)) else { return nil }
        i += end
        func field() -> (Int, Int)? {
            guard i < n, b[i] == 0x20 else { return nil }
            let s = i + 1
            let e = b.index(of: 0x20, from: s) ?? n
            i = e
            return (s, e)
        }
        guard let host = field(), let app = field(), let procid = field(), field() != nil else { return nil }
        // structured data: "-" or one or more [..] elements
        guard i < n, b[i] == 0x20 else { return nil }
        i += 1
        if i < n && b[i] == UInt8(ascii: "-") {
            i += 1
        } else {
            while i < n && b[i] == UInt8(ascii: "[") {
                var j = i + 1
                var quoted = false
                while j < n {
                    let c = b[j]
                    if c == UInt8(ascii: "\\") { j += 2; continue }
                    if c == UInt8(ascii: "\"") { quoted.toggle() }
                    if c == UInt8(ascii: "]") && !quoted { break }
                    j += 1
                }
                guard j < n else { return nil }
                i = j + 1
            }
        }
        if i < n && b[i] == 0x20 { i += 1 }
        // optional UTF-8 BOM
        if i + 3 <= n, b[i] == 0xef, b[i + 1] == 0xbb, b[i + 2] == 0xbf { i += 3 }
        let prog = b.slice(app.0, app.1)
        return Header(time: time, hostStart: host.0, hostEnd: host.1, isSSHD: prog.hasPrefix("sshd"),
                      pid: b.decimal(procid.0, procid.1) ?? 0, msgStart: i)
    }

    /// RFC 3164 stamps carry no year: take the anchor's year, or the year before when that would
    /// put the event more than a day after the anchor (so nothing lands in the future).
    private func yearlessTime(month: Int, day: Int, hour: Int, minute: Int, second: Int, millis: Int) -> Int64 {
        if let y = fixedYear {
            return EventTime.millis(year: y, month: month, day: day, hour: hour, minute: minute, second: second, millis: millis)
        }
        let t = EventTime.millis(year: anchorYear, month: month, day: day, hour: hour, minute: minute, second: second, millis: millis)
        if t > yearAnchor + EventTime.day {
            return EventTime.millis(year: anchorYear - 1, month: month, day: day, hour: hour, minute: minute, second: second, millis: millis)
        }
        return t
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
