/// Everything the weekly security review shows, computed from the store (findings and the
/// hourly event counts), ready to render as HTML, Markdown or JSON.
public struct SecurityReport: Codable, Sendable {
    public var title: String
    public var period: ReportPeriod
    public var previousPeriod: ReportPeriod
    public var generatedAt: String
    /// Client addresses cut to /24 or /48 and user ids hashed (`--mask`).
    public var masked: Bool

    public var summary: Summary
    public var compliance: [ComplianceRow]
    public var findingsPerDay: [DayBySeverity]
    public var authFailuresPerHour: [TimeCount]
    public var rateLimitedPerDay: [TimeCount]
    public var topAddresses: [Offender]
    public var topKeys: [Offender]
    /// For the keys with the most anomalies: requests per hour against their baseline
    /// around their latest volume anomaly.
    public var keyBaselines: [KeySeries]
    public var newPlaces: [NewPlace]
    public var open: FindingList
    public var openByAge: [AgeBucket]
    public var acknowledged: FindingList
    public var suppressed: FindingList
    public var suppressions: [Suppression]
    /// Things the report could not measure, said plainly.
    public var notes: [String]

    public struct Summary: Codable, Sendable {
        public var findings: Int
        public var previousFindings: Int
        public var bySeverity: [SeverityCount]
        public var byDetector: [DetectorCount]
        /// Subjects with findings this period and none before it.
        public var newSubjects: Int
        /// Subjects with findings this period that also had findings before it.
        public var recurringSubjects: Int
        public var events: Int64
        public var requests: Int64
    }

    public struct SeverityCount: Codable, Sendable {
        public var severity: Severity
        public var count: Int
        public var previous: Int
    }

    public struct DetectorCount: Codable, Sendable {
        public var detector: String
        public var count: Int
        public var previous: Int
    }

    public struct ComplianceRow: Codable, Sendable {
        public enum Status: String, Codable, Sendable { case pass, fail, notMeasured = "not_measured" }
        public var metric: String
        public var target: String
        public var measured: String
        public var status: Status
        public var detail: String
    }

    public struct DayBySeverity: Codable, Sendable {
        public var day: String
        public var p1: Int, p2: Int, p3: Int, p4: Int
        public var total: Int { p1 + p2 + p3 + p4 }
    }

    public struct TimeCount: Codable, Sendable {
        /// Start of the hour or day (RFC 3339).
        public var time: String
        public var count: Int64
    }

    public struct Offender: Codable, Sendable {
        public var subject: String
        public var subjectKind: String
        public var findings: Int
        public var occurrences: Int
        public var worstSeverity: Severity
        public var detectors: [String]
        public var country: String?
        public var asn: String?
        public var asOrganization: String?
    }

    public struct KeySeries: Codable, Sendable {
        public var key: String
        public var hours: [String]
        public var observed: [Int]
        public var expected: [Double]
    }

    public struct NewPlace: Codable, Sendable {
        /// `country` or `asn`.
        public var kind: String
        public var value: String
        public var firstSeen: String
        public var findings: Int
    }

    public struct FindingRow: Codable, Sendable {
        public var id: String
        public var severity: Severity
        public var detector: String
        public var rule: String
        public var subjectKind: String
        public var subject: String
        public var server: String?
        public var firstSeen: String
        public var lastSeen: String
        public var count: Int
        public var message: String
        public var ageDays: Int
        public var note: String?
    }

    /// A list cut to its first rows, with the full count.
    public struct FindingList: Codable, Sendable {
        public var total: Int
        public var rows: [FindingRow]
    }

    public struct AgeBucket: Codable, Sendable {
        public var label: String
        public var count: Int
    }
}
