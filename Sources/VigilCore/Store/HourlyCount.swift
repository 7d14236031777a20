/// Events of one hour, source format, server and outcome, counted at ingest.
///
/// The weekly report's threshold table (unauthorized attempts, authentication failure and
/// input validation rates, rate-limit violations per day) is computed from these rows, so a
/// report never re-reads logs and stays fast over a year of history.
public struct HourlyCount: Sendable, Equatable {
    /// Start of the hour, ms since the epoch (UTC).
    public var hour: Int64
    /// The log format the events came from (`mcp-json`, `sshd`, `combined`).
    public var source: String
    /// Server name, `""` when the log names none.
    public var server: String
    public var outcome: String
    public var events: Int64
    /// Authentication attempts the events stand for (sshd groups several lines into one).
    public var attempts: Int64
}
