import Foundation

/// The sshd messages, by their first byte (a switch rather than a chain of prefix tests: the
/// common lines are decided in one or two comparisons).
extension SSHDMessageParser {
    func decodeMessage(
        _ message: UnsafeRawBufferPointer, _ event: inout Event, key: UInt64, repeated: UInt32, pamOnly: Bool
    ) -> DecodeResult {
        guard let first = message.first else { return .ignored }
        switch first {
        case UInt8(ascii: "F"):
            if message.hasPrefix("Failed ") { return failed(message, &event, key: key, repeated: repeated) }
        case UInt8(ascii: "A"):
            if message.hasPrefix("Accepted ") { return accepted(message, &event, key: key) }
            if message.hasPrefix("Address ") { return reverseMapping(message, &event, key: key) }
        case UInt8(ascii: "I"):
            if message.hasPrefix("Invalid user ") || message.hasPrefix("Illegal user ") {
                return invalidUser(message, &event, key: key, repeated: repeated)
            }
        case UInt8(ascii: "C"):
            if message.hasPrefix("Connection closed by ") { return closed(message, prefix: 21, &event, key: key) }
            if message.hasPrefix("Connection reset by ") { return closed(message, prefix: 20, &event, key: key) }
            if message.hasPrefix("Connection from ") { return connectionFrom(message, &event, key: key) }
        case UInt8(ascii: "D"):
            if message.hasPrefix("Disconnected from ") { return closed(message, prefix: 18, &event, key: key) }
            if message.hasPrefix("Disconnecting") { return disconnecting(message, &event, key: key) }
            if message.hasPrefix("Did not receive identification string from ") {
                return noise(message, addressAt: 43, category.noIdentification, &event, key: key)
            }
        case UInt8(ascii: "R"):
            if message.hasPrefix("Received disconnect from ") { return receivedDisconnect(message, &event, key: key) }
            if message.hasPrefix("ROOT LOGIN REFUSED FROM ") { return rootRefused(message, &event, key: key, repeated: repeated) }
            if message.hasPrefix("Read from socket failed") {
                return noise(message, addressAt: nil, category.preauthClosed, &event, key: key)
            }
        case UInt8(ascii: "U"):
            if message.hasPrefix("User ") { return userNotAllowed(message, &event, key: key, repeated: repeated) }
            if message.hasPrefix("Unable to negotiate with ") {
                return noise(message, addressAt: 25, category.noMatchingAlgorithm, &event, key: key)
            }
            if message.hasPrefix("Unable to negotiate") {
                return noise(message, addressAt: nil, category.noMatchingAlgorithm, &event, key: key)
            }
        case UInt8(ascii: "m"):
            if message.hasPrefix("message repeated ") { return messageRepeated(message, &event, key: key, pamOnly: pamOnly) }
            if message.hasPrefix("maximum authentication attempts exceeded for ") {
                return maxAttempts(message, afterPrefix: 45, &event, key: key)
            }
        case UInt8(ascii: "e"):
            if message.hasPrefix("error: PAM: ") { return bsdPAM(message, &event, key: key, repeated: repeated) }
            if message.hasPrefix("error: ") {
                return decodeMessage(message.slice(7, message.count), &event, key: key, repeated: repeated, pamOnly: pamOnly)
            }
        case UInt8(ascii: "f"):
            if message.hasPrefix("fatal: ") {
                return decodeMessage(message.slice(7, message.count), &event, key: key, repeated: repeated, pamOnly: pamOnly)
            }
        case UInt8(ascii: "B"):
            if message.hasPrefix("Bad protocol version identification") {
                return noise(message, addressAt: lastFrom(message), category.badBanner, &event, key: key)
            }
        case UInt8(ascii: "b"):
            if message.hasPrefix("banner exchange: Connection from ") {
                return noise(message, addressAt: 33, category.badBanner, &event, key: key)
            }
        case UInt8(ascii: "k"):
            if message.hasPrefix("kex_exchange_identification") {
                return noise(message, addressAt: nil, category.badBanner, ends: false, &event, key: key)
            }
        case UInt8(ascii: "s"):
            if message.hasPrefix("ssh_dispatch_run_fatal: Connection from ") {
                return noise(message, addressAt: addressAfterUser(message, 40), category.badBanner, &event, key: key)
            }
        case UInt8(ascii: "P"):
            if message.hasPrefix("Protocol major versions differ for ") {
                return noise(message, addressAt: 35, category.badBanner, &event, key: key)
            }
            if message.hasPrefix("Postponed ") || message.hasPrefix("Partial ") {
                return remember(message, &event, key: key)
            }
        case UInt8(ascii: "T"):
            if message.hasPrefix("Timeout before authentication for connection from ") {
                return listenerTimeout(message, &event, key: key)
            }
            if message.hasPrefix("Timeout before authentication for ") {
                return noise(message, addressAt: 34, category.preauthTimeout, &event, key: key)
            }
        case UInt8(ascii: "r"):
            if message.hasPrefix("refused connect from ") { return tcpWrappers(message, &event, key: key, repeated: repeated) }
            if message.hasPrefix("reverse mapping checking ") { return reverseMapping(message, &event, key: key) }
        case UInt8(ascii: "i"):
            if message.hasPrefix("input_userauth_request: invalid user ") {
                // OpenSSH 5–6: the preauth child's note of an invalid user, no address.
                var connection = connection(key, address: nil, time: event.time)
                connection.reachedAuthentication = true
                setConnection(key, connection)
                return .ignored
            }
        case UInt8(ascii: "n"):
            if message.hasPrefix("no matching ") {
                return noise(message, addressAt: nil, category.noMatchingAlgorithm, &event, key: key)
            }
        default:
            break
        }
        if let failure = message.find("authentication failure", to: min(message.count, 48)) {
            return pamFailure(message, at: failure, &event, key: key, repeated: repeated, pamOnly: pamOnly)
        }
        return .ignored
    }

