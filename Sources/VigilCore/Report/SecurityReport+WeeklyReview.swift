/// The weekly review's sections beside the summary and thresholds: how complete the data is,
/// how fast P1/P2 findings were answered and by whom, what expires soon, four weeks of trend,
/// and the period's findings grouped by subject. JSON keys are these names in snake_case
/// (README, "Weekly security review").
extension SecurityReport {
    /// Where the period's events came from and how complete they are. Read before any verdict:
    /// a threshold that passes on a source that went quiet is not a pass.
    struct Coverage: Codable, Sendable {
        /// Hours of the period judged for gaps: up to its end, or to the report's "now" when
        /// that is earlier (hours still to come are not missing).
        var hoursJudged: Int
        /// The gap rule in words (`ReportBuilder.gapRule`).
        var gapRule: String
        var sources: [SourceCoverage]
        /// Totals of the `analyze` and `tail` runs that read events of the period or started
        /// in it; `nil` when none was recorded.
        var runs: RunTotals?
        /// Starts of the `tail` runs in `runs` (and of the running one, when it started in the
        /// period); more than one is a restart.
        var tailStarts: [TailStart]
        var inputs: [InputCoverage]
        var silentInputs: Int
    }

    /// One source format on one server.
    struct SourceCoverage: Codable, Sendable {
        var source: String
        var server: String
        var events: Int64
        var previousEvents: Int64
        /// Events per day of the period, every day present.
        var perDay: [TimeCount]
        /// Hours of the judged span with at least one event.
        var hoursWithData: Int
        /// Whether the source had events in at least half of the hours of this or the
        /// previous period: only then is an empty stretch a gap.
        var usuallyActive: Bool
        var gaps: [Gap]
        /// `ok`, `gaps`, `sparse` (too few hours with data to judge gaps) or `no_data`.
        var status: String
    }

    /// Consecutive hours without events, `[from, to)`.
    struct Gap: Codable, Sendable {
        var from: String
        var to: String
        var hours: Int
    }

    struct RunTotals: Codable, Sendable {
        var analyzeRuns: Int
        var tailRuns: Int
        var lines: Int64
        var events: Int64
        var malformed: Int64
        /// Lines read that were neither events nor malformed (blank, or out of scope such as
        /// other programs' syslog lines): lines − events − malformed.
        var ignored: Int64
    }

    struct TailStart: Codable, Sendable {
        var startedAt: String
        /// `nil` while that `tail` runs (or when it ended without recording a stop).
        var stoppedAt: String?
    }

    /// One input file as the store remembers it.
    struct InputCoverage: Codable, Sendable {
        var path: String
        var format: String
        var lines: Int64
        var malformed: Int64
        var lastEvent: String?
        /// Its events stopped ≥ 24 h before the period's end (or "now") while it had events
        /// in this or the previous period, and no input of the same format carries on after it.
        var silent: Bool
    }

    /// Response times to P1/P2 findings against the plan (§2.2.1), and who acknowledged what.
    struct TriageFigures: Codable, Sendable {
        var targets: [ResponseTarget]
        var bySeverity: [ResponseCount]
        /// P1/P2 findings answered late or still open past their target, worst first.
        var overdue: [OverdueFinding]
        var overdueTotal: Int
        var reviewers: [ReviewerCount]
        /// Acknowledgements and their withdrawals about the period's findings or made in it.
        var activity: [TriageRow]
    }

    struct ResponseTarget: Codable, Sendable {
        var severity: Severity
        var minutes: Int
        var plan: String
    }

    struct ResponseCount: Codable, Sendable {
        var severity: Severity
        /// Findings of this severity that started in the period.
        var findings: Int
        var answeredInTime: Int
        var answeredLate: Int
        var openOverdue: Int
        var openInTime: Int
    }

    struct OverdueFinding: Codable, Sendable {
        var id: String
        var severity: Severity
        var detector: String
        var subjectKind: String
        var subject: String
        var firstSeen: String
        /// First acknowledgement (or suppression); `nil` while open.
        var answeredAt: String?
        var answeredBy: String?
        /// From first seen to the answer, or to the period's end (or "now") while open.
        var minutes: Int64
        /// `answered_late` or `open_overdue`.
        var state: String
    }

    struct ReviewerCount: Codable, Sendable {
        var by: String
        var acknowledged: Int
        var unacknowledged: Int
    }

    struct TriageRow: Codable, Sendable {
        var at: String
        var by: String
        var action: String
        var findingId: String
        var severity: Severity?
        var subject: String?
        var note: String?
    }

    /// An allowlist, one of its entries, or a suppression that ends soon.
    struct Expiring: Codable, Sendable {
        /// `allowlist`, `allowlist_entry` or `suppression`.
        var kind: String
        /// The allowlist's name, or the suppression's `#id detector`.
        var name: String
        /// The entry's value (CIDR, country, AS number) or the suppression's subject.
        var value: String?
        var expires: String
        /// Whole days from the period's end to the expiry (negative: already past).
        var daysLeft: Int
        var owner: String?
        var note: String?
        /// `file:line:column` in the policy.
        var location: String?
    }

    /// One week (period) of the four-week trend, oldest first.
    struct TrendWeek: Codable, Sendable {
        var label: String
        var from: String
        var to: String
        var findings: Int
        var p1: Int, p2: Int, p3: Int, p4: Int
        var events: Int64
        var requests: Int64
        /// Failed authentication attempts, SSH included.
        var authFailures: Int64
        var rateLimited: Int64
    }

    /// The period's findings grouped by subject, and the evidence lines of its P1/P2 findings.
    struct Incidents: Codable, Sendable {
        /// Subjects with more than one finding that started in the period.
        var subjects: [Incident]
        var evidence: [FindingEvidence]
        /// P1/P2 findings in the period (`evidence` lists the first of them).
        var evidenceTotal: Int
    }

    struct Incident: Codable, Sendable {
        var subjectKind: String
        var subject: String
        var findings: Int
        var occurrences: Int
        var worstSeverity: Severity
        var detectors: [String]
        var firstSeen: String
        var lastSeen: String
    }

    struct FindingEvidence: Codable, Sendable {
        var id: String
        var severity: Severity
        var detector: String
        var rule: String
        var subjectKind: String
        var subject: String
        var lines: [EvidenceLine]
    }

    /// One sample line: where it is and what Vigil read from it (never the raw line, which
    /// may hold secrets; see `Evidence`).
    struct EvidenceLine: Codable, Sendable {
        /// `file:line`
        var at: String
        var text: String
    }
}

extension SecurityReport {
    /// Successful logins of the period (SSH `Accepted …`), by user, method and source.
    struct Logins: Codable, Sendable {
        /// `false` when the period has no SSH events, or its SSH logs were analyzed before
        /// Vigil counted logins (`note` says which).
        var measured: Bool
        var note: String?
        var total: Int64
        var users: Int
        var sources: Int
        /// One row per user, method, address and server, most logins first.
        var rows: [LoginRow]
        var rowsTotal: Int
        /// User and address pairs whose first stored login is in this period.
        var firstTimeSources: [FirstTimeSource]
        var rootLogins: Int64
        /// Logins past the per-checkpoint bound: counted, not itemized (`LoginCounter`).
        var notItemized: Int64
    }

    struct LoginRow: Codable, Sendable {
        var user: String
        var method: String
        var address: String
        var server: String
        var logins: Int64
        var firstSeen: String
        var lastSeen: String
        var firstTimeSource: Bool
        var root: Bool
    }

    struct FirstTimeSource: Codable, Sendable {
        var user: String
        var address: String
        var firstSeen: String
    }
}
