import Foundation

/// The lines that end a connection (closed, reset, disconnected, timed out, refused before
/// authentication), refusals by configuration, and the parsing of addresses and users.
extension SSHDMessageParser {
    /// A connection ended: what it held counts (it did not succeed), and one that asked to
    /// log in with nothing counted made one attempt. Without either, the line is the
    /// pre-authentication `noise` of its category, or (a session's end) nothing.
    func ended(
        _ event: inout Event, key: UInt64, address: IPAddress?, user: Symbol = .none, namedUser: Bool = false,
        preauth: Bool, gaveUp: Bool = false, noise: Symbol
    ) -> DecodeResult {
        let known = connections[key] != nil
        var connection = connection(key, address: address, time: event.time)
        if !connection.pendingRefusal.isNone && (connection.address != nil || !connection.remoteHost.isNone) {
            // The refusal logged before the client was known, as its own event first.
            event.operation = connection.pendingRefusal
            event.user = connection.pendingRefusalUser
            event.outcome = .forbidden
            event.attempts = 1
            fillClient(connection, &event)
            connection.pendingRefusal = .none
            setConnection(key, connection)
            return .eventAndMore
        }
        var attempts = connection.held
        let loggedNothing = connection.counted == 0 && !connection.refused
        if attempts == 0 && loggedNothing && (connection.reachedAuthentication || namedUser || gaveUp) { attempts = 1 }
        let releasing = attempts > 0 || connection.unplaced > 0
        let heldUser = connection.heldUser.isNone ? connection.firstFailedUser : connection.heldUser
        event.user = user.isNone ? heldUser : user
        event.outcome = .authFailure
        connection.heldKeys = 0
        connection.openAttempt = .none
        handOn(attempts, user: event.user, &connection, &event)
        if event.clientIP == nil && event.remoteHost.isNone { event.clientIP = address }
        let authenticating = releasing || connection.counted > 0 || connection.refused || namedUser || gaveUp
        setConnection(key, nil)
        if authenticating {
            event.operation = gaveUp ? category.clientGaveUp : category.preauthDisconnect
            return .event
        }
        event.attempts = 0
        guard preauth || known || noise != category.preauthClosed else { return .ignored }
        event.operation = connection.sawNoise && noise == category.preauthClosed ? category.badBanner : noise
        return .event
    }

    /// `Connection closed by …`, `Connection reset by …`, `Disconnected from …`, each as
    /// `[authenticating user U |invalid user U |user U ]H[ port P][ [preauth]]`.
    func closed(_ message: UnsafeRawBufferPointer, prefix: Int, _ event: inout Event, key: UInt64) -> DecodeResult {
        let preauth = message.count >= 9 && message.hasPrefix("[preauth]", at: message.count - 9)
        var userStart: Int?
        if message.hasPrefix("invalid user ", at: prefix) {
            userStart = prefix + 13
        } else if message.hasPrefix("authenticating user ", at: prefix) {
            userStart = prefix + 20
        } else if message.hasPrefix("user ", at: prefix) {
            // `Disconnected from user U H port P`: a session's end, after its success.
            setConnection(key, nil)
            return .ignored
        }
        guard let userStart else {
            return ended(&event, key: key, address: addressToken(message, at: prefix), preauth: preauth, noise: category.preauthClosed)
        }
        guard let (user, ip) = userAndAddress(userAt: userStart, before: message.count, in: message) else { return .ignored }
        return ended(&event, key: key, address: ip, user: user, namedUser: true, preauth: preauth, noise: category.preauthClosed)
    }

    /// `Received disconnect from H[ port P]:CODE: TEXT` (older `from H: CODE: TEXT`). The
    /// client gave up after failing when TEXT says `Auth fail` (JSch) or code 14 (no
    /// authentication method left).
    func receivedDisconnect(_ message: UnsafeRawBufferPointer, _ event: inout Event, key: UInt64) -> DecodeResult {
        let preauth = message.count >= 9 && message.hasPrefix("[preauth]", at: message.count - 9)
        let gaveUp =
            message.find("Auth fail", from: 25) != nil || message.find("authentication methods available", from: 25) != nil
        return ended(
            &event, key: key, address: addressToken(message, at: 25), preauth: preauth, gaveUp: gaveUp, noise: category.preauthClosed)
    }