    // MARK: attempts

    /// `Failed <method> for [invalid user ]<user> from <ip> port <port> ssh2[: <info>]`.
    private func failed(_ message: UnsafeRawBufferPointer, _ event: inout Event, key: UInt64, repeated: UInt32) -> DecodeResult {
        guard let parsed = userAndAddress(message, afterPrefix: 7, methodFollows: true, event: &event, known: connections[key]?.address)
        else {
            return .malformed("unrecognized 'Failed' message")
        }
        event.user = parsed.user
        event.outcome = .authFailure
        var connection = connection(key, address: parsed.address, time: event.time)
        connection.reachedAuthentication = true
        let keyMethod = event.operation == category.publickey || event.operation == category.hostbased
        if keyMethod && !parsed.invalid {
            // A client offering the keys of its agent fails each before the one that works:
            // held until the connection's outcome.
            connection.heldKeys = connection.heldKeys.adding(repeated)
            connection.heldUser = parsed.user
            fillClient(connection, &event)
            event.attempts = 0
            setConnection(key, connection)
            return .event
        }
        var attempts = repeated
        if repeated == 1 {
            // The attempt's earlier lines counted it ("Invalid user") or held it (PAM).
            attempts = connection.openAttempt == .counted ? 0 : 1
        }
        connection.openAttempt = .none
        handOn(attempts, user: parsed.user, &connection, &event)
        setConnection(key, connection)
        return .event
    }

