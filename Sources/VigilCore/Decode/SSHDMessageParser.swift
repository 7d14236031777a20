import Foundation

/// Turns OpenSSH's log messages (the text after the syslog tag) into events, counting each
/// connection's attempts the way sshd makes them.
///
/// Apart from the syslog header (`SyslogEnvelopeParser`) so that sshd messages carried some
/// other way decode the same: a journald record gives the message, host, pid and time as
/// fields (`MESSAGE`, `_HOSTNAME`, `_PID`, `__REALTIME_TIMESTAMP`) and feeds them to
/// `decode(message:time:host:pid:into:)` exactly as `SSHDDecoder` does with a syslog line's.
/// One parser per input, like the decoders: the state follows that input's connections.
///
/// Messages of OpenSSH 3.x to 10.x on Linux, the BSDs, macOS and Solaris are understood; the
/// category of each is written in `Event.operation` (`SSHDCategory`). Counting, per connection
/// (host + pid, `SSHDConnection`), as the README's "How sshd lines are counted" explains:
/// - one attempt written as several lines ("Invalid user X", the PAM failure, "Failed
///   password for invalid user X") counts once; "message repeated N times" counts N;
/// - failed publickey/hostbased attempts and PAM failures are held until the connection's
///   outcome: a success of the same user forgets them, the end of the connection counts them,
///   and a success of another user counts them and is reported (`Event.failuresBefore`);
/// - a connection ending at MaxAuthTries made at least that many attempts, counted once;
/// - a connection that asked to log in and ended with nothing counted made one attempt;
/// - a connection's lines are one client: the address of its first addressed line, even
///   where PAM named a host (`UseDNS yes`);
/// - pre-authentication noise (scanners, banner grabbers, key-exchange failures) is decoded
///   with its category and never counts as an attempt.
///
/// Addresses and user names are read from the right: a user name is attacker-controlled and
/// may itself contain " from 1.2.3.4", so the address is always the last ` from X port`.
final class SSHDMessageParser {
    let symbols: SymbolTable
    /// sshd's `MaxAuthTries`: a connection cut off for too many failures made this many.
    let maxAuthTries: UInt32
    var connections: [UInt64: SSHDConnection] = [:]
    /// Connections gone quiet while holding failures, handed on one per decode call.
    /// A queue read from `expiredHead` (a sweep may expire thousands at once: taking each from
    /// the front of an array would move the rest every time).
    var expired: [ExpiredConnection] = []
    var expiredHead = 0
    /// What the last decode call changed, as it was before (for `saveState(beforeLastLine:)`).
    var undo = Undo()
    var sweepBucket: Int64 = 0

    /// The state one decode call changed, as it was before the call: at most one connection,
    /// and the expired queue (one taken from its front, or some added at its end).
    struct Undo {
        var connection: (key: UInt64, previous: SSHDConnection?)?
        var tookExpired = false
        var addedExpired = 0
    }

    /// The expired connections still to hand on, as they were before the last decode call
    /// when `beforeLastCall`.
    func pendingExpired(beforeLastCall: Bool) -> ArraySlice<ExpiredConnection> {
        guard beforeLastCall else { return expired[expiredHead...] }
        let head = undo.tookExpired ? expiredHead - 1 : expiredHead
        return expired[head..<(expired.count - undo.addedExpired)]
    }

    /// A connection forgotten after `quietPeriod` that held failures: they count.
    struct ExpiredConnection {
        var server: Symbol
        var connection: SSHDConnection
    }

    let category: Categories

    /// The interned `SSHDCategory` names.
    struct Categories {
        let password, publickey, hostbased, invalidUser, pam, maxAttempts, tooManyFailures: Symbol
        let preauthDisconnect, clientGaveUp, changeOfUser, unfinishedConnection: Symbol
        let notAllowed, accountLocked, rootRefused, tcpWrappersRefused: Symbol
        let noIdentification, badBanner, noMatchingAlgorithm, preauthTimeout, preauthClosed, reverseMappingMismatch: Symbol

