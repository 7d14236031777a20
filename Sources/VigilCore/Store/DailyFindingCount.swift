/// Findings that started on one day, of one severity and detector: the report's summary,
/// its comparison with the previous period and its chart per day are all sums of these.
public struct DailyFindingCount: Sendable, Equatable {
    /// Start of the day, ms since the epoch (UTC).
    public var day: Int64
    public var severity: Severity
    public var detector: String
    /// Findings (episodes).
    public var count: Int
    /// Occurrences within them (the findings' `count`s added up).
    public var occurrences: Int
}