    /// `Accepted <method> for <user> from <ip> port <port> ssh2[: <info>]`: held failures of
    /// the same user are forgotten; failures for another user are not (counted first, then
    /// the success is reported with them).
    private func accepted(_ message: UnsafeRawBufferPointer, _ event: inout Event, key: UInt64) -> DecodeResult {
        guard let parsed = userAndAddress(message, afterPrefix: 9, methodFollows: true, event: &event, known: connections[key]?.address)
        else {
            return .malformed("unrecognized 'Accepted' message")
        }
        var connection = connection(key, address: parsed.address, time: event.time)
        let heldForOther = connection.held > 0 && connection.heldUser != parsed.user
        if heldForOther || connection.unplaced > 0 {
            // The failures the success does not forget, as their own event before it.
            let held = heldForOther ? connection.held : 0
            let user = heldForOther ? connection.heldUser : connection.firstFailedUser
            if held > 0 { event.operation = connection.heldKeys > 0 ? category.publickey : category.pam }
            connection.heldKeys = 0
            if connection.openAttempt == .held { connection.openAttempt = .none }
            event.user = user
            event.outcome = .authFailure
            handOn(held, user: user, &connection, &event)
            setConnection(key, connection)
            return .eventAndMore
        }
        event.user = parsed.user
        event.clientIP = parsed.address
        event.outcome = .success
        event.attempts = 0
        event.failuresBefore = connection.failures(otherThan: parsed.user)
        // Authenticated: what the connection logs from now on is the session's.
        setConnection(key, nil)
        return .event
    }

    /// `Invalid user <user> from <ip>[ port <port>]` (`Illegal user` before OpenSSH 3.9): such
    /// a user can never log in, so the attempt counts at once.
    private func invalidUser(_ message: UnsafeRawBufferPointer, _ event: inout Event, key: UInt64, repeated: UInt32) -> DecodeResult {
        guard let from = message.findLast(" from "), from >= 12 else { return .malformed("unrecognized 'Invalid user' message") }
        let ipEnd = message.index(of: 0x20, from: from + 6) ?? message.count
        guard let ip = Self.address(message.slice(from + 6, ipEnd)) else {
            return .malformed("no address in 'Invalid user' message")
        }
        event.user = SecretRedaction.loginName(message.slice(min(13, from), from), symbols: symbols)
        event.operation = category.invalidUser
        event.outcome = .authFailure
        var connection = connection(key, address: ip, time: event.time)
        connection.reachedAuthentication = true
        // A PAM failure held before it had no "Failed" line of its own: it counts too.
        let attempts = repeated.adding(connection.openAttempt == .held ? 1 : 0)
        connection.openAttempt = .counted
        handOn(attempts, user: event.user, &connection, &event)
        setConnection(key, connection)
        return .event
    }

    /// `pam_unix(sshd:auth): authentication failure; … rhost=<host>  user=<user>` and
    /// `PAM <n> more authentication failures; …` (a summary of attempts already logged).
    private func pamFailure(
        _ message: UnsafeRawBufferPointer, at failure: Int, _ event: inout Event, key: UInt64, repeated: UInt32, pamOnly: Bool
    ) -> DecodeResult {
        event.operation = category.pam
        event.outcome = .authFailure
        var address: IPAddress?
        var host = Symbol.none
        var user = Symbol.none
        if let rhost = message.find(" rhost=", from: failure) {
            let valueStart = rhost + 7
            let valueEnd = message.index(of: 0x20, from: valueStart) ?? message.count
            let value = message.slice(valueStart, valueEnd)
            if let ip = Self.address(value) {
                address = ip
            } else if !value.isEmpty {
                host = symbols.intern(value)
            }
        }
        if let userAt = message.find(" user=", from: failure) {
            var userEnd = message.count
            while userEnd > userAt + 6 && message[userEnd - 1] == 0x20 { userEnd -= 1 }
            if message.hasPrefix(" [preauth]", at: userEnd - 10) { userEnd -= 10 }
            user = SecretRedaction.loginName(message.slice(userAt + 6, userEnd), symbols: symbols)
        } else if let ruserAt = message.find(" ruser=", from: failure) {
            let valueEnd = message.index(of: 0x20, from: ruserAt + 7) ?? message.count
            if valueEnd > ruserAt + 7 { user = SecretRedaction.loginName(message.slice(ruserAt + 7, valueEnd), symbols: symbols) }
        }
        event.user = user
        var connection = connection(key, address: address, host: host, time: event.time)
        if address == nil && connection.address == nil && !host.isNone { connection.remoteHost = host }
        if message.hasPrefix("PAM ") {
            fillClient(connection, &event)
            event.attempts = 0
            setConnection(key, connection)
            return .event
        }
        let duplicate = message.count >= 9 && message.hasPrefix("[preauth]", at: message.count - 9)
        return pamAttempt(user: user, &connection, &event, key: key, repeated: repeated, pamOnly: pamOnly, duplicate: duplicate)
    }