        init(_ symbols: SymbolTable) {
            password = symbols.intern(SSHDCategory.password)
            publickey = symbols.intern(SSHDCategory.publickey)
            hostbased = symbols.intern("hostbased")
            invalidUser = symbols.intern(SSHDCategory.invalidUser)
            pam = symbols.intern(SSHDCategory.pam)
            maxAttempts = symbols.intern(SSHDCategory.maxAttempts)
            tooManyFailures = symbols.intern(SSHDCategory.tooManyFailures)
            preauthDisconnect = symbols.intern(SSHDCategory.preauthDisconnect)
            clientGaveUp = symbols.intern(SSHDCategory.clientGaveUp)
            changeOfUser = symbols.intern(SSHDCategory.changeOfUser)
            unfinishedConnection = symbols.intern(SSHDCategory.unfinishedConnection)
            notAllowed = symbols.intern(SSHDCategory.notAllowed)
            accountLocked = symbols.intern(SSHDCategory.accountLocked)
            rootRefused = symbols.intern(SSHDCategory.rootRefused)
            tcpWrappersRefused = symbols.intern(SSHDCategory.tcpWrappersRefused)
            noIdentification = symbols.intern(SSHDCategory.noIdentification)
            badBanner = symbols.intern(SSHDCategory.badBanner)
            noMatchingAlgorithm = symbols.intern(SSHDCategory.noMatchingAlgorithm)
            preauthTimeout = symbols.intern(SSHDCategory.preauthTimeout)
            preauthClosed = symbols.intern(SSHDCategory.preauthClosed)
            reverseMappingMismatch = symbols.intern(SSHDCategory.reverseMappingMismatch)
        }
    }

    let rootUser: Symbol

    init(symbols: SymbolTable, maxAuthTries: Int = SSHDMessageParser.defaultMaxAuthTries) {
        self.symbols = symbols
        self.maxAuthTries = UInt32(clamping: max(maxAuthTries, 1))
        category = Categories(symbols)
        rootUser = symbols.intern("root")
    }

    /// OpenSSH's default `MaxAuthTries`.
    static let defaultMaxAuthTries = 6

    /// Decodes one sshd `message` logged at `time` by process `pid` on `host` (the connection
    /// is host + pid). Resets `event` first. `pamOnly`: the line came from old Linux PAM's own
    /// `sshd(pam_unix)` tag, whose failures have no "Failed" partner and count at once.
    ///
    /// `.eventAndMore`: the line also ends something else (a quiet connection's held
    /// failures, or the failures a success did not forget) — call again with the same line.
    func decode(
        message: UnsafeRawBufferPointer, time: Int64, host: UnsafeRawBufferPointer, pid: Int, pamOnly: Bool = false,
        into event: inout Event
    ) -> DecodeResult {
        event = Event()
        event.time = time
        undo = Undo()
        event.server = symbols.intern(host)
        if expiredHead > 0 && expiredHead == expired.count {
            expired.removeAll(keepingCapacity: true)
            expiredHead = 0
        }
        sweepConnections(now: time)
        if expiredHead < expired.count {
            undo.tookExpired = true
            let gone = expired[expiredHead]
            expiredHead += 1
            fillExpired(gone, &event)
            return .eventAndMore
        }
        let key = (UInt64(event.server.id) << 32) | UInt64(UInt32(truncatingIfNeeded: pid))
        var start = 0
        // Solaris/illumos: "[ID 800047 auth.info] Failed keyboard-interactive for …".
        if message.hasPrefix("[ID "), let close = message.find("] ", from: 4, to: min(message.count, 64)) { start = close + 2 }
        let body = start == 0 ? message : message.slice(start, message.count)
        return decodeMessage(body, &event, key: key, repeated: 1, pamOnly: pamOnly)
    }

    /// Notes a line that carried no sshd message (another program's): it changed no
    /// connection, so `saveState(beforeLastLine:)` has nothing to undo for it.
    func skipLine() {
        undo = Undo()
    }

    // MARK: connection state

