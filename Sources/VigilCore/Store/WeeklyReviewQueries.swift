/// What the weekly review's coverage, triage and incident sections read beside the
/// aggregates of `ReportQueries`: where the data came from and how complete it is, who
/// answered which finding when, and which subjects had several findings.
///
/// As for `ReportQueries`, every question is a typed value and every answer plain rows, so a
/// test double answers from arrays; the report runs these beside its other queries.
package protocol WeeklyReviewQueries: Sendable {
    /// Events per hour, source format and server (every outcome added up) for the hours in
    /// the period, in no particular order.
    func sourceHours(_ period: ReportPeriod) throws -> [SourceHour]

    /// The `analyze` and `tail` runs that read events of the period (by the event time span
    /// each recorded) or started in it (wall clock), oldest first.
    func runs(startedIn period: ReportPeriod) throws -> [RunRecord]

    /// Every input the store remembers (as `StatusQueries.inputRecords`).
    func inputRecords() throws -> [InputRecord]

    /// The running (or last) `tail`, as `StatusQueries.tailService`.
    func tailService() throws -> TailService?

    /// Up to `limit` subjects with more than one finding that started in the period, worst
    /// severity first, then most findings.
    func incidentSubjects(_ period: ReportPeriod, limit: Int) throws -> [SubjectIncident]

    /// Up to `limit` triage events (ack, unack) about findings that started in the period or
    /// recorded in it, oldest first, each with its finding's severity and subject when the
    /// finding is still stored.
    func triageActivity(_ period: ReportPeriod, limit: Int) throws -> [TriageActivity]

    /// Untriaged findings of each severity in `cuts` (P1, P2) that started in the period: how
    /// many, and how many of them started before that severity's cut (past its response
    /// target). One scan of the period, however many findings it has.
    func openCounts(_ period: ReportPeriod, cuts: [Severity: Int64]) throws -> [Severity: (total: Int, overdue: Int)]

    /// Successful logins of the days the period touches, and when each of their user and
    /// address pairs first logged in (`login_daily`).
    func logins(_ period: ReportPeriod) throws -> LoginHistory
}

/// One hour of one source and server in `event_hourly`, all outcomes together.
package struct SourceHour: Sendable, Equatable {
    package var hour: Int64
    package var source: String
    package var server: String
    package var events: Int64
}

/// One row of the `run` table: what an `analyze` or `tail` read.
package struct RunRecord: Sendable, Equatable {
    /// `analyze` or `tail`.
    package var command: String
    package var startedAt: Int64
    package var finishedAt: Int64?
    package var lines: Int64
    package var events: Int64
    package var malformed: Int64
}

/// One subject's findings that started in a period, for the report's incidents table.
package struct SubjectIncident: Sendable, Equatable {
    package var kind: String
    package var subject: String
    package var findings: Int
    package var occurrences: Int
    package var worst: Severity
    /// The detectors that reported it, sorted.
    package var detectors: [String]
    package var firstSeen: Int64
    package var lastSeen: Int64
}

/// A triage event with what it was about (`nil` when the finding was pruned since).
package struct TriageActivity: Sendable, Equatable {
    package var event: TriageEvent
    package var severity: Severity?
    package var subjectKind: String?
    package var subject: String?
    package var firstSeen: Int64?
}