    /// A line of pre-authentication noise, naming the client at `addressAt` when it has one.
    /// Most end the connection (sshd drops it); `kex_exchange_identification` is followed by
    /// the line that does (`banner exchange: …`, `Connection closed …`).
    func noise(
        _ message: UnsafeRawBufferPointer, addressAt: Int?, _ noise: Symbol, ends: Bool = true, _ event: inout Event, key: UInt64
    ) -> DecodeResult {
        let address = addressAt.flatMap { addressToken(message, at: $0) }
        guard ends else {
            var connection = connection(key, address: address, time: event.time)
            connection.sawNoise = true
            setConnection(key, connection)
            fillClient(connection, &event)
            if event.clientIP == nil { event.clientIP = address }
            event.operation = noise
            event.outcome = .authFailure
            event.attempts = 0
            return .event
        }
        return ended(&event, key: key, address: address, preauth: true, noise: noise)
    }

    /// `Connection from H port P[ on A port L]` (LogLevel VERBOSE): a new connection, whose
    /// later address-less lines (`kex_exchange_identification`, `Disconnecting: Too many
    /// authentication failures`) are this client's.
    func connectionFrom(_ message: UnsafeRawBufferPointer, _ event: inout Event, key: UInt64) -> DecodeResult {
        guard let address = addressToken(message, at: 16) else { return .ignored }
        var connection = SSHDConnection()
        connection.address = address
        connection.lastTime = event.time
        setConnection(key, connection)
        return .ignored
    }

    /// `Postponed publickey for U from H port P ssh2 [preauth]` and the like: no attempt, but
    /// the connection's client.
    func remember(_ message: UnsafeRawBufferPointer, _ event: inout Event, key: UInt64) -> DecodeResult {
        let portAt = message.findLast(" port ") ?? message.count
        guard let from = message.findLast(" from ", before: portAt), let address = addressToken(message, at: from + 6) else {
            return .ignored
        }
        let connection = connection(key, address: address, time: event.time)
        setConnection(key, connection)
        return .ignored
    }

    /// `Address A maps to N, but this does not map back to the address - POSSIBLE BREAK-IN
    /// ATTEMPT!` and `reverse mapping checking getaddrinfo for N [A] failed - POSSIBLE
    /// BREAK-IN ATTEMPT!`: a reverse-DNS mismatch, recorded, never an attempt.
    func reverseMapping(_ message: UnsafeRawBufferPointer, _ event: inout Event, key: UInt64) -> DecodeResult {
        var address: IPAddress?
        if message.hasPrefix("Address ") {
            address = addressToken(message, at: 8)
        } else if let open = message.findLast("["), let close = message.index(of: UInt8(ascii: "]"), from: open) {
            address = Self.address(message.slice(open + 1, close))
        }
        guard let address else { return .ignored }
        let connection = connection(key, address: address, time: event.time)
        setConnection(key, connection)
        event.clientIP = address
        event.operation = category.reverseMappingMismatch
        event.outcome = .authFailure
        event.attempts = 0
        return .event
    }

    /// `ROOT LOGIN REFUSED FROM H[ port P]` (OpenSSH 3–4 with `PermitRootLogin no`).
    func rootRefused(_ message: UnsafeRawBufferPointer, _ event: inout Event, key: UInt64, repeated: UInt32) -> DecodeResult {
        guard let address = addressToken(message, at: 24) else { return .malformed("no address in 'ROOT LOGIN REFUSED' message") }
        var connection = connection(key, address: address, time: event.time)
        connection.reachedAuthentication = true
        setConnection(key, connection)
        event.clientIP = address
        event.user = rootUser
        event.operation = category.rootRefused
        event.outcome = .forbidden
        event.attempts = repeated
        return .event
    }

