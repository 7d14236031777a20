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
    /// Inputs with series of their own: the first `maxLabelledInputs` paths seen, kept for the
    /// run (a path that comes back gets its series back). Inputs are configured paths and
    /// globs, but a glob over a busy directory can match thousands of files, and each label
    /// value is a series Prometheus keeps: beyond the cap, inputs are counted in
    /// `vigil_inputs_unlabelled` and shown by `vigil status` only.
    private var labelledInputs: Set<String> = []
    /// The gauge keys of each labelled input, to remove them when it is no longer followed
    /// (a stale `vigil_input_up 1` for a file closed at its end would mislead).
    private var inputGaugeKeys: [String: Set<String>] = [:]
    /// The inputs' health and `--silent-after` as of the last update: silence is judged at
    /// each scrape, against the wall clock then.
    private var health: [InputHealth] = []
    private var silentAfter: Int64?

    /// Inputs with their own series at most (see `labelledInputs`).
    package static let maxLabelledInputs = 64

    package init() {
        // Present from the start, so dashboards and alerts see zeros rather than no series.
        gauge("vigil_up", [], help: "1 while vigil tail runs.").set(1.0)
        _ = counter("vigil_alerts_dropped_total", [], help: "Alerts not queued because a sink's queue was full.")
        for limit in MetricsLimit.allCases { _ = refusals(limit) }
        for source in MetricsErrorSource.allCases { _ = errors(source) }
        gauge("vigil_inputs_unlabelled", [], help: unlabelledHelp).set(0.0)
    }

    private var unlabelledHelp: String {
        "Inputs followed without series of their own (beyond the first \(Self.maxLabelledInputs) paths); see `vigil status`."
    }

    private func errors(_ source: MetricsErrorSource) -> Counter {
        counter(
            "vigil_metrics_errors_total", [("source", source.rawValue)],
            help:
                "Scrapes or updates that could not read part of the tail's state (the series of that part keep their last values), by source."
        )
    }

    /// Part of the state could not be read for the metrics (the reason is logged).
    package func countError(_ source: MetricsErrorSource) {
        lock.lock()
        defer { lock.unlock() }
        errors(source).increment()
    }

    /// Whether `path` has series of its own, giving it a place if one is free.
    private func labelled(_ path: String) -> Bool {
        if labelledInputs.contains(path) { return true }
        guard labelledInputs.count < Self.maxLabelledInputs else { return false }
        labelledInputs.insert(path)
        return true
    }

    /// A gauge of one input, remembered so it can be removed with the input.
    private func inputGauge(_ name: String, _ path: String, help: String) -> Gauge {
        inputGaugeKeys[path, default: []].insert(key(name, [("input", path)]))
        return gauge(name, [("input", path)], help: help)
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
        for i in s.inputs where labelled(i.path) {
            let labels = [("input", i.path)]
            total("vigil_lines_read_total", labels, i.lines, help: "Lines read, by input.")
            total("vigil_lines_malformed_total", labels, i.malformed, help: "Lines that could not be decoded, by input.")
            inputGauge("vigil_input_unread_bytes", i.path, help: "Bytes written to an input and not read yet (as vigil_input_lag_bytes).")
                .set(Double(max(0, i.size - i.readBytes)))
            if let last = i.lastEventTime {
                inputGauge(
                    "vigil_input_last_event_timestamp_seconds", i.path,
                    help: "Event time of the newest event read, by input (Unix time)."
                )
                .set(Double(last) / 1000)
            }
        }
        updateHealth(s)
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

    /// The per-input health series, from the inputs followed now. An input met twice (a
    /// renamed file being finished beside its successor at the same path) counts as the one
    /// at its path, listed first.
    private func updateHealth(_ s: TailStatus) {
        var seen: Set<String> = []
        var unlabelled = 0
        health = s.inputHealth.filter { seen.insert($0.path).inserted }
        silentAfter = s.silentAfter
        for h in health {
            guard labelled(h.path) else {
                unlabelled += 1
                continue
            }
            inputGauge(
                "vigil_input_up", h.path, help: "1 while an input is open and being read, 0 while it cannot be (see `vigil status`)."
            )
            .set(h.readable ? 1.0 : 0.0)
            total(
                "vigil_input_errors_total", [("input", h.path)], h.errors,
                help: "Times an input became unreadable (open or read errors; a failure that lasts counts once), by input.")
            if let lag = h.lagBytes {
                inputGauge(
                    "vigil_input_lag_bytes", h.path, help: "Bytes written to an input and not read yet (its size minus the offset read)."
                )
                .set(Double(lag))
            }
            if let readAt = h.lastReadAt {
                inputGauge(
                    "vigil_input_last_read_timestamp_seconds", h.path,
                    help: "Wall time bytes were last read from an input, or it was opened (Unix time)."
                )
                .set(Double(readAt) / 1000)
            }
        }
        gauge("vigil_inputs_unlabelled", [], help: unlabelledHelp).set(Double(unlabelled))
        // Inputs no longer followed (closed at their end, or gone): their gauges go, their
        // counters stay.
        for (path, keys) in inputGaugeKeys where !seen.contains(path) && !s.inputs.contains(where: { $0.path == path }) {
            for k in keys { if let g = gauges.removeValue(forKey: k) { registry.unregisterGauge(g) } }
            inputGaugeKeys[path] = nil
        }
    }

    /// Sets the silence gauges for `now` (wall time, ms).
    private func updateSilence(now: Int64) {
        guard silentAfter != nil else { return }
        var silentCount = 0
        for h in health {
            let silent = h.isSilent(now: now, silentAfter: silentAfter)
            if silent { silentCount += 1 }
            guard labelledInputs.contains(h.path) else { continue }
            inputGauge(
                "vigil_input_silent", h.path,
                help: "1 when an input being followed has read nothing for longer than --silent-after (wall clock), else 0."
            )
            .set(silent ? 1.0 : 0.0)
        }
        gauge(
            "vigil_inputs_silent", [],
            help: "Inputs that have read nothing for longer than --silent-after (/healthz answers 503 meanwhile)."
        )
        .set(Double(silentCount))
    }

    /// The inputs silent at `now`, for `/healthz`.
    package func silentInputs(now: Int64) -> [InputHealth] {
        lock.lock()
        defer { lock.unlock() }
        return health.filter { $0.isSilent(now: now, silentAfter: silentAfter) }
    }

    /// `--silent-after` (ms) as of the last update.
    package var silenceThreshold: Int64? {
        lock.lock()
        defer { lock.unlock() }
        return silentAfter
    }

    /// The Prometheus text exposition, with silence judged at `now`.
    package func render(now: Int64 = EventTime.wallNow()) -> [UInt8] {
        lock.lock()
        defer { lock.unlock() }
        updateSilence(now: now)
        return registry.emitToBuffer()
    }
}
