/// Thresholds, windows, severities and cooldowns of the built-in detectors.
///
/// The defaults are the platform's monitoring plan (§1.4, §2.2.2): more than 5 authentication
/// failures in 5 minutes is P2 with a 30-minute cooldown; any unauthorized access attempt is
/// P2 with a 15-minute cooldown; any request from outside an IP allowlist is P2 (threshold 0),
/// and P1 when it succeeded ("unauthorized admin access"). Policies override them.
public struct DetectorSettings: Sendable, Equatable {
    public struct AuthFailureBurst: Sendable, Equatable {
        public var enabled = true
        /// A burst is *more than* this many failures inside `window`.
        public var threshold = 5
        public var window: Int64 = 5 * EventTime.minute
        public var severity = Severity.p2
        public var cooldown: Int64 = 30 * EventTime.minute
        /// Severity of a success from a subject inside an open burst episode.
        public var successAfterFailuresSeverity = Severity.p1
    }

    public struct UnauthorizedAccess: Sendable, Equatable {
        public var enabled = true
        public var severity = Severity.p2
        public var cooldown: Int64 = 15 * EventTime.minute
    }

    public struct AllowlistViolation: Sendable, Equatable {
        public var enabled = true
        /// Severity of a refused or failed request from outside the allowlists.
        public var severity = Severity.p2
        /// Severity of a request from outside that the server accepted.
        public var successSeverity = Severity.p1
        public var cooldown: Int64 = 15 * EventTime.minute
    }

    public var authFailureBurst = AuthFailureBurst()
    public var unauthorizedAccess = UnauthorizedAccess()
    public var allowlistViolation = AllowlistViolation()

    public init() {}

    /// Detector names a policy may configure.
    public static let detectorNames = ["auth_failure_burst", "unauthorized_access", "allowlist_violation"]
}
