/// The categories the sshd decoder writes in `Event.operation`, shown by `vigil decode` and read
/// by the SSH detectors.
///
/// One list, in the Event layer, so that the decoder (which writes them) and the detectors
/// (which intern and compare them) cannot drift apart: a detector that looked for a name the
/// decoder never wrote would silently see nothing.
///
/// Counting (see the README's "How sshd lines are counted"): `Event.attempts` says how many
/// authentication attempts a line stands for. Pre-authentication noise never counts as an
/// attempt; it is decoded with outcome `auth_failure` and `attempts` 0 so that failure counts
/// stay those of attempts while the noise stays visible to the scanning rule.
package enum SSHDCategory {
    // Authentication attempts (outcome auth_failure unless noted).
    /// `Failed password …` (and `Accepted password`, outcome success).
    package static let password = "password"
    /// `Failed publickey …`: counted only when the connection ends without success.
    package static let publickey = "publickey"
    /// `Invalid user U from H` / `Illegal user` (OpenSSH 3.x).
    package static let invalidUser = "invalid_user"
    /// A PAM failure: `pam_unix(sshd:auth): authentication failure`, FreeBSD/macOS
    /// `error: PAM: Authentication failure for U from H`.
    package static let pam = "pam"
    /// `error: maximum authentication attempts exceeded …`: the connection made MaxAuthTries.
    package static let maxAttempts = "max_attempts"
    /// `Disconnecting: Too many authentication failures …`: as `max_attempts`.
    package static let tooManyFailures = "too_many_failures"
    /// A connection that reached authentication and ended (`Connection closed by
    /// authenticating user`, `Disconnected from invalid user`, …); it counts one attempt when
    /// none was logged, and carries the held-back publickey/PAM failures of a connection that
    /// ended without success.
    package static let preauthDisconnect = "preauth_disconnect"
    /// `Received disconnect from H: 3: … Auth fail`, `14: No supported authentication
    /// methods available`: the client gave up after failing.
    package static let clientGaveUp = "client_gave_up"
    /// `Disconnecting invalid user U H port P: Change of username or service not allowed`.
    package static let changeOfUser = "change_of_user"
    /// A connection that logged nothing for 5 minutes while holding failures (its end was
    /// never logged, so it did not succeed): they count, on the line where that was noticed.
    package static let unfinishedConnection = "unfinished_connection"

    // Refusals by configuration (outcome forbidden).
    /// `User U from H not allowed because …` (AllowUsers, DenyUsers, groups).
    package static let notAllowed = "not_allowed"
    /// `User U not allowed because account is locked`.
    package static let accountLocked = "account_locked"
    /// `ROOT LOGIN REFUSED FROM H` (old OpenSSH, PermitRootLogin no).
    package static let rootRefused = "root_refused"
    /// tcp-wrappers: `refused connect from NAME (ADDR)`.
    package static let tcpWrappersRefused = "tcp_wrappers_refused"

    // Pre-authentication noise (outcome auth_failure, attempts 0).
    /// `Did not receive identification string from H`.
    package static let noIdentification = "no_identification"
    /// `Bad protocol version identification '…' from H`, `banner exchange: … invalid format`,
    /// `kex_exchange_identification: …`.
    package static let badBanner = "bad_banner"
    /// `Unable to negotiate with H port P: no matching … found`, `fatal: no matching mac found`.
    package static let noMatchingAlgorithm = "no_matching_algorithm"
    /// `fatal: Timeout before authentication for H` (the CVE-2024-6387 pattern: an exploit
    /// races the LoginGraceTime alarm, so a burst of these from one address is the attack).
    package static let preauthTimeout = "preauth_timeout"
    /// A connection dropped before authentication: `Connection closed by H port P [preauth]`,
    /// `Connection reset by H`, `Read from socket failed`, `Disconnected from H port P [preauth]`.
    package static let preauthClosed = "preauth_closed"
    /// `Address A maps to N, but this does not map back to the address - POSSIBLE BREAK-IN
    /// ATTEMPT!`: a reverse-DNS mismatch, not an attack by itself.
    package static let reverseMappingMismatch = "reverse_mapping_mismatch"

    /// The categories of pre-authentication noise: what a port scanner, a banner grabber or an
    /// exploit attempt (CVE-2024-6387 races the login grace time) leaves.
    package static let preauthNoise: [String] = [
        noIdentification, badBanner, noMatchingAlgorithm, preauthTimeout, preauthClosed, reverseMappingMismatch,
    ]

    /// The noise that is scanning, what `preauth_scan` counts: all of `preauthNoise` but the
    /// reverse-DNS mismatch, which a client with broken reverse DNS causes on every
    /// connection, attack or not (loghub's 187.141.143.180 was a brute forcer, not a scanner).
    package static let scanning: [String] = preauthNoise.filter { $0 != reverseMappingMismatch }
}
