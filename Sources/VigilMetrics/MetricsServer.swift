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
    private let lastAlertQuery = LockedValue<Int64>(0)
    /// The tail's `TailStatus.problems`, for `/healthz`.
    private let problems = LockedValue<[String]>([])

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
        // 503 while an input cannot be read: a tail that follows a file and reads nothing
        // from it (a format it cannot decide, a file it cannot open) is not healthy.
        router.get("/healthz") { _, _ -> Response in
            let current = problems.get()
            var headers = HTTPFields()
            headers[.contentType] = "text/plain; charset=utf-8"
            guard !current.isEmpty else {
                return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(string: "ok\n")))
            }
            let text = "unhealthy: \(current.count) input(s) cannot be read\n" + current.map { TerminalText.escape($0) + "\n" }.joined()
            return Response(status: .serviceUnavailable, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(string: text)))
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
        Task.detached {
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

    /// New status from the tail: updates the metrics (alert queues at most once a second).
    package func update(_ status: TailStatus) {
        var sinks: [AlertSinkStatus] = []
        let now = EventTime.wallNow()
        if now - lastAlertQuery.get() >= 1000 {
            lastAlertQuery.set(now)
            sinks = (try? store.alertSinkStatus()) ?? []
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
        Task.detached { await group.triggerGracefulShutdown() }
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
