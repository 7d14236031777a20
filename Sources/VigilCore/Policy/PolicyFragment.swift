/// What one policy file contributes, before files are merged into a `Policy`.
struct PolicyFragment {
    var file: String
    var version: (value: Int, at: SourceLocation)?
    var geoip: GeoIPSettings?
    var allowlists: [Allowlist] = []
    var rateLimits: [RateLimit] = []
    var detectors: [DetectorOverride] = []
    var lint: (value: LintSettings, at: SourceLocation)?
    var retention: (value: RetentionSettings, at: SourceLocation)?
}

/// The settings a policy gives for one detector; `nil` keeps the default.
struct DetectorOverride: Sendable {
    var detector: String
    var enabled: Bool?
    var threshold: (value: Int, at: SourceLocation)?
    var window: (value: Int64, at: SourceLocation)?
    var severity: Severity?
    var successSeverity: Severity?
    var cooldown: (value: Int64, at: SourceLocation)?
    var location: SourceLocation

    /// Which keys each detector accepts.
    static let keys: [String: [String]] = [
        "auth_failure_burst": ["enabled", "threshold", "window", "severity", "cooldown", "success_after_failures_severity"],
        "unauthorized_access": ["enabled", "severity", "cooldown"],
        "allowlist_violation": ["enabled", "severity", "success_severity", "cooldown"],
    ]

    func apply(to s: inout DetectorSettings) {
        switch detector {
        case "auth_failure_burst":
            if let enabled { s.authFailureBurst.enabled = enabled }
            if let threshold { s.authFailureBurst.threshold = threshold.value }
            if let window { s.authFailureBurst.window = window.value }
            if let severity { s.authFailureBurst.severity = severity }
            if let cooldown { s.authFailureBurst.cooldown = cooldown.value }
            if let successSeverity { s.authFailureBurst.successAfterFailuresSeverity = successSeverity }
        case "unauthorized_access":
            if let enabled { s.unauthorizedAccess.enabled = enabled }
            if let severity { s.unauthorizedAccess.severity = severity }
            if let cooldown { s.unauthorizedAccess.cooldown = cooldown.value }
        case "allowlist_violation":
            if let enabled { s.allowlistViolation.enabled = enabled }
            if let severity { s.allowlistViolation.severity = severity }
            if let successSeverity { s.allowlistViolation.successSeverity = successSeverity }
            if let cooldown { s.allowlistViolation.cooldown = cooldown.value }
        default:
            break
        }
    }
}
