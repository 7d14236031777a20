/// The policy: what is allowed and how detectors judge, kept as YAML in a repository and
/// read by `PolicyLoader`. Built-in defaults (`Policy()`) are the platform's monitoring plan.
public struct Policy: Sendable {
    public var version = 1
    public var geoip = GeoIPSettings()
    public var allowlists: [Allowlist] = []
    public var rateLimits: [RateLimit] = []
    public var detectors = DetectorSettings()
    public var lint = LintSettings()
    public var retention = RetentionSettings()
    /// Where `tail` sends notifications, by severity.
    public var alerts: [AlertSinkConfig] = []
    /// The files the policy was read from, in order; empty for the built-in defaults.
    public var files: [String] = []
    /// Detector settings as written, with locations, for lint.
    var detectorOverrides: [DetectorOverride] = []

    public init() {}
}

/// Where the MaxMind databases are. Paths are absolute once loaded (relative ones are taken
/// from the policy file that names them).
public struct GeoIPSettings: Sendable {
    public var city: String?
    public var asn: String?
    /// Lint warns when a database was built more than this many days ago; 0 turns it off.
    public var maxAgeDays = 30
    var location: SourceLocation?

    public init() {}
}

/// A named set of sources allowed to reach some servers.
///
/// A request to a server matched by one or more allowlists must come from an address that at
/// least one of them allows (by CIDR, country or ASN); servers matched by none are not checked.
public struct Allowlist: Sendable {
    public var name: String
    /// Globs over server names (`admin-*`); empty means every server.
    public var servers: [String] = []
    public var cidrs: [Entry<CIDR>] = []
    public var countries: [Entry<String>] = []
    public var asns: [Entry<UInt32>] = []
    public var owner: String?
    /// Event time (ms) from which the allowlist no longer allows anything; `nil` = never.
    public var expires: Int64?
    public var note: String?
    public var location: SourceLocation

    /// One allowed value, optionally with its own expiry and note.
    public struct Entry<Value: Sendable>: Sendable {
        public var value: Value
        public var expires: Int64?
        public var note: String?
        public var location: SourceLocation
    }

    /// Until when an entry allows: the earlier of its own and the allowlist's expiry.
    func effectiveExpiry(_ entryExpiry: Int64?) -> Int64 {
        min(entryExpiry ?? .max, expires ?? .max)
    }

    public var isEmpty: Bool { cidrs.isEmpty && countries.isEmpty && asns.isEmpty }
}

/// A request budget per entity and window, for the rate-limit detector.
public struct RateLimit: Sendable {
    public enum Entity: String, Sendable, CaseIterable {
        case apiKey = "api_key", clientIP = "client_ip", user
    }

    public var name: String
    public var per: Entity
    public var limit: Int
    public var window: Int64
    public var servers: [String] = []
    public var location: SourceLocation
}

/// Settings of the lint rules themselves.
public struct LintSettings: Sendable {
    /// IPv4 blocks shorter than this are too broad (`/0` always is).
    public var minPrefixV4 = 8
    /// IPv6 blocks shorter than this are too broad.
    public var minPrefixV6 = 32
    /// Warn this many days before an allowlist or entry expires.
    public var expiryWarningDays = 14

    public init() {}
}

/// How long `vigil prune` keeps findings, by severity, and the hourly event counts.
/// Defaults follow the platform's log retention plan (§2.1.3): P1/P2 as ERROR logs (90 days),
/// P3 as WARN (30 days), P4 as INFO (14 days); hourly counts 400 days for year-on-year trends.
public struct RetentionSettings: Sendable, Equatable {
    public var findings: [Severity: Int64] = [.p1: 90 * EventTime.day, .p2: 90 * EventTime.day,
                                              .p3: 30 * EventTime.day, .p4: 14 * EventTime.day]
    public var aggregates: Int64 = 400 * EventTime.day
    /// Suppressions are kept this long after they end, so reports still explain old findings.
    public var suppressions: Int64 = 90 * EventTime.day

    public init() {}
}
