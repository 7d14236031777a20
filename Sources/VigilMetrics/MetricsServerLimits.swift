import VigilCore

/// What one client of the metrics endpoint may hold: connections, request size, time and
/// buffered output.
///
/// The endpoint shares the tail's process, so a client that holds connections open holds
/// the tail's file descriptors, and one that pipelines requests without reading the answers
/// holds its memory (issue 18, item 6: about 1,000 idle connections left the tail unable to
/// open rotated logs). Prometheus needs one short connection per scrape; everything beyond
/// that is refused or closed here, counted in `vigil_metrics_connections_refused_total` and
/// logged once per kind and interval.
package struct MetricsServerLimits: Sendable, Equatable {
    /// Open connections at most; more are accepted and closed at once (so they do not wait
    /// in the kernel's queue holding a client). Also kept at most a quarter of the soft
    /// descriptor limit (`descriptorShare`), so the tail's inputs always find descriptors.
    package var maxConnections = 16
    /// Request line and headers together, in bytes; a longer head is answered 431 and closed.
    /// A scrape sends a few hundred bytes.
    package var maxHeadBytes = 8 * 1024
    /// Request body bytes; the endpoint answers GETs, a longer body closes the connection.
    package var maxBodyBytes = 4 * 1024
    /// Requests received and not yet answered on one connection. Reading stops while an
    /// answer is not written out, so only requests that arrived in the same read pile up;
    /// more than this closes the connection.
    package var maxPipelinedRequests = 4
    /// Bytes of answers buffered for one connection before its writer waits (the channel's
    /// high write watermark).
    package var maxBufferedOutputBytes = 64 * 1024
    /// A connection with no request in progress and no answer pending is closed after this.
    package var idleTimeout: Duration = .seconds(30)
    /// A request head must be complete this long after its first byte (slowloris).
    package var headerTimeout: Duration = .seconds(10)
    /// A request body may pause this long between bytes.
    package var readTimeout: Duration = .seconds(10)
    /// An answer must be written out (taken by the client's socket) within this.
    package var writeTimeout: Duration = .seconds(10)
    /// One log line per kind of limit at most this often; the metric counts every refusal.
    package var logInterval: Duration = .seconds(60)

    /// The part of the soft descriptor limit the endpoint may use for connections.
    package static let descriptorShare = 4

    package init() {}

    /// The limits in a sentence, for `vigil tail --help` and the log.
    package var summary: String {
        """
        at most \(maxConnections) connections (and a quarter of the open-file limit); a connection is closed after \
        \(idleTimeout.components.seconds) s idle, \(headerTimeout.components.seconds) s to send a request head, \
        \(writeTimeout.components.seconds) s to take an answer, or with over \(maxPipelinedRequests) requests unanswered; \
        a head over \(maxHeadBytes / 1024) KiB gets 431
        """
    }

    /// `maxConnections`, lowered to a quarter of `descriptorLimit` (the soft
    /// RLIMIT_NOFILE) when that is smaller, and at least 1.
    package func connectionCap(descriptorLimit: Int) -> Int {
        max(1, min(maxConnections, descriptorLimit / Self.descriptorShare))
    }
}
