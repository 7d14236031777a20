/// Events of one hour, source format, server and outcome, counted at ingest.
///
/// The weekly report's threshold table (unauthorized attempts, authentication failure and
/// input validation rates, rate-limit violations per day) is computed from these rows, so a
/// report never re-reads logs and stays fast over a year of history.
package struct HourlyCount: Sendable, Equatable {
    /// Start of the hour, ms since the epoch (UTC).
    package var hour: Int64
    /// The log format the events came from (`mcp-json`, `sshd`, `combined`).
    package var source: String
    /// Server name, `""` when the log names none.
    package var server: String
    package var outcome: String
    package var events: Int64
    /// Authentication attempts the events stand for (sshd groups several lines into one).
    var attempts: Int64
}
