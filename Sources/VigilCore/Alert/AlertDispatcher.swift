import Foundation
import Logging

/// Delivers the outbox: one thread per sink takes its due deliveries from the store, hands
/// them to the sink, and records the outcome, retrying with exponential backoff.
///
/// Ingestion never waits for it: the tail loop only writes outbox rows in its commits and
/// calls `wake()`. A receiver that fails or hangs delays only its own sink; its backlog is
/// bounded in the store (`maxPendingAlerts`), beyond which new notifications are stored as
/// dropped, counted and logged. Undelivered alerts survive a restart.
package final class AlertDispatcher: @unchecked Sendable {
    package struct Options: Sendable {
        /// Attempts before a delivery is given up as failed.
        var maxAttempts = 8
        /// Backoff after the first failure (ms); doubled each attempt, capped at `maxBackoff`.
        var initialBackoff: Int64 = 1_000
        var maxBackoff: Int64 = 300_000
        /// How often an idle sink looks at the outbox without being woken (ms).
        var idlePoll: Int64 = 1_000

        package init() {}
    }

    private let store: any AlertOutbox
    private let sinks: [any AlertSink]
    private let options: Options
    private let logger: Logger
    private let condition = NSCondition()
    private var generation = 0
    private var stopping = false
    private var stopDeadline: Date?
    private var running = 0

    package init(
        store: any AlertOutbox, sinks: [any AlertSink], options: Options = Options(), logger: Logger = Logger(label: "vigil.alert")
    ) {
        self.store = store
        self.sinks = sinks
        self.options = options
        self.logger = logger
    }

    package func start() {
        for sink in sinks {
            condition.lock()
            running += 1
            condition.unlock()
            let thread = Thread { [self] in
                loop(sink)
                condition.lock()
                running -= 1
                condition.broadcast()
                condition.unlock()
            }
            thread.name = "vigil-alert-\(sink.name)"
            thread.start()
        }
    }

    /// New alerts were committed: look at the outbox now.
    package func wake() {
        condition.lock()
        generation += 1
        condition.broadcast()
        condition.unlock()
    }

    /// Stops the sink threads. What is due is still delivered for up to `timeout` seconds (a
    /// tail that stops right after its last lines still prints their alerts); what is left
    /// stays in the outbox for the next start.
    package func stop(timeout: TimeInterval = 1) {
        condition.lock()
        stopping = true
        stopDeadline = Date().addingTimeInterval(timeout)
        condition.broadcast()
        let deadline = stopDeadline!
        while running > 0 && condition.wait(until: deadline) {}
        condition.unlock()
    }

    private var isStopping: Bool {
        condition.lock()
        defer { condition.unlock() }
        return stopping
    }

    private var pastStopDeadline: Bool {
        condition.lock()
        defer { condition.unlock() }
        return stopDeadline.map { Date() >= $0 } ?? false
    }

    private func loop(_ sink: any AlertSink) {
        var seen = -1
        while true {
            let stopping = isStopping
            if stopping && pastStopDeadline { return }
            let now = EventTime.wallNow()
            let due: [AlertDelivery]
            do {
                due = try store.dueDeliveries(sink: sink.name, now: now, limit: sink.batchSize)
            } catch {
                logger.error("alert sink \(sink.name): cannot read the outbox: \(error)")
                due = []
            }
            if due.isEmpty {
                if stopping { return }  // nothing due: done (retries wait for the next start)
                var wait = options.idlePoll
                if let next = try? store.nextDeliveryDue(sink: sink.name) { wait = min(wait, max(next - now, 10)) }
                condition.lock()
                if generation == seen && !self.stopping {
                    _ = condition.wait(until: Date().addingTimeInterval(Double(wait) / 1000))
                }
                seen = generation
                condition.unlock()
                continue
            }
            let result = sink.deliver(due)
            record(result, due, sink)
        }
    }

    private func record(_ result: AlertSinkResult, _ due: [AlertDelivery], _ sink: any AlertSink) {
        let now = EventTime.wallNow()
        let ids = due.map(\.alertID)
        do {
            switch result {
            case .delivered:
                try store.recordDelivery(sink: sink.name, alertIDs: ids, status: "sent", nextAttemptAt: now, error: nil, now: now)
            case let .reject(reason):
                logger.error("alert sink \(sink.name) refused \(ids.count) alert(s): \(reason); not retried")
                try store.recordDelivery(sink: sink.name, alertIDs: ids, status: "failed", nextAttemptAt: now, error: reason, now: now)
            case let .retry(reason):
                let attempts = (due.map(\.attempts).max() ?? 0) + 1
                if attempts >= options.maxAttempts {
                    logger.error("alert sink \(sink.name): giving up on \(ids.count) alert(s) after \(attempts) attempts: \(reason)")
                    try store.recordDelivery(sink: sink.name, alertIDs: ids, status: "failed", nextAttemptAt: now, error: reason, now: now)
                } else {
                    let backoff = min(options.initialBackoff << Int64(min(attempts - 1, 30)), options.maxBackoff)
                    logger.warning(
                        "alert sink \(sink.name): \(reason); retrying in \(backoff / 1000) s (attempt \(attempts) of \(options.maxAttempts))"
                    )
                    try store.recordDelivery(
                        sink: sink.name, alertIDs: ids, status: "pending", nextAttemptAt: now + backoff, error: reason, now: now)
                }
            }
        } catch {
            logger.error("alert sink \(sink.name): cannot record delivery: \(error)")
        }
    }
}