    /// Stores a connection's new state (forgetting it when it carries nothing), remembering
    /// the old one the first time the current call changes it.
    func setConnection(_ key: UInt64, _ connection: SSHDConnection?) {
        if undo.connection == nil { undo.connection = (key, connections[key]) }
        connections[key] = connection.flatMap { $0.isWorthKeeping ? $0 : nil }
    }

    /// The connection `key` as a line naming `address` (or host name `host`) sees it: a
    /// different address under the same key is a new connection (the pid was reused), and the
    /// old one, which ended without a word, hands its held failures on with the next line.
    func connection(_ key: UInt64, address: IPAddress?, host: Symbol = .none, time: Int64) -> SSHDConnection {
        var connection = connections[key] ?? SSHDConnection()
        if let address {
            if let known = connection.address, known != address {
                if connection.held.adding(connection.unplaced) > 0 {
                    undo.addedExpired += 1
                    expired.append(ExpiredConnection(server: Symbol(id: UInt32(key >> 32)), connection: connection))
                }
                connection = SSHDConnection()
            }
            connection.address = address
        } else if !host.isNone && connection.address == nil {
            connection.remoteHost = host
        }
        connection.lastTime = time
        return connection
    }

    /// Counts `attempts` new failures of `connection` for `user` in `event`, with those
    /// logged before the client was known; without a client yet, they wait for one.
    func handOn(_ attempts: UInt32, user: Symbol, _ connection: inout SSHDConnection, _ event: inout Event) {
        connection.count(attempts, user: user)
        fillClient(connection, &event)
        guard event.clientIP != nil || !event.remoteHost.isNone else {
            connection.unplaced = connection.unplaced.adding(attempts)
            event.attempts = 0
            return
        }
        event.attempts = attempts.adding(connection.unplaced)
        connection.unplaced = 0
    }

    /// The connection's client: its address, else the host name the log gave.
    func fillClient(_ connection: SSHDConnection, _ event: inout Event) {
        if let address = connection.address {
            event.clientIP = address
            event.remoteHost = .none
        } else if event.clientIP == nil, !connection.remoteHost.isNone {
            event.remoteHost = connection.remoteHost
        }
    }

    /// How long a connection may log nothing before it is taken as gone. sshd's
    /// LoginGraceTime (2 minutes by default) ends any connection still authenticating, and a
    /// connection that authenticated is forgotten at once: 5 minutes leaves room for slow
    /// logs while keeping the state of a brute force small.
    static let quietPeriod = 5 * EventTime.minute

    /// Forgets connections quiet for `quietPeriod` of event time, so state stays bounded;
    /// those holding failures are handed on (`expired`): a connection whose end was never
    /// logged did not succeed. Sweeps happen when event time enters a new minute: a function
    /// of the log alone, so a log analyzed in several runs sweeps exactly as in one.
    private func sweepConnections(now: Int64) {
        let bucket = now / EventTime.minute
        guard bucket > sweepBucket else { return }
        sweepBucket = bucket
        let cutoff = now - Self.quietPeriod
        var gone: [(UInt64, SSHDConnection)] = []
        connections = connections.filter { key, connection in
            if connection.lastTime >= cutoff { return true }
            let attributable = connection.address != nil || !connection.remoteHost.isNone
            if attributable && connection.held.adding(connection.unplaced) > 0 { gone.append((key, connection)) }
            return false
        }
        // In a stable order, whatever the dictionary's.
        gone.sort { ($0.1.lastTime, $0.0) < ($1.1.lastTime, $1.0) }
        expired += gone.map { ExpiredConnection(server: Symbol(id: UInt32($0.0 >> 32)), connection: $0.1) }
    }

    private func fillExpired(_ gone: ExpiredConnection, _ event: inout Event) {
        let connection = gone.connection
        event.server = gone.server
        fillClient(connection, &event)
        event.user = connection.heldUser
        event.operation = category.unfinishedConnection
        event.outcome = .authFailure
        event.attempts = connection.held.adding(connection.unplaced)
    }
}
