import Foundation

/// The store as the analysis pipeline uses it (`analyze`, `tail`, and `vigil baseline`, which
/// reads back the detector state): where each input ended, the detectors' state, and the
/// commit that writes what a batch of work produced.
///
/// `commit` is one transaction because recovery rests on it: after a crash the store holds
/// all of a checkpoint or none of it, so continuing from the stored offsets neither loses nor
/// double-counts lines, and alerts queued with their findings are neither lost nor sent twice.
/// Any backend has to keep that. The pipeline calls `commit` once per batch, never per event
/// or finding, so it holds the store as an existential without a cost in the hot loop.
package protocol CheckpointStore: Sendable {
    /// Every input's record, oldest update first: where to continue each one, and how rotated
    /// or compressed copies are recognized by their fingerprint.
    func inputRecords() throws -> [InputRecord]

    /// Files a `tail` opened before they had a record, as its last checkpoint left them.
    func followedFiles() throws -> [FollowedFile]

    /// The state the last checkpoint stored, by detector name (plus the engine's own keys).
    func loadState() throws -> [String: Data]

    /// Upserts the findings (by id, keeping the worst severity), adds the hourly counts,
    /// replaces input records and state, and queues outbox rows for new or escalated
    /// findings the routes accept (see `AlertOutbox`), all in one transaction.
    @discardableResult
    func commit(_ checkpoint: Checkpoint) throws -> CommitResult

    /// A finished `analyze` or `tail` run, for the record, with the policy it used and the
    /// event times it saw (so a report judges a period with the policy in force for it; see
    /// `StatusQueries.policiesInForce`). The policy's file texts are stored once per fingerprint.
    func recordRun(
        startedAt: Int64, finishedAt: Int64, command: String, lines: Int64, events: Int64, malformed: Int64, findingsOpened: Int,
        policy: Policy, eventTimes: ClosedRange<Int64>?) throws

    /// A run that goes on (`tail`): recorded when it starts, with its policy, and brought up to
    /// date by `updateRun` at each checkpoint, so the policy in force and the event time it
    /// covered are in the store while it runs, and after a `kill -9`. Returns the run's id.
    func openRun(startedAt: Int64, command: String, policy: Policy) throws -> Int64

    /// The counts and event span of a run so far; `finishedAt` once it ended.
    func updateRun(
        _ id: Int64, finishedAt: Int64?, lines: Int64, events: Int64, malformed: Int64, findingsOpened: Int, eventTimes: ClosedRange<Int64>?
    ) throws

    /// The running `tail`'s heartbeat, which `vigil status` reads (`StatusQueries`).
    func updateService(_ service: TailService) throws
}
