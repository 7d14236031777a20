/// Everything the weekly security review shows, computed from the store (findings and the
/// hourly event counts), ready to render as HTML, Markdown or JSON.
package struct SecurityReport: Codable, Sendable {
    package var title: String
    package var period: ReportPeriod
    var previousPeriod: ReportPeriod
    var generatedAt: String
    /// Client addresses cut to /24 or /48 and user ids hashed (`--mask`).
    var masked: Bool
    /// With `--mask`, the key of the user pseudonyms: `configured` (a secret: pseudonyms match
    /// other reports made with it) or `one-off` (a random key for this report alone).
    package var pseudonymKey: String? = nil
    /// The policy the thresholds were judged with, and where it came from (the one recorded
    /// with the runs that analyzed the period, `--policy`, or the built-in defaults): a report
    /// read later says what it measured against.
    package var judgedWith: String? = nil

    package var summary: Summary
    /// Where the data came from and how complete it is, before any verdict.
    var coverage: Coverage
    var compliance: [ComplianceRow]
    var findingsPerDay: [DayBySeverity]
    var authFailuresPerHour: [TimeCount]
    var rateLimitedPerDay: [TimeCount]
    var topAddresses: [Offender]
    var topKeys: [Offender]
    /// For the keys with the most anomalies: requests per hour against their baseline
    /// around their latest volume anomaly.
    var keyBaselines: [KeySeries]
    var newPlaces: [NewPlace]
    package var open: FindingList
    var openByAge: [AgeBucket]
    package var acknowledged: FindingList
    var suppressed: FindingList
    package var suppressions: [Suppression]
    var triageFigures: TriageFigures
    var expiringSoon: [Expiring]
    var trend: [TrendWeek]
    var incidents: Incidents
    var logins: Logins
    /// Things the report could not measure, said plainly.
    var notes: [String]

    package struct Summary: Codable, Sendable {
        package var findings: Int
        var previousFindings: Int
        var bySeverity: [SeverityCount]
        var byDetector: [DetectorCount]
        /// Subjects with findings this period and none before it.
        var newSubjects: Int
        /// Subjects with findings this period that also had findings before it.
        var recurringSubjects: Int
        package var events: Int64
        package var requests: Int64
    }

    package struct SeverityCount: Codable, Sendable {
        package var severity: Severity
        package var count: Int
        var previous: Int
    }

    package struct DetectorCount: Codable, Sendable {
        package var detector: String
        package var count: Int
        var previous: Int
    }

    package struct ComplianceRow: Codable, Sendable {
        package enum Status: String, Codable, Sendable { case pass, fail, notMeasured = "not_measured" }
        var metric: String
        var target: String
        package var measured: String
        package var status: Status
        var detail: String
    }

    package struct DayBySeverity: Codable, Sendable {
        package var day: String
        var p1: Int, p2: Int, p3: Int, p4: Int
        package var total: Int { p1 + p2 + p3 + p4 }
    }

    package struct TimeCount: Codable, Sendable {
        /// Start of the hour or day (RFC 3339).
        package var time: String
        package var count: Int64
    }

    package struct Offender: Codable, Sendable {
        package var subject: String
        package var subjectKind: String
        package var findings: Int
        var occurrences: Int
        package var worstSeverity: Severity
        package var detectors: [String]
        package var country: String?
        package var asn: String?
        var asOrganization: String?
    }

    package struct KeySeries: Codable, Sendable {
        package var key: String
        package var hours: [String]
        package var observed: [Int]
        package var expected: [Double]
    }

    package struct NewPlace: Codable, Sendable {
        /// `country` or `asn`.
        package var kind: String
        package var value: String
        package var firstSeen: String
        package var findings: Int
    }

    package struct FindingRow: Codable, Sendable {
        package var id: String
        package var severity: Severity
        package var detector: String
        package var rule: String
        package var subjectKind: String
        package var subject: String
        package var server: String?
        package var firstSeen: String
        package var lastSeen: String
        package var count: Int
        package var message: String
        var ageDays: Int
        package var note: String?
    }

    /// A list cut to its first rows, with the full count.
    package struct FindingList: Codable, Sendable {
        package var total: Int
        package var rows: [FindingRow]
    }

    package struct AgeBucket: Codable, Sendable {
        package var label: String
        package var count: Int
    }
}
