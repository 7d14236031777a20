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
    var clients: (value: ClientSettings, at: SourceLocation)?
    var alerts: [AlertSinkConfig] = []
}

extension DetectorOverride {
    /// Writes the given values into `settings`, each where its detector's descriptor says.
    func apply(to settings: inout DetectorSettings) {
        guard let descriptor = DetectorRegistry.descriptor(named: detector) else { return }
        for entry in entries { descriptor.setting(entry.key)?.apply(entry.value, to: &settings) }
    }
}