    /// `User U from H not allowed because <reason>` (AllowUsers, DenyUsers, AllowGroups,
    /// DenyGroups) and `User U not allowed because account is locked` (no address: the
    /// connection's).
    func userNotAllowed(_ message: UnsafeRawBufferPointer, _ event: inout Event, key: UInt64, repeated: UInt32) -> DecodeResult {
        guard let because = message.find(" not allowed because ") else { return .ignored }
        var address: IPAddress?
        var host = Symbol.none
        var userEnd = because
        if let from = message.findLast(" from ", before: because, from: 5) {
            let hostText = message.slice(from + 6, because)
            address = Self.address(hostText)
            if address == nil {
                guard !hostText.isEmpty else { return .malformed("unrecognized 'not allowed' message") }
                host = symbols.intern(hostText)
            }
            userEnd = from
        }
        event.user = SecretRedaction.loginName(message.slice(5, userEnd), symbols: symbols)
        let locked = message.hasPrefix("account is locked", at: because + 21)
        event.operation = locked ? category.accountLocked : category.notAllowed
        event.outcome = .forbidden
        event.attempts = repeated
        var connection = connection(key, address: address, host: host, time: event.time)
        connection.reachedAuthentication = true
        connection.refused = true
        // One connection, one subject: with `UseDNS yes` this line names the host, while the
        // connection's other lines give its address.
        if let known = connection.address { event.clientIP = known } else if !host.isNone { event.remoteHost = host }
        if event.clientIP == nil && event.remoteHost.isNone {
            // No client known yet (`account is locked` names none): not a refusal of nobody —
            // which an allowlisted server's fail-closed rule would judge as its own — but one
            // reported when a line of the connection names the client.
            event.attempts = 0
            connection.pendingRefusal = event.operation
            connection.pendingRefusalUser = event.user
        }
        setConnection(key, connection)
        return .event
    }

    /// tcp-wrappers: `refused connect from NAME (ADDR)`.
    func tcpWrappers(_ message: UnsafeRawBufferPointer, _ event: inout Event, key: UInt64, repeated: UInt32) -> DecodeResult {
        guard let open = message.findLast("("), let close = message.index(of: UInt8(ascii: ")"), from: open),
            let address = Self.address(message.slice(open + 1, close))
        else { return .malformed("no address in 'refused connect' message") }
        event.clientIP = address
        event.operation = category.tcpWrappersRefused
        event.outcome = .forbidden
        event.attempts = repeated
        return .event
    }

    // MARK: parsing

    /// The address in the token starting at `start` (up to a space; a trailing `:` or `,`
    /// dropped, as in `from 1.2.3.4: 11: Bye`).
    func addressToken(_ message: UnsafeRawBufferPointer, at start: Int) -> IPAddress? {
        guard start < message.count else { return nil }
        var end = message.index(of: 0x20, from: start) ?? message.count
        while end > start && (message[end - 1] == UInt8(ascii: ":") || message[end - 1] == UInt8(ascii: ",")) {
            if let address = Self.address(message.slice(start, end)) { return address }
            end -= 1
        }
        return Self.address(message.slice(start, end))
    }

    /// An address as sshd writes it: IPv4, IPv6, `::ffff:`-mapped, or link-local IPv6 with its
    /// zone (`fe80::1%eth0`, the zone dropped: it names the server's interface, not the client).
    static func address(_ text: UnsafeRawBufferPointer) -> IPAddress? {
        if let address = IPAddress.parse(text) { return address }
        guard let percent = text.index(of: UInt8(ascii: "%"), from: 0), percent > 0 else { return nil }
        return IPAddress.parse(text.slice(0, percent))
    }

    /// Where the address of the last ` from X` starts.
    func lastFrom(_ message: UnsafeRawBufferPointer) -> Int? {
        message.findLast(" from ").map { $0 + 6 }
    }

