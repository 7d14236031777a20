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

    public struct RateLimitBreach: Sendable, Equatable {
        public var enabled = true
        /// Requests over the policy's limit.
        public var severity = Severity.p3
        /// Requests the server answered 429 while the entity was within the policy's limit.
        public var refusedSeverity = Severity.p4
        /// Severity once an entity has more than `dailyEscalation` breaches in a UTC day
        /// (plan §1.4: "< 10 rate-limit violations per day").
        public var escalatedSeverity = Severity.p2
        public var dailyEscalation = 10
        public var cooldown: Int64 = 15 * EventTime.minute
    }

    public struct InputValidation: Sendable, Equatable {
        public var enabled = true
        /// Share of `invalid_input` requests per server and hour above which a finding opens
        /// (plan §1.4: < 0.5%).
        public var threshold = 0.005
        /// Hours with fewer requests are not judged.
        public var minRequests = 200
        public var severity = Severity.p4
        /// Severity when the share is also far above the server's own baseline.
        public var baselineSeverity = Severity.p3
        public var cooldown: Int64 = 2 * EventTime.hour
    }

    public struct APIKeyAnomaly: Sendable, Equatable {
        public var enabled = true
        public var severity = Severity.p3
        /// Severity when several rules fire for a key within a day, or it also failed auth.
        public var combinedSeverity = Severity.p2
        /// Severity of rules that are common on their own (`new_network`, `new_tool`).
        public var lowSeverity = Severity.p4
        /// A key is judged against its baseline after this long and this many requests.
        public var warmup: Int64 = 5 * EventTime.day
        public var warmupRequests = 10
        /// Known countries, networks and tools unused this long are forgotten.
        public var forget: Int64 = 30 * EventTime.day
        /// Volume: alert when P(X ≥ observed) < `pValue` and observed ≥ `ratio` × expected
        /// and observed ≥ `minCount`.
        public var pValue = 1e-6
        public var ratio = 2.0
        public var minCount = 20
        /// Cold start: any key above this many requests in an hour, baseline or not.
        public var staticHourlyFloor = 5_000
        /// Impossible travel: faster than this between consecutive uses, over at least `travelKm`.
        public var travelSpeedKmh = 800.0
        public var travelKm = 500.0
        public var cooldown: Int64 = 6 * EventTime.hour
    }

    public var authFailureBurst = AuthFailureBurst()
    public var unauthorizedAccess = UnauthorizedAccess()
    public var allowlistViolation = AllowlistViolation()
    public var rateLimitBreach = RateLimitBreach()
    public var inputValidation = InputValidation()
    public var apiKeyAnomaly = APIKeyAnomaly()

    public init() {}

    /// Detector names a policy may configure.
    public static let detectorNames = ["auth_failure_burst", "unauthorized_access", "allowlist_violation", "rate_limit_breach",
                                       "input_validation", "api_key_anomaly"]
}
