/// Findings that started on one day, of one severity and detector: the report's summary,
/// its comparison with the previous period and its chart per day are all sums of these.
package struct DailyFindingCount: Sendable, Equatable {
    /// Start of the day, ms since the epoch (UTC).
    package var day: Int64
    package var severity: Severity
    package var detector: String
    /// Findings (episodes).
    package var count: Int
    /// Occurrences within them (the findings' `count`s added up).
    var occurrences: Int
}