    /// One PAM failure of `connection`: held for the "Failed" line sshd writes after it,
    /// unless the line came from old PAM's own tag (no such line follows).
    private func pamAttempt(
        user: Symbol, _ connection: inout SSHDConnection, _ event: inout Event, key: UInt64, repeated: UInt32, pamOnly: Bool,
        duplicate: Bool = false
    ) -> DecodeResult {
        connection.reachedAuthentication = true
        if pamOnly {
            handOn(repeated, user: user, &connection, &event)
            setConnection(key, connection)
            return .event
        }
        var attempts: UInt32 = repeated - 1
        if duplicate && connection.openAttempt != .none {
            // The preauth child's copy (`… [preauth]`) of the failure just logged.
            handOn(0, user: user, &connection, &event)
            setConnection(key, connection)
            return .event
        }
        switch connection.openAttempt {
        case .counted:
            break  // the same attempt as the "Invalid user" line before it
        case .held:
            attempts = attempts.adding(1)  // the held one had no "Failed" line: it counts now; this one is held
            connection.heldUser = user
        case .none:
            connection.openAttempt = .held
            connection.heldUser = user
        }
        handOn(attempts, user: user, &connection, &event)
        setConnection(key, connection)
        return .event
    }

    /// FreeBSD and macOS: `error: PAM: Authentication failure for [illegal user ]U from H`,
    /// `error: PAM: authentication error for U from H via A`, `error: PAM: User not known to
    /// the underlying authentication module for illegal user U from H`.
    private func bsdPAM(_ message: UnsafeRawBufferPointer, _ event: inout Event, key: UInt64, repeated: UInt32) -> DecodeResult {
        var end = message.count
        while end > 0 && message[end - 1] == 0x20 { end -= 1 }
        if let via = message.findLast(" via ", before: end), message.index(of: 0x20, from: via + 5, to: end) == nil { end = via }
        guard let forAt = message.find(" for ", from: 12), let from = message.findLast(" from ", before: end, from: forAt + 4) else {
            return .ignored
        }
        let lowered = message.slice(12, forAt)
        guard lowered.hasPrefix("Authentication") || lowered.hasPrefix("authentication") || lowered.hasPrefix("User not known") else {
            return .ignored
        }
        var userStart = forAt + 5
        var invalid = false
        if message.hasPrefix("illegal user ", at: userStart) {
            userStart += 13
            invalid = true
        } else if message.hasPrefix("invalid user ", at: userStart) {
            userStart += 13
            invalid = true
        }
        let hostText = message.slice(from + 6, end)
        let address = Self.address(hostText)
        let host = address == nil && !hostText.isEmpty ? symbols.intern(hostText) : Symbol.none
        let user = SecretRedaction.loginName(message.slice(min(userStart, from), from), symbols: symbols)
        event.user = user
        event.operation = category.pam
        event.outcome = .authFailure
        var connection = connection(key, address: address, host: host, time: event.time)
        if invalid && connection.openAttempt == .none {
            connection.reachedAuthentication = true
            connection.openAttempt = .counted
            handOn(repeated, user: user, &connection, &event)
            setConnection(key, connection)
            return .event
        }
        return pamAttempt(user: user, &connection, &event, key: key, repeated: repeated, pamOnly: false)
    }

    /// `message repeated N times: [ <message>]`.
    private func messageRepeated(_ message: UnsafeRawBufferPointer, _ event: inout Event, key: UInt64, pamOnly: Bool) -> DecodeResult {
        guard let space = message.index(of: 0x20, from: 17), let count = message.decimal(17, space),
            let open = message.find("[ ", from: space), let close = message.findLast("]"), close > open + 2
        else {
            return .malformed("unrecognized 'message repeated' line")
        }
        let inner = message.slice(open + 2, close)
        return decodeMessage(inner, &event, key: key, repeated: UInt32(clamping: max(count, 1)), pamOnly: pamOnly)
    }

