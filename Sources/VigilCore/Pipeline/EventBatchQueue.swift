import Foundation

/// Decoded events handed from `analyze`'s reading thread to its detecting thread, in order.
struct EventBatch {
    var events: [Event] = []
    /// Input records as of the batch's last event: commit them with everything it led to.
    var checkpoint: [InputRecord]?
    var checkpointTime: Int64 = 0
}

/// A bounded single-producer, single-consumer queue of event batches.
///
/// Decoding is about a third of an MCP analysis and detection the rest; on two threads they
/// overlap. The bound (a few batches) keeps memory flat when detection is the slower side.
/// The lock also orders the producer's writes (events, interned symbols) before the consumer's
/// reads.
final class EventBatchQueue: @unchecked Sendable {
    private let condition = NSCondition()
    private var batches: [EventBatch] = []
    private var finished = false
    private var failure: Error?
    private var cancelled = false
    private let limit: Int
    /// Emptied batches' arrays, returned to the producer so their storage is reused.
    private var spare: [[Event]] = []

    init(limit: Int = 4) { self.limit = limit }

    /// Producer: waits while the queue is full. Returns false when the consumer gave up.
    func push(_ batch: EventBatch) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        while batches.count >= limit && !cancelled { condition.wait() }
        if cancelled { return false }
        batches.append(batch)
        condition.broadcast()
        return true
    }

    /// Producer: no more batches; `error` is rethrown to the consumer after the batches before it.
    func finish(error: Error? = nil) {
        condition.lock()
        finished = true
        failure = error
        condition.broadcast()
        condition.unlock()
    }

    /// Producer: an empty array with storage, if the consumer returned one.
    func spareStorage() -> [Event]? {
        condition.lock()
        defer { condition.unlock() }
        return spare.popLast()
    }

    /// Consumer: the next batch, or nil at the end. Throws what the producer failed with.
    func pop() throws -> EventBatch? {
        condition.lock()
        defer { condition.unlock() }
        while batches.isEmpty && !finished { condition.wait() }
        if !batches.isEmpty {
            let b = batches.removeFirst()
            condition.broadcast()
            return b
        }
        if let failure { throw failure }
        return nil
    }

    /// Consumer: gives a processed batch's storage back.
    func recycle(_ events: consuming [Event]) {
        var e = events
        e.removeAll(keepingCapacity: true)
        condition.lock()
        if spare.count < limit + 1 { spare.append(e) }
        condition.unlock()
    }

    /// Consumer: waits until the producer has called `finish` (after `cancel`).
    func waitUntilFinished() {
        condition.lock()
        while !finished { condition.wait() }
        condition.unlock()
    }

    /// Consumer: stops the producer (after a failed commit) and drops what is queued.
    func cancel() {
        condition.lock()
        cancelled = true
        batches.removeAll()
        condition.broadcast()
        condition.unlock()
    }
}
