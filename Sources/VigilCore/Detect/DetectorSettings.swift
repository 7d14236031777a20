/// Thresholds, windows, severities and cooldowns of the built-in detectors.
///
/// The defaults are the platform's monitoring plan (§1.4, §2.2.2): more than 5 authentication
/// failures in 5 minutes is P2 with a 30-minute cooldown; any unauthorized access attempt is
/// P2 with a 15-minute cooldown. Policies override them.
public struct DetectorSettings: Sendable, Equatable {
    public struct AuthFailureBurst: Sendable, Equatable {
        /// A burst is *more than* this many failures inside `window`.
        public var threshold = 5
        public var window: Int64 = 5 * EventTime.minute
        public var severity = Severity.p2
        public var cooldown: Int64 = 30 * EventTime.minute
        /// Severity of a success from a subject inside an open burst episode.
        public var successAfterFailuresSeverity = Severity.p1
    }

    public struct UnauthorizedAccess: Sendable, Equatable {
        public var severity = Severity.p2
        public var cooldown: Int64 = 15 * EventTime.minute
    }

    public var authFailureBurst = AuthFailureBurst()
    public var unauthorizedAccess = UnauthorizedAccess()

    public init() {}
}
