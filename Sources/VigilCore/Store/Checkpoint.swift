import Foundation

/// One checkpoint of an analysis: everything a batch of work produced, committed in one
/// transaction (see `CheckpointStore`).
public struct Checkpoint {
    public var findings: [Finding] = []
    /// Events counted since the last checkpoint, added to the hourly counts.
    public var hourly: [HourlyCount] = []
    public var inputs: [InputRecord] = []
    public var state: [String: Data] = [:]
    public var now: Int64 = 0
    /// Sinks to notify of new or escalated findings (none in batch analysis).
    public var alertRoutes: [AlertRoute] = []
    /// Most pending deliveries a sink may have; beyond it a new one is stored as dropped.
    public var maxPendingAlerts = 10_000
}
