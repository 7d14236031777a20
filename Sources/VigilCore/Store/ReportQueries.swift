/// What the weekly report reads (`ReportBuilder`): aggregates over one period's findings and
/// hourly counts, and pages of findings by triage state.
///
/// Every question is a typed value (`ReportPeriod`, `FindingPageQuery`), never a fragment of
/// SQL, so a backend answers it with its own query and index, and a test answers it from an
/// array. The report runs these concurrently from several threads, so a backend must allow
/// parallel reads (the SQLite store gives each its own WAL reader connection).
package protocol ReportQueries: WeeklyReviewQueries {
    /// Throws for the first stored row the report would add up that holds a value Vigil does
    /// not write (naming its table, row and column), before any aggregate runs: an aggregate
    /// would leave such a row out without a word (a text time is in no period) or fail
    /// without naming it. A backend whose columns are typed may have nothing to check.
    func checkStoredRows() throws

    /// Findings that started in the period, by day, severity and detector.
    func findingCounts(_ period: ReportPeriod) throws -> [DailyFindingCount]

    /// The `limit` subjects of one kind with the most occurrences in findings that started in
    /// the period (ties by subject).
    func topSubjects(_ period: ReportPeriod, kind: String, limit: Int) throws -> [SubjectActivity]

    /// Distinct subjects with findings in the period, and how many of them had findings before it.
    func subjectNovelty(_ period: ReportPeriod) throws -> (total: Int, recurring: Int)

    /// Countries (`country`, `BR`) and AS numbers (`asn`, `AS64500`) of finding subjects first
    /// seen in the period: countries first, each by first seen time then value.
    func newPlaces(_ period: ReportPeriod) throws -> [(kind: String, value: String, firstSeen: Int64, findings: Int)]

    /// Event and attempt totals of the period's hourly counts by source format and outcome.
    func eventTotals(_ period: ReportPeriod) throws -> [(source: String, outcome: String, events: Int64, attempts: Int64)]

    /// Totals of one outcome per `bucket` (ms, a multiple of an hour), keyed by bucket start:
    /// events, or attempts with `attempts`.
    func outcomeSeries(_ period: ReportPeriod, outcome: String, bucket: Int64, attempts: Bool) throws -> [Int64: Int64]

    /// Untriaged findings that started before `end`, counted by age at `end`: under 1 day,
    /// 1–7 days, 7–30 days, over 30 days.
    func openAges(before end: Int64) throws -> [(label: String, count: Int)]

    /// How many findings match, and the first `query.limit` of them.
    func findingPage(_ query: FindingPageQuery) throws -> (total: Int, findings: [Finding])

    /// Every suppression, oldest first (as `TriageStore.suppressions`).
    func suppressions() throws -> [Suppression]

    /// For up to `limit` API keys with the most `api_key_anomaly` findings in the period, the
    /// hourly series of their latest volume anomaly: hours, observed and expected counts, each
    /// comma-separated as the detector's evidence holds them.
    func anomalySeries(_ period: ReportPeriod, limit: Int) throws -> [(key: String, hours: String, observed: String, expected: String)]
}
