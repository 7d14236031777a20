/// What sshd has logged so far of one connection (one host + pid), kept so that its attempts
/// are counted the way sshd makes them rather than line by line.
///
/// sshd writes one attempt as several lines, some without the client's address, and a
/// connection's failures only mean something once its outcome is known: a client offering
/// five keys from its agent before the sixth works made no attack, and a `pam_unix` failure
/// followed by a `pam_ldap` success is one login. So some failures are *held* here until the
/// connection succeeds (they are forgotten) or ends without success (they count), and counts
/// that arrive before the address (`Disconnecting: Too many authentication failures`) wait
/// for the first line that names it.
struct SSHDConnection {
    /// The attempt whose lines are being written ("Invalid user", the PAM failure, then
    /// "Failed"): whether its first line counted it or held it back.
    enum OpenAttempt: UInt8, Codable {
        case none
        /// Counted by its first line ("Invalid user …": such a user can never succeed).
        case counted
        /// A PAM failure, counted by the "Failed" line that follows it, by the connection's
        /// end, or forgotten by a success of the same user (another PAM module accepted).
        case held
    }

    /// The client's address, from the first line of the connection that gave one.
    var address: IPAddress?
    /// A host name the log gave instead of an address (`UseDNS yes`, PAM `rhost=`).
    var remoteHost: Symbol = .none
    var openAttempt = OpenAttempt.none
    /// Failed publickey/hostbased attempts of a valid user, held until the connection's outcome.
    var heldKeys: UInt32 = 0
    /// The user the held failures (keys or a PAM attempt) were for.
    var heldUser: Symbol = .none
    /// Attempts counted for this connection so far: with the held ones, what MaxAuthTries is
    /// compared with.
    var counted: UInt32 = 0
    /// Counted attempts logged before any line named the client: handed on with the first
    /// line that does.
    var unplaced: UInt32 = 0
    /// The user of the first counted failure, and how many were counted for that user: a
    /// success for another user on the same connection does not forget the failures.
    var firstFailedUser: Symbol = .none
    var firstUserFailures: UInt32 = 0
    /// The client asked to authenticate as someone (a user name was logged): a connection
    /// that then ends with nothing counted or refused made one attempt.
    var reachedAuthentication = false
    /// A refusal by configuration was logged for the connection (a logged attempt).
    var refused = false
    /// A refusal logged before any line named the client (`User root not allowed because
    /// account is locked`): its category and user, reported when a line names the client.
    var pendingRefusal: Symbol = .none
    var pendingRefusalUser: Symbol = .none
    /// Pre-authentication noise without an address was logged (`kex_exchange_identification`):
    /// the connection's end line is its noise too, with the address.
    var sawNoise = false
    /// Event time of the connection's latest line, for forgetting connections gone quiet.
    var lastTime: Int64 = 0

    /// Failures a success would forget, or the end count: held keys and a held PAM attempt.
    var held: UInt32 { heldKeys.adding(openAttempt == .held ? 1 : 0) }

    /// Whether the connection carries anything a later line needs. Connections that do not
    /// are not kept: most scanners' connections are one line.
    var isWorthKeeping: Bool {
        address != nil || !remoteHost.isNone || held > 0 || counted > 0 || unplaced > 0 || reachedAuthentication
            || openAttempt != .none || refused || sawNoise
    }

    /// Records `attempts` counted failures for `user`.
    mutating func count(_ attempts: UInt32, user: Symbol) {
        guard attempts > 0 else { return }
        counted = counted.adding(attempts)
        if firstFailedUser.isNone || firstFailedUser == user {
            firstFailedUser = user
            firstUserFailures = firstUserFailures.adding(attempts)
        }
    }

    /// Counted failures for users other than `user` (a success for `user` does not forget them).
    func failures(otherThan user: Symbol) -> UInt32 {
        counted - (firstFailedUser == user ? firstUserFailures : 0)
    }
}

extension UInt32 {
    /// `self + other`, stopping at `UInt32.max`: counts come from the log (`message repeated N
    /// times`), and a crafted line must not overflow them into a crash.
    @inline(__always)
    func adding(_ other: UInt32) -> UInt32 {
        let (sum, overflow) = addingReportingOverflow(other)
        return overflow ? .max : sum
    }
}
