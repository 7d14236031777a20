/// A part of the tail's state the metrics endpoint reads from the database, and could fail
/// to: the `source` label of `vigil_metrics_errors_total`.
package enum MetricsErrorSource: String, CaseIterable, Sendable {
    /// The alert outbox (`alert_delivery` rows), read for the alert series once a second.
    case alertOutbox = "alert_outbox"
}
