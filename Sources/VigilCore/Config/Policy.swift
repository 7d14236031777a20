/// The policy: what is allowed and how detectors judge, kept as YAML in a repository and
/// read by `PolicyLoader`. Built-in defaults (`Policy()`) are the platform's monitoring plan.
package struct Policy: Sendable {
    package var version = 1
    package var geoip = GeoIPSettings()
    package var allowlists: [Allowlist] = []
    var rateLimits: [RateLimit] = []
    package var detectors = DetectorSettings()
    package var lint = LintSettings()
    package var retention = RetentionSettings()
    /// How forwarded client lists are read (`ClientSettings`).
    package var clients = ClientSettings()
    /// Where `tail` sends notifications, by severity.
    package var alerts: [AlertSinkConfig] = []
    /// The files the policy was read from, in order; empty for the built-in defaults.
    package var files: [String] = []
    /// The text of each of `files` as it was read: stored with each run (`RecordedPolicy`), so
    /// a report judges with the policy in force then even after the files changed or moved.
    package var fileTexts: [String] = []
    /// The path it was loaded from (absolute), `nil` for the built-in defaults: recorded with
    /// each run, so a report judges with the policy the analysis used, wherever it is run from.
    package var source: String?
    /// FNV-1a of the policy files' names and contents: tells whether the policy at `source`
    /// is still the one a run used.
    package var fingerprint: String?
    /// Detector settings as written, with locations, for lint.
    var detectorOverrides: [DetectorOverride] = []

    package init() {}
}

/// Where the MaxMind databases are. Paths are absolute once loaded (relative ones are taken
/// from the policy file that names them).
package struct GeoIPSettings: Sendable {
    package var city: String?
    package var asn: String?
    /// Lint warns when a database was built more than this many days ago; 0 turns it off.
    var maxAgeDays = 30
    var location: SourceLocation?

    package init() {}
}

/// A named set of sources allowed to reach some servers.
///
/// A request to a server matched by one or more allowlists must come from an address that at
/// least one of them allows (by CIDR, country or ASN); servers matched by none are not checked.
package struct Allowlist: Sendable {
    package var name: String
    /// Globs over server names (`admin-*`); empty means every server.
    package var servers: [String] = []
    var cidrs: [Entry<CIDR>] = []
    package var countries: [Entry<String>] = []
    package var asns: [Entry<UInt32>] = []
    var owner: String?
    /// Event time (ms) from which the allowlist no longer allows anything; `nil` = never.
    var expires: Int64?
    package var note: String?
    package var location: SourceLocation

    /// One allowed value, optionally with its own expiry and note.
    package struct Entry<Value: Sendable>: Sendable {
        package var value: Value
        var expires: Int64?
        package var note: String?
        package var location: SourceLocation
    }

    /// Until when an entry allows: the earlier of its own and the allowlist's expiry.
    func effectiveExpiry(_ entryExpiry: Int64?) -> Int64 {
        min(entryExpiry ?? .max, expires ?? .max)
    }

    package var isEmpty: Bool { cidrs.isEmpty && countries.isEmpty && asns.isEmpty }
}

/// A request budget per entity and window, for the rate-limit detector.
package struct RateLimit: Sendable {
    package enum Entity: String, Sendable, CaseIterable {
        case apiKey = "api_key", clientIP = "client_ip", user
    }

    package var name: String
    package var per: Entity
    package var limit: Int
    var window: Int64
    package var servers: [String] = []
    package var location: SourceLocation
}

/// Settings of the lint rules themselves.
package struct LintSettings: Sendable {
    /// IPv4 blocks shorter than this are too broad (`/0` always is).
    var minPrefixV4 = 8
    /// IPv6 blocks shorter than this are too broad.
    var minPrefixV6 = 32
    /// Warn this many days before an allowlist or entry expires.
    var expiryWarningDays = 14

    package init() {}
}

/// How long `vigil prune` keeps findings, by severity, and the hourly event counts.
/// Defaults follow the platform's log retention plan (§2.1.3): P1/P2 as ERROR logs (90 days),
/// P3 as WARN (30 days), P4 as INFO (14 days); hourly counts 400 days for year-on-year trends.
package struct RetentionSettings: Sendable, Equatable {
    package var findings: [Severity: Int64] = [
        .p1: 90 * EventTime.day, .p2: 90 * EventTime.day,
        .p3: 30 * EventTime.day, .p4: 14 * EventTime.day,
    ]
    var aggregates: Int64 = 400 * EventTime.day
    /// Suppressions are kept this long after they end, so reports still explain old findings.
    package var suppressions: Int64 = 90 * EventTime.day

    package init() {}
}
