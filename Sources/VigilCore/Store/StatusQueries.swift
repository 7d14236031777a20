/// What `vigil status` reads: the inputs and where they ended, the last `tail`'s heartbeat,
/// today's findings and the alert queues.
///
/// Small point reads, kept apart from `ReportQueries` so a status check never needs what a
/// report's aggregates need of a backend.
package protocol StatusQueries: Sendable {
    /// Every input's record (as `CheckpointStore.inputRecords`).
    func inputRecords() throws -> [InputRecord]

    /// The last `tail` that ran on this database, if any.
    func tailService() throws -> TailService?

    /// Findings first seen since `since` (event time, ms), by severity.
    func findingCounts(since: Int64) throws -> [Severity: Int]

    /// Delivery counts by sink (as `AlertOutbox.alertSinkStatus`).
    func alertSinkStatus() throws -> [AlertSinkStatus]

    /// The policy the last `analyze` or `tail` run used, with its files' texts when they were
    /// recorded; `nil` when no run is recorded.
    func lastRunPolicy() throws -> RecordedPolicy?

    /// The policies of the runs whose events overlap `period`, the one whose runs analyzed the
    /// most events first, each with the event times its runs covered.
    func policiesInForce(_ period: ReportPeriod) throws -> [RecordedPolicy]
}
