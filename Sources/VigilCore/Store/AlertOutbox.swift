/// The alert outbox as its readers use it: the dispatcher's sink threads take due deliveries
/// and record how they went; `vigil status` and the metrics count them by sink.
///
/// Rows enter the outbox only through `CheckpointStore.commit`, in the transaction that
/// writes their findings; that is what makes an alert neither lost nor repeated across a
/// crash. This role is what runs afterwards, on other threads, so it must be safe to call
/// concurrently with commits (the SQLite store reads from WAL snapshots).
package protocol AlertOutbox: Sendable {
    /// Deliveries of a sink that are due at `now`, oldest first, at most `limit`.
    func dueDeliveries(sink: String, now: Int64, limit: Int) throws -> [AlertDelivery]

    /// The earliest time a pending delivery of this sink is due, if any: how long a sink
    /// thread may sleep.
    func nextDeliveryDue(sink: String) throws -> Int64?

    /// Records the outcome of delivering some alerts: `sent`, `failed` (refused), or still
    /// `pending` with the time of the next attempt.
    func recordDelivery(sink: String, alertIDs: [Int64], status: String, nextAttemptAt: Int64, error: String?, now: Int64) throws

    /// Marks the sink's pending deliveries of alerts created at or before `createdAtOrBefore`
    /// `expired` (retried for the whole retry horizon without success); returns how many.
    func expireDeliveries(sink: String, createdAtOrBefore: Int64, now: Int64) throws -> Int

    /// Delivery counts by sink, sorted by sink name, with the age and next attempt of the
    /// pending ones.
    func alertSinkStatus() throws -> [AlertSinkStatus]
}
