import Foundation
import Prometheus
import VigilCore

/// The Prometheus metrics of a running `tail`, updated from its status after each commit.
///
/// The tail counts in plain integers on its hot path; here the cumulative numbers become
/// Prometheus counters (by the difference since the last update) and gauges.
package final class TailMetrics: @unchecked Sendable {
    package let registry = PrometheusCollectorRegistry()
    private let lock = NSLock()
    private var last: [String: Int64] = [:]
    private var counters: [String: Counter] = [:]
    private var gauges: [String: Gauge] = [:]

    package init() {
        // Present from the start, so dashboards and alerts see zeros rather than no series.
        gauge("vigil_up", [], help: "1 while vigil tail runs.").set(1.0)
        _ = counter("vigil_alerts_dropped_total", [], help: "Alerts not queued because a sink's queue was full.")
        for limit in MetricsLimit.allCases { _ = refusals(limit) }
    }

    private func refusals(_ limit: MetricsLimit) -> Counter {
        counter(
            "vigil_metrics_connections_refused_total", [("reason", limit.rawValue)],
            help: "Connections to this metrics endpoint refused or closed by a limit, by limit.")
    }

    /// One connection of the metrics endpoint refused or closed by `limit`.
    package func countRefusal(_ limit: MetricsLimit) {
        lock.lock()
        defer { lock.unlock() }
        refusals(limit).increment()
    }

    private func key(_ name: String, _ labels: [(String, String)]) -> String {
        ([name] + labels.map { "\($0.0)=\($0.1)" }).joined(separator: "\u{1}")
    }

    /// The series for this name and labels, registered on first use.
    private func series<M>(
        _ made: inout [String: M], _ name: String, _ labels: [(String, String)], help: String,
        _ make: (MetricNameDescriptor, [(String, String)]) -> M
    ) -> M {
        let k = key(name, labels)
        if let m = made[k] { return m }
        let m = make(MetricNameDescriptor(metricName: name, unitName: "", helpText: help), labels)
        made[k] = m
        return m
    }

    private func counter(_ name: String, _ labels: [(String, String)], help: String = "") -> Counter {
        series(&counters, name, labels, help: help) { registry.makeCounter(descriptor: $0, labels: $1) }
    }

    private func gauge(_ name: String, _ labels: [(String, String)], help: String = "") -> Gauge {
        series(&gauges, name, labels, help: help) { registry.makeGauge(descriptor: $0, labels: $1) }
    }

    /// Brings a counter up to a cumulative value.
    private func total(_ name: String, _ labels: [(String, String)], _ value: Int64, help: String) {
        let k = key(name, labels)
        let delta = value - (last[k] ?? 0)
        let c = counter(name, labels, help: help)
        if delta > 0 { c.increment(by: delta) }
        last[k] = max(value, last[k] ?? 0)
    }

    package func update(_ s: TailStatus, alertSinks: [AlertSinkStatus]) {
        lock.lock()
        defer { lock.unlock() }
        for i in s.inputs {
            let labels = [("input", i.path)]
            total("vigil_lines_read_total", labels, i.lines, help: "Lines read, by input.")
            total("vigil_lines_malformed_total", labels, i.malformed, help: "Lines that could not be decoded, by input.")
            gauge("vigil_input_unread_bytes", labels, help: "Bytes written to an input and not read yet.").set(
                Double(max(0, i.size - i.readBytes)))
            if let last = i.lastEventTime {
                gauge(
                    "vigil_input_last_event_timestamp_seconds", labels, help: "Event time of the newest event read, by input (Unix time)."
                )
                .set(Double(last) / 1000)
            }
        }
        // An input that cannot be read (a file that will not open, a format not recognized) is
        // not "no traffic": alert on this being above 0, as /healthz answers 503 meanwhile.
        gauge("vigil_inputs_unreadable", [], help: "Inputs the tail cannot read now (see `vigil status` for why).")
            .set(Double(s.problems.count))
        for (outcome, n) in s.eventsByOutcome {
            total("vigil_events_total", [("outcome", outcome)], n, help: "Events analyzed, by outcome.")
        }
        for (k, n) in s.findingsOpened {
            total(
                "vigil_findings_total", [("detector", k.detector), ("severity", k.severity.description)], Int64(n),
                help: "Findings opened, by detector and severity.")
        }
        total("vigil_alerts_dropped_total", [], Int64(s.alertsDropped), help: "Alerts not queued because a sink's queue was full.")
        total("vigil_rotations_total", [], Int64(s.rotations), help: "Input files rotated away (renamed or deleted).")
        total("vigil_truncations_total", [], Int64(s.truncations), help: "Input files truncated in place (copytruncate).")
        if let lag = s.lagMillis {
            gauge("vigil_ingest_lag_seconds", [], help: "Wall-clock time minus the newest event time read.").set(Double(lag) / 1000)
        }
        gauge("vigil_last_commit_timestamp_seconds", [], help: "When findings and offsets were last committed (Unix time).")
            .set(Double(s.committedAt) / 1000)
        let now = EventTime.wallNow()
        for a in alertSinks {
            gauge("vigil_alert_queue_depth", [("sink", a.sink)], help: "Alerts waiting to be delivered, by sink.").set(Double(a.pending))
            total("vigil_alerts_sent_total", [("sink", a.sink)], Int64(a.sent), help: "Alerts delivered, by sink.")
            total(
                "vigil_alerts_failed_total", [("sink", a.sink)], Int64(a.failed),
                help: "Alerts refused by the receiver (4xx, redirect), not retried, by sink.")
            total(
                "vigil_alerts_expired_total", [("sink", a.sink)], Int64(a.expired),
                help: "Alerts still undelivered at the end of their retry horizon, by sink.")
            // The outbox as `vigil status` shows it: undelivered alerts are visible, not only counted
            // as they happen.
            for (state, n) in [
                ("pending", a.pending), ("sent", a.sent), ("failed", a.failed), ("expired", a.expired), ("dropped", a.dropped),
            ] {
                gauge("vigil_alerts", [("sink", a.sink), ("state", state)], help: "Alerts in the outbox, by sink and state.").set(Double(n))
            }
            gauge(
                "vigil_alert_oldest_pending_age_seconds", [("sink", a.sink)],
                help: "How long the oldest undelivered alert has waited, by sink (0 when none waits)."
            ).set(a.oldestPendingAt.map { Double(max(0, now - $0)) / 1000 } ?? 0)
        }
    }

    /// The Prometheus text exposition.
    package func render() -> [UInt8] {
        lock.lock()
        defer { lock.unlock() }
        return registry.emitToBuffer()
    }
}
