/// What a commit did beyond storing rows: the alert outbox rows it queued, and those it stored
/// as dropped because a sink's backlog was full.
public struct CommitResult: Sendable {
    public var alertsQueued = 0
    public var alertsDropped = 0
}
