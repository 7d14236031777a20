import Foundation
import Logging

/// Delivers the outbox: one thread per sink takes its due deliveries from the store, hands
/// them to the sink, and records the outcome, retrying with exponential backoff.
///
/// Ingestion never waits for it: the tail loop only writes outbox rows in its commits and
/// calls `wake()`. A receiver that fails or hangs delays only its own sink; its backlog is
/// bounded in the store (`maxPendingAlerts`), beyond which new notifications are stored as
/// dropped, counted and logged. Undelivered alerts survive a restart.
///
/// A transient failure (`.retry`) is retried until the sink's retry horizon, counted from the
/// alert's creation (24 h unless the policy's `retry_for` says otherwise), then the alert is
/// `expired`; a refusal (`.reject`) is `failed` at once. Both stay in the outbox, counted by
/// `vigil status` and the metrics. (Before issue 18, item 14, 8 attempts gave up after about
/// 2 minutes, and an outage of 2.5 minutes lost every queued alert.)
package final class AlertDispatcher: @unchecked Sendable {
    package struct Options: Sendable {
        /// How long a delivery that keeps failing transiently is retried, from the alert's
        /// creation (ms). Time, not attempts: an outage shorter than this loses nothing.
        package var retryFor: Int64 = AlertSinkConfig.defaultRetryFor
        /// The horizon of sinks whose policy sets `retry_for`, by sink name.
        package var retryForSink: [String: Int64] = [:]
        /// Backoff after the first failure (ms); doubled each attempt, capped at `maxBackoff`.
        var initialBackoff: Int64 = 1_000
        var maxBackoff: Int64 = 300_000
        /// Up to this share of a backoff is added at random, so that alerts (and sinks) that
        /// failed together do not all retry in the same instant.
        var jitter = 0.1
        /// How often an idle sink looks at the outbox without being woken (ms).
        var idlePoll: Int64 = 1_000
        /// Least time between two "still failing" warnings of one sink (ms): a day-long outage
        /// logs one line a minute, not one per alert and attempt.
        var retryLogInterval: Int64 = 60_000

        package init() {}

        /// The retry horizon of a sink (ms).
        func horizon(of sink: String) -> Int64 { retryForSink[sink] ?? retryFor }

        /// The wait after a delivery's `attempts`-th failure (ms), jitter included.
        func backoff(afterAttempts attempts: Int) -> Int64 {
            let doublings = Int64(min(max(attempts - 1, 0), 40))
            let (grown, overflow) = initialBackoff.multipliedReportingOverflow(by: Int64(1) << doublings)
            let base = overflow ? maxBackoff : min(grown, maxBackoff)
            let spread = Int64(Double(base) * jitter)
            return base + (spread > 0 ? Int64.random(in: 0...spread) : 0)
        }
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
        var log = SinkLog()
        let horizon = options.horizon(of: sink.name)
        defer { if log.unreportedExpired > 0 { reportExpired(sink, horizon: horizon, now: EventTime.wallNow(), log: &log) } }
        while true {
            let stopping = isStopping
            if stopping && pastStopDeadline { return }
            let now = EventTime.wallNow()
            var due: [AlertDelivery]
            do {
                due = try store.dueDeliveries(sink: sink.name, now: now, limit: sink.batchSize)
                // Past its horizon (a restart after a long stop, or its last backoff ran past
                // it): expired with every other of the sink's, so the log says it once.
                if due.contains(where: { now - $0.createdAt >= horizon }) {
                    expire(sink, horizon: horizon, now: now, log: &log)
                    due = try store.dueDeliveries(sink: sink.name, now: now, limit: sink.batchSize)
                }
            } catch {
                logger.error("alert sink \(sink.name): cannot read the outbox: \(error)")
                due = []
            }
            if log.unreportedExpired > 0 && now - log.lastExpiry >= options.retryLogInterval {
                reportExpired(sink, horizon: horizon, now: now, log: &log)
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
            record(result, due, sink, horizon: horizon, log: &log)
        }
    }

    private func record(
        _ result: AlertSinkResult, _ due: [AlertDelivery], _ sink: any AlertSink, horizon: Int64, log: inout SinkLog
    ) {
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
                let backoff = options.backoff(afterAttempts: attempts)
                try store.recordDelivery(
                    sink: sink.name, alertIDs: ids, status: "pending", nextAttemptAt: now + backoff, error: reason, now: now)
                log.lastError = reason
                if due.contains(where: { now - $0.createdAt >= horizon }) {
                    expire(sink, horizon: horizon, now: now, log: &log)
                } else if now - log.lastRetry >= options.retryLogInterval {
                    log.lastRetry = now
                    logger.warning(
                        """
                        alert sink \(sink.name): \(reason); retrying in \(backoff < 1000 ? "\(backoff) ms" : "\(backoff / 1000) s") (attempt \(attempts); \
                        undelivered alerts are retried for \(DurationText.format(horizon)) from their creation, then expired)
                        """)
                }
            }
        } catch {
            logger.error("alert sink \(sink.name): cannot record delivery: \(error)")
        }
    }

    /// What a sink thread last logged: a day-long outage logs a line a minute, not one per
    /// alert and attempt.
    private struct SinkLog {
        /// Wall times (ms) of the last lines; 0 (1970) for never.
        var lastRetry: Int64 = 0
        var lastExpiry: Int64 = 0
        /// Expired since the last line about expiry, and the error that preceded them.
        var unreportedExpired = 0
        var lastError: String?
    }

    /// Marks every pending delivery of the sink created a horizon or more ago `expired`; the
    /// log says so with the count, at most once a `retryLogInterval`.
    private func expire(_ sink: any AlertSink, horizon: Int64, now: Int64, log: inout SinkLog) {
        do {
            log.unreportedExpired += try store.expireDeliveries(sink: sink.name, createdAtOrBefore: now - horizon, now: now)
        } catch {
            logger.error("alert sink \(sink.name): cannot expire undelivered alerts: \(error)")
        }
        if log.unreportedExpired > 0 && now - log.lastExpiry >= options.retryLogInterval {
            reportExpired(sink, horizon: horizon, now: now, log: &log)
        }
    }

    private func reportExpired(_ sink: any AlertSink, horizon: Int64, now: Int64, log: inout SinkLog) {
        logger.error(
            """
            alert sink \(sink.name): \(log.unreportedExpired) alert(s) expired undelivered after \(DurationText.format(horizon)) \
            of retries\(log.lastError.map { " (last error: \($0))" } ?? ""); they stay in the outbox, counted as expired \
            by vigil status and the metrics
            """)
        log.lastExpiry = now
        log.unreportedExpired = 0
    }
}
