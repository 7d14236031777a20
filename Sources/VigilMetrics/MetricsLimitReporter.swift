import Foundation
import Logging

/// Counts each refusal of the metrics endpoint in `vigil_metrics_connections_refused_total`
/// and tells the log about it: one line per kind of limit and `logInterval` at most, with the
/// number since the previous line, because a client that opens thousands of connections would
/// otherwise flood the journal as well.
final class MetricsLimitReporter: @unchecked Sendable {
    private let metrics: TailMetrics
    private let logger: Logger
    private let limits: MetricsServerLimits
    private let connectionCap: Int
    private let lock = NSLock()
    private var lastLogged: [MetricsLimit: ContinuousClock.Instant] = [:]
    private var sinceLogged: [MetricsLimit: Int] = [:]

    init(metrics: TailMetrics, logger: Logger, limits: MetricsServerLimits, connectionCap: Int) {
        self.metrics = metrics
        self.logger = logger
        self.limits = limits
        self.connectionCap = connectionCap
    }

    func record(_ limit: MetricsLimit) {
        metrics.countRefusal(limit)
        let now = ContinuousClock.now
        lock.lock()
        let count = sinceLogged[limit, default: 0] + 1
        if let last = lastLogged[limit], now - last < limits.logInterval {
            sinceLogged[limit] = count
            lock.unlock()
            return
        }
        lastLogged[limit] = now
        sinceLogged[limit] = 0
        lock.unlock()
        // An idle keep-alive connection closed is how a scraper's connection usually ends
        // (Prometheus scrapes once a minute by default, the idle timeout is 30 s): counted,
        // logged only at debug level. The others are not routine.
        let level: Logger.Level = limit == .idleTimeout ? .debug : .warning
        logger.log(
            level: level,
            """
            metrics endpoint: \(count) connection\(count == 1 ? "" : "s") refused or closed: \(explanation(limit)) \
            (counted in vigil_metrics_connections_refused_total{reason="\(limit.rawValue)"}; logged at most every \
            \(limits.logInterval.components.seconds) s)
            """)
    }

    /// What the limit is and what it protects.
    private func explanation(_ limit: MetricsLimit) -> String {
        switch limit {
        case .maxConnections:
            return "\(connectionCap) connections already open, the cap that keeps file descriptors for the tail's inputs"
        case .idleTimeout:
            return "idle for \(limits.idleTimeout)"
        case .headerTimeout:
            return "request head not complete \(limits.headerTimeout) after its first byte"
        case .readTimeout:
            return "request body paused longer than \(limits.readTimeout)"
        case .writeTimeout:
            return "answer not taken by the client within \(limits.writeTimeout)"
        case .headTooLarge:
            return "request head over \(limits.maxHeadBytes) bytes"
        case .bodyTooLarge:
            return "request body over \(limits.maxBodyBytes) bytes"
        case .pipelinedRequests:
            return "more than \(limits.maxPipelinedRequests) requests waiting for their answers (pipelined, not read)"
        }
    }
}
