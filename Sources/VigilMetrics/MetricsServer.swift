import Foundation
import Hummingbird
import HummingbirdCore
import Logging
import ServiceLifecycle
import VigilCore

/// Serves `/metrics` (Prometheus text format) and `/healthz` with Hummingbird, on its own
/// threads; the tail loop only hands it status snapshots. Each connection is held to
/// `limits` (see `MetricsServerLimits` and `GuardedHTTP1Channel`).
package final class MetricsServer: @unchecked Sendable {
    package let address: MetricsAddress
    package let limits: MetricsServerLimits
    package let metrics = TailMetrics()
    private let store: any AlertOutbox
    private let logger: Logger
    /// The server's service group, while it runs: stopped through it, gracefully.
    private var group: ServiceGroup?
    /// Signalled once the service group has returned (the listener and every connection closed).
    private let finished = DispatchSemaphore(value: 0)
    /// Where the server's tasks run (see `MetricsTaskExecutor`). Safe again since the server
    /// is no longer cancelled: with it, cancelling made the NIOAsyncWriter race likelier.
    private let executor = MetricsTaskExecutor()
    private let lastAlertQuery = LockedValue<Int64>(0)
    /// The tail's `TailStatus.problems`, for `/healthz`.
    private let problems = LockedValue<[String]>([])
    /// The last error reading the alert outbox, logged once until it changes.
    private let lastOutboxError = LockedValue<String?>(nil)

    package init(address: MetricsAddress, store: any AlertOutbox, logger: Logger, limits: MetricsServerLimits = .init()) throws {
        self.address = address
        self.limits = limits
        self.store = store
        self.logger = logger
        if !address.isLoopback {
            logger.warning("metrics listen on \(address), beyond loopback: anyone who reaches it sees input names and finding counts")
        }
    }

    /// Open connections at most: `limits.maxConnections`, or a quarter of the soft descriptor
    /// limit when that is lower.
    package var connectionCap: Int {
        limits.connectionCap(descriptorLimit: DescriptorLimit.soft ?? 1024)
    }

    /// Starts listening; throws when the address cannot be bound.
    package func start() throws {
        let router = Router()
        let metrics = self.metrics
        router.get("/metrics") { _, _ -> Response in
            var headers = HTTPFields()
            headers[.contentType] = "text/plain; version=0.0.4; charset=utf-8"
            return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: metrics.render())))
        }
        let problems = self.problems
        // 503 while an input cannot be read (a format it cannot decide, a file it cannot
        // open) or has read nothing for longer than `--silent-after`: a tail that follows a
        // file and reads nothing from it is not healthy. Silence is judged now, not at the last
        // update (an idle tail updates every 15 s).
        router.get("/healthz") { _, _ -> Response in
            var headers = HTTPFields()
            headers[.contentType] = "text/plain; charset=utf-8"
            let text = MetricsServer.healthText(problems: problems.get(), metrics: metrics, now: EventTime.wallNow())
            return Response(
                status: text == nil ? .ok : .serviceUnavailable, headers: headers,
                body: ResponseBody(byteBuffer: ByteBuffer(string: text ?? "ok\n")))
        }
        let started = DispatchSemaphore(value: 0)
        let failure = LockedValue<String?>(nil)
        var serverLogger = logger
        serverLogger.logLevel = .warning
        let cap = connectionCap
        let rules = ConnectionRules(
            limits: limits, gate: ConnectionGate(capacity: cap),
            reporter: MetricsLimitReporter(metrics: metrics, logger: logger, limits: limits, connectionCap: cap))
        let http = HTTP1Channel.Configuration(
            idleTimeout: nil,
            httpDecoderConfiguration: .init(
                maxHeaderFieldSize: limits.maxHeadBytes, maxHeaderListSize: limits.maxHeadBytes,
                maxHeaderFieldCount: 100))  // a scrape sends a handful
        let app = Application(
            router: router,
            server: HTTPServerBuilder { responder in
                GuardedHTTP1Channel(inner: HTTP1Channel(responder: responder, configuration: http), rules: rules)
            },
            configuration: .init(address: .hostname(address.host, port: address.port), serverName: "vigil"),
            onServerRunning: { _ in started.signal() },
            logger: serverLogger)
        // Its own group, not `runService`, to keep the handle that shuts it down gracefully:
        // no signals (the tail handles SIGTERM and SIGINT and calls `stop`).
        let group = ServiceGroup(
            configuration: .init(services: [app], gracefulShutdownSignals: [], cancellationSignals: [], logger: serverLogger))
        self.group = group
        let finished = self.finished
        Task.detached(executorPreference: executor) {
            do {
                try await group.run()
            } catch {
                failure.set("\(error)")
                started.signal()
            }
            finished.signal()
        }
        if started.wait(timeout: .now() + 10) == .timedOut {
            throw VigilError.usage("--metrics-listen \(address): the server did not start within 10 s")
        }
        if let f = failure.get() {
            throw VigilError.usage("--metrics-listen \(address): cannot listen (\(f)); is the port in use?")
        }
    }

    /// The body of a 503 from `/healthz`, or nil when healthy: each input that cannot be
    /// read, with why, then each silent one, with for how long.
    static func healthText(problems: [String], metrics: TailMetrics, now: Int64) -> String? {
        let silent = metrics.silentInputs(now: now)
        guard !problems.isEmpty || !silent.isEmpty else { return nil }
        var text = "unhealthy:"
        if !problems.isEmpty { text += " \(problems.count) input(s) cannot be read" }
        if !silent.isEmpty { text += "\(problems.isEmpty ? "" : ",") \(silent.count) input(s) silent" }
        text += "\n" + problems.map { TerminalText.escape($0) + "\n" }.joined()
        let limit = metrics.silenceThreshold.map(DurationText.format) ?? "?"
        for input in silent {
            let quiet = input.lastReadAt.map { StatusReport.age(now - $0) } ?? "?"
            text += "\(TerminalText.escape(input.path)): silent, nothing read for \(quiet) (--silent-after \(limit))\n"
        }
        return text
    }

    /// New status from the tail: updates the metrics (alert queues at most once a second).
    ///
    /// An alert outbox that cannot be read (a delivery row Vigil did not write) is not shown
    /// as "no sinks": the alert series keep their last values, `vigil_metrics_errors_total
    /// {source="alert_outbox"}` counts each failed read, and the error (naming the row and
    /// column) is logged when it first occurs or changes. The scrape itself still answers:
    /// failing it would hide every other series just when they are needed.
    package func update(_ status: TailStatus) {
        var sinks: [AlertSinkStatus] = []
        let now = EventTime.wallNow()
        if now - lastAlertQuery.get() >= 1000 {
            lastAlertQuery.set(now)
            do {
                sinks = try store.alertSinkStatus()
                lastOutboxError.set(nil)
            } catch {
                metrics.countError(.alertOutbox)
                let text = "\(error)"
                if lastOutboxError.get() != text {
                    lastOutboxError.set(text)
                    logger.error("metrics: cannot read the alert outbox, the alert series keep their last values: \(text)")
                }
            }
        }
        metrics.update(status, alertSinks: sinks)
        problems.set(status.problems)
    }

    /// Stops the server gracefully and waits until it has: the listener closes first (no
    /// connection is accepted any more), then each connection once its answer is written out.
    ///
    /// Not by cancelling the server's task: a connection accepted while that task was being
    /// cancelled was dropped without its writer finished, a precondition failure in SwiftNIO
    /// ("Deinited NIOAsyncWriter without calling finish()") that crashed a CI run, and
    /// Hummingbird logged the cancellation as two error lines at every stop. A connection
    /// that does not finish within `timeout` (a request half sent: the limits of time close it
    /// within `readTimeout`/`writeTimeout`) is not waited for any longer; the process is
    /// exiting then.
    package func stop(timeout: Duration = .seconds(3)) {
        guard let group else { return }
        self.group = nil
        Task.detached(executorPreference: executor) { await group.triggerGracefulShutdown() }
        let seconds = Double(timeout.components.seconds) + Double(timeout.components.attoseconds) / 1e18
        if finished.wait(timeout: .now() + seconds) == .timedOut {
            logger.debug("metrics server: connections still open \(timeout) after the shutdown began; not waiting for them")
        }
    }
}

/// A value behind a lock, shared with the server's tasks.
final class LockedValue<T: Sendable>: @unchecked Sendable {
    private var value: T
    private let lock = NSLock()
    init(_ v: T) { value = v }
    func get() -> T { lock.lock(); defer { lock.unlock() }; return value }
    func set(_ v: T) { lock.lock(); value = v; lock.unlock() }
}
