/// The store as `vigil prune` uses it: forgetting what the policy's `retention:` says is old.
///
/// A role of its own because reclaiming space is the backend's business (SQLite vacuums its
/// file; a server database would leave that to its own maintenance).
package protocol RetentionStore: Sendable {
    /// Deletes (or with `dryRun` only counts) findings past their severity's retention by
    /// last activity, hourly counts past theirs and long-ended suppressions.
    func prune(_ retention: RetentionSettings, now: Int64, dryRun: Bool) throws -> PruneResult
}
