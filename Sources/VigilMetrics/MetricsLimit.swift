/// A limit of the metrics endpoint that refused or closed a connection. The raw value is the
/// `reason` label of `vigil_metrics_connections_refused_total`, and says which setting of
/// `MetricsServerLimits` bit.
package enum MetricsLimit: String, CaseIterable, Sendable {
    /// More connections than the cap: closed as soon as accepted.
    case maxConnections = "max_connections"
    /// No request and no answer pending for `idleTimeout`.
    case idleTimeout = "idle_timeout"
    /// A request head not complete `headerTimeout` after its first byte (slowloris).
    case headerTimeout = "header_timeout"
    /// A request body that paused longer than `readTimeout`.
    case readTimeout = "read_timeout"
    /// An answer the client did not take within `writeTimeout`.
    case writeTimeout = "write_timeout"
    /// A request head over `maxHeadBytes` (answered 431).
    case headTooLarge = "head_too_large"
    /// A request body over `maxBodyBytes`.
    case bodyTooLarge = "body_too_large"
    /// More than `maxPipelinedRequests` requests waiting for their answers.
    case pipelinedRequests = "pipelined_requests"
}
