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
    var alerts: [AlertSinkConfig] = []
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
    var warmup: (value: Int64, at: SourceLocation)?
    /// Numeric settings named by key (`daily_escalation`, `share`, `min_requests`, `p_value`, …).
    var numbers: [String: (value: Double, at: SourceLocation)] = [:]
    var location: SourceLocation

    /// Which keys each detector accepts.
    static let keys: [String: [String]] = [
        "auth_failure_burst": ["enabled", "threshold", "window", "severity", "cooldown", "success_after_failures_severity"],
        "unauthorized_access": ["enabled", "severity", "cooldown"],
        "allowlist_violation": ["enabled", "severity", "success_severity", "cooldown"],
        "rate_limit_breach": ["enabled", "severity", "escalated_severity", "daily_escalation", "cooldown"],
        "input_validation": ["enabled", "severity", "baseline_severity", "share", "min_requests", "cooldown"],
        "api_key_anomaly": ["enabled", "severity", "combined_severity", "warmup", "warmup_requests", "p_value", "ratio", "min_count",
                            "static_hourly_floor", "travel_speed_kmh", "travel_km", "cooldown"],
    ]

    /// Keys read as plain numbers (the rest are booleans, severities and durations).
    static let numberKeys: Set<String> = ["daily_escalation", "share", "min_requests", "warmup_requests", "p_value", "ratio", "min_count",
                                          "static_hourly_floor", "travel_speed_kmh", "travel_km"]

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
        case "rate_limit_breach":
            if let enabled { s.rateLimitBreach.enabled = enabled }
            if let severity { s.rateLimitBreach.severity = severity }
            if let successSeverity { s.rateLimitBreach.escalatedSeverity = successSeverity }
            if let cooldown { s.rateLimitBreach.cooldown = cooldown.value }
            if let n = numbers["daily_escalation"] { s.rateLimitBreach.dailyEscalation = Int(n.value) }
        case "input_validation":
            if let enabled { s.inputValidation.enabled = enabled }
            if let severity { s.inputValidation.severity = severity }
            if let successSeverity { s.inputValidation.baselineSeverity = successSeverity }
            if let cooldown { s.inputValidation.cooldown = cooldown.value }
            if let n = numbers["share"] { s.inputValidation.threshold = n.value }
            if let n = numbers["min_requests"] { s.inputValidation.minRequests = Int(n.value) }
        case "api_key_anomaly":
            if let enabled { s.apiKeyAnomaly.enabled = enabled }
            if let severity { s.apiKeyAnomaly.severity = severity }
            if let successSeverity { s.apiKeyAnomaly.combinedSeverity = successSeverity }
            if let cooldown { s.apiKeyAnomaly.cooldown = cooldown.value }
            if let warmup { s.apiKeyAnomaly.warmup = warmup.value }
            if let n = numbers["warmup_requests"] { s.apiKeyAnomaly.warmupRequests = Int(n.value) }
            if let n = numbers["p_value"] { s.apiKeyAnomaly.pValue = n.value }
            if let n = numbers["ratio"] { s.apiKeyAnomaly.ratio = n.value }
            if let n = numbers["min_count"] { s.apiKeyAnomaly.minCount = Int(n.value) }
            if let n = numbers["static_hourly_floor"] { s.apiKeyAnomaly.staticHourlyFloor = Int(n.value) }
            if let n = numbers["travel_speed_kmh"] { s.apiKeyAnomaly.travelSpeedKmh = n.value }
            if let n = numbers["travel_km"] { s.apiKeyAnomaly.travelKm = n.value }
        default:
            break
        }
    }
}