    /// Where the address starts in `[authenticating user U |invalid user U |user U ]H port P`
    /// from `start`.
    func addressAfterUser(_ message: UnsafeRawBufferPointer, _ start: Int) -> Int? {
        guard
            message.hasPrefix("authenticating user ", at: start) || message.hasPrefix("invalid user ", at: start)
                || message.hasPrefix("user ", at: start)
        else { return start }
        guard let port = message.findLast(" port "), let space = message.findLast(" ", before: port, from: start) else { return nil }
        return space + 1
    }

    /// Parses `<method> for [invalid user ]<user> from <ip> port <port> ssh2[: <info>]` (or
    /// without a method). Sets the method's category in `event`.
    ///
    /// Two parts are the client's own text: an invalid user's name (before the address) and
    /// the auth info (after it: a certificate's key ID, hostbased's client user and host).
    /// Either may spell ` from 10.1.1.1 port 22`. So the address is the one the connection's
    /// earlier lines gave (`Invalid user X from A` is unambiguous: nothing follows its port),
    /// else the first for a valid user (a real account's name does not spell an address), else
    /// the last (an invalid user's name may).
    func userAndAddress(
        _ message: UnsafeRawBufferPointer, afterPrefix: Int, methodFollows: Bool, event: inout Event, known: IPAddress? = nil
    ) -> (user: Symbol, address: IPAddress, invalid: Bool)? {
        var cursor = afterPrefix
        if methodFollows {
            guard let space = message.index(of: 0x20, from: cursor) else { return nil }
            let method = message.slice(cursor, space)
            event.operation =
                method.hasPrefix("password")
                ? category.password
                : method.hasPrefix("publickey")
                    ? category.publickey : method.hasPrefix("hostbased") ? category.hostbased : symbols.intern(method)
            guard message.hasPrefix(" for ", at: space) else { return nil }
            cursor = space + 5
        }
        var invalid = false
        if message.hasPrefix("invalid user ", at: cursor) || message.hasPrefix("illegal user ", at: cursor) {
            cursor += 13
            invalid = true
        }
        if message.hasPrefix("<invalid username> from ", at: cursor) {
            // Solaris's attempt of an unknown user: no name, and nothing of the client's before
            // the address.
            guard let ip = addressToken(message, at: cursor + 24) else { return nil }
            return (.none, ip, true)
        }
        var first: (from: Int, address: IPAddress)?
        var last: (from: Int, address: IPAddress)?
        var matching: (from: Int, address: IPAddress)?
        var search = cursor
        while let from = message.find(" from ", from: search) {
            search = from + 1
            let start = from + 6
            let end = message.index(of: 0x20, from: start) ?? message.count
            guard end == message.count || message.hasPrefix(" port ", at: end) || message.hasPrefix(" ssh", at: end),
                let ip = Self.address(message.slice(start, end))
            else { continue }
            if first == nil { first = (from, ip) }
            last = (from, ip)
            if ip == known && matching == nil { matching = (from, ip) }
        }
        guard let chosen = matching ?? (invalid ? last : first) else { return nil }
        return (SecretRedaction.loginName(message.slice(cursor, chosen.from), symbols: symbols), chosen.address, invalid)
    }

    /// `… (authenticating|invalid) user U H port P` ending before `end`.
    func userAndAddressWithoutFrom(_ message: UnsafeRawBufferPointer, before end: Int) -> (user: Symbol, address: IPAddress)? {
        if let at = message.find("authenticating user ", to: end) { return userAndAddress(userAt: at + 20, before: end, in: message) }
        if let at = message.find("invalid user ", to: end) { return userAndAddress(userAt: at + 13, before: end, in: message) }
        return nil
    }

    /// `U H port P` from `userStart`, ending before `end`: the user is everything up to the
    /// last space before the last ` port ` (a user name may contain spaces, the address not).
    func userAndAddress(userAt userStart: Int, before end: Int, in message: UnsafeRawBufferPointer) -> (user: Symbol, address: IPAddress)? {
        guard let port = message.findLast(" port ", before: end, from: userStart),
            let space = message.findLast(" ", before: port, from: userStart),
            let ip = Self.address(message.slice(space + 1, port))
        else { return nil }
        return (SecretRedaction.loginName(message.slice(userStart, space), symbols: symbols), ip)
    }
}
