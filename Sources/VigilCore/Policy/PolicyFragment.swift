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

/// The settings a policy gives for one detector; keys it does not give keep their default.
/// Which keys exist and where each value goes is the detector's `DetectorDescriptor`.
struct DetectorOverride: Sendable {
    struct Entry: Sendable {
        var key: String
        var value: DetectorSettingValue
        var at: SourceLocation
    }

    var detector: String
    /// The values given, in the order of the policy file.
    var entries: [Entry] = []
    var location: SourceLocation

    /// The value given for `key`, with where it was written.
    func value(_ key: String) -> (value: DetectorSettingValue, at: SourceLocation)? {
        entries.last { $0.key == key }.map { ($0.value, $0.at) }
    }

    /// A numeric value given for `key` (whole numbers, numbers and durations alike).
    func number(_ key: String) -> (value: Double, at: SourceLocation)? {
        guard let (value, at) = value(key), let number = value.number else { return nil }
        return (number, at)
    }

    func apply(to settings: inout DetectorSettings) {
        guard let descriptor = DetectorRegistry.descriptor(named: detector) else { return }
        for entry in entries { descriptor.setting(entry.key)?.apply(entry.value, to: &settings) }
    }
}
