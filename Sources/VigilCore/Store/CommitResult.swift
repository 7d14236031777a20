/// What a commit did beyond storing rows: the alert outbox rows it queued, and those it stored
/// as dropped because a sink's backlog was full.
package struct CommitResult: Sendable {
    package var alertsQueued = 0
    package var alertsDropped = 0
}
