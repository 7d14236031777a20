/// Which findings a report lists, and how many to show: a value rather than a query string,
/// so each backend writes its own query (and picks its own index) for it.
///
/// The store answers with how many match and the first `limit` of them, most severe first,
/// then earliest first seen, then in the order stored.
package struct FindingPageQuery: Sendable, Equatable {
    /// Where a finding stands in triage. Acknowledging and suppressing are independent: a
    /// finding can be both, and is then in both lists.
    package enum Triage: Sendable, Equatable {
        case any
        /// Neither acknowledged nor covered by a suppression: what still needs a look.
        case untriaged
        case acknowledged
        /// Covered by a suppression of its detector (or `*`) and subject that ends after the
        /// finding's episode started.
        case suppressed
    }

    /// Findings whose episode started at or after this time (ms); nil for no lower bound.
    var startedFrom: Int64?
    /// Findings whose episode started before this time (ms).
    var startedBefore: Int64
    package var detector: String?
    /// This severity or worse.
    package var minimumSeverity: Severity?
    package var triage: Triage
    /// How many findings to return; the total is counted regardless (0: only the total).
    package var limit: Int
    /// The total when the caller already has it (the open list's is the sum of the open
    /// findings' ages), so the store need not count again.
    var knownTotal: Int?

    init(
        startedFrom: Int64? = nil, startedBefore: Int64, detector: String? = nil, minimumSeverity: Severity? = nil,
        triage: Triage = .any, limit: Int, knownTotal: Int? = nil
    ) {
        self.startedFrom = startedFrom
        self.startedBefore = startedBefore
        self.detector = detector
        self.minimumSeverity = minimumSeverity
        self.triage = triage
        self.limit = limit
        self.knownTotal = knownTotal
    }

    /// Findings that started within `period`.
    init(
        startedIn period: ReportPeriod, detector: String? = nil, minimumSeverity: Severity? = nil, triage: Triage = .any,
        limit: Int
    ) {
        self.init(
            startedFrom: period.from, startedBefore: period.to, detector: detector, minimumSeverity: minimumSeverity,
            triage: triage, limit: limit)
    }
}