    /// `maximum authentication attempts exceeded for [invalid user ]U from H port P ssh2`: the
    /// connection made at least MaxAuthTries attempts. It counts the larger of what was seen
    /// and that, never both (sshd logs this after the last attempt's "Failed" line).
    private func maxAttempts(_ message: UnsafeRawBufferPointer, afterPrefix: Int, _ event: inout Event, key: UInt64) -> DecodeResult {
        guard
            let parsed = userAndAddress(
                message, afterPrefix: afterPrefix, methodFollows: false, event: &event, known: connections[key]?.address)
        else {
            return .malformed("unrecognized 'maximum authentication attempts' message")
        }
        event.user = parsed.user
        event.operation = category.maxAttempts
        var connection = connection(key, address: parsed.address, time: event.time)
        return cutOff(&connection, user: parsed.user, &event, key: key)
    }

    /// A connection cut off at MaxAuthTries: its held failures and enough more to make
    /// MaxAuthTries count.
    private func cutOff(_ connection: inout SSHDConnection, user: Symbol, _ event: inout Event, key: UInt64) -> DecodeResult {
        event.outcome = .authFailure
        connection.reachedAuthentication = true
        let seen = connection.counted + connection.held
        let attempts = max(seen, maxAuthTries) - connection.counted
        connection.heldKeys = 0
        connection.openAttempt = .none
        handOn(attempts, user: user, &connection, &event)
        setConnection(key, connection)
        return .event
    }

    /// `Disconnecting: Too many authentication failures[ for U] [preauth]` (no address),
    /// `Disconnecting (authenticating|invalid) user U H port P: Too many authentication
    /// failures`, and `Disconnecting invalid user U H port P: Change of username or service
    /// not allowed` (the client tried another user on the connection: one more attempt).
    private func disconnecting(_ message: UnsafeRawBufferPointer, _ event: inout Event, key: UInt64) -> DecodeResult {
        if let tooMany = message.find("Too many authentication failures") {
            var user = Symbol.none
            var address: IPAddress?
            if message.hasPrefix("Disconnecting: "), let forAt = message.find(" for ", from: tooMany) {
                var end = message.count
                if message.hasPrefix(" [preauth]", at: end - 10) { end -= 10 }
                var start = forAt + 5
                if message.hasPrefix("invalid user ", at: start) { start += 13 }
                user = SecretRedaction.loginName(message.slice(min(start, end), end), symbols: symbols)
            } else if let parsed = userAndAddressWithoutFrom(message, before: tooMany) {
                user = parsed.user
                address = parsed.address
            }
            event.user = user
            event.operation = category.tooManyFailures
            var connection = connection(key, address: address, time: event.time)
            if user.isNone { event.user = connection.heldUser.isNone ? connection.firstFailedUser : connection.heldUser }
            return cutOff(&connection, user: event.user, &event, key: key)
        }
        if let change = message.find(": Change of username or service not allowed"),
            let parsed = userAndAddressWithoutFrom(message, before: change + 1)
        {
            event.user = parsed.user
            event.operation = category.changeOfUser
            event.outcome = .authFailure
            var connection = connection(key, address: parsed.address, time: event.time)
            connection.reachedAuthentication = true
            handOn(1, user: parsed.user, &connection, &event)
            setConnection(key, connection)
            return .event
        }
        return .ignored
    }

    /// OpenSSH ≥ 9.8's listener: `Timeout before authentication for connection from A to B,
    /// pid = N`. The connection is the session process `N`'s, on the same host.
    private func listenerTimeout(_ message: UnsafeRawBufferPointer, _ event: inout Event, key: UInt64) -> DecodeResult {
        var connectionKey = key
        if let pidAt = message.findLast("pid = "), let pid = message.decimal(pidAt + 6, message.count) {
            connectionKey = (key & 0xffff_ffff_0000_0000) | UInt64(UInt32(truncatingIfNeeded: pid))
        }
        return noise(message, addressAt: 50, category.preauthTimeout, &event, key: connectionKey)
    }
}
