import Foundation

/// One checkpoint of an analysis: everything a batch of work produced, committed in one
/// transaction (see `CheckpointStore`).
package struct Checkpoint {
    package var findings: [Finding] = []
    /// Events counted since the last checkpoint, added to the hourly counts.
    package var hourly: [HourlyCount] = []
    /// Successful logins counted since the last checkpoint, added to `login_daily`.
    package var logins: [LoginDaily] = []
    package var inputs: [InputRecord] = []
    /// Followed files with no record yet (see `FollowedFile`); stored, and dropped for the
    /// files `inputs` now records.
    package var followed: [FollowedFile] = []
    package var state: [String: Data] = [:]
    package var now: Int64 = 0
    /// Sinks to notify of new or escalated findings (none in batch analysis).
    package var alertRoutes: [AlertRoute] = []
    /// Most pending deliveries a sink may have; beyond it a new one is stored as dropped.
    package var maxPendingAlerts = 10_000
}
