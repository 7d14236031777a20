import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// What `vigil status` prints: inputs with offsets and lag, the tail service, findings today
/// and the alert queues. Read from the store, with each input's file looked at for its size.
package struct StatusReport: Sendable {
    package struct Input: Sendable {
        package var path: String
        package var format: String
        package var lines: Int64
        package var offset: Int64
        /// The file's size now, if it is still at its path and is the same file.
        var currentSize: Int64?
        var lastEventTime: Int64?
        var updatedAt: Int64
        package var malformed: Int64
        /// The settings its first lines were read with (`InputRecord`), `nil` on old records:
        /// what `vigil reanalyze` reads it with unless told otherwise.
        var requestedFormat: String?
        var fixedYear: Int?
        var policyFingerprint: String?
        /// A `journal:` input's position: the cursor of the last entry analyzed.
        var cursor: String? = nil
    }

    package var now: Int64
    package var inputs: [Input] = []
    package var service: TailService?
    var findingsToday: [Severity: Int] = [:]
    package var alertSinks: [AlertSinkStatus] = []
    /// The policy the last run used, as recorded (`StatusReport+Policy.swift`).
    package var policy: RecordedPolicy?

    package static func read(_ store: some StatusQueries, now: Int64 = EventTime.wallNow()) throws -> StatusReport {
        var r = StatusReport(now: now)
        // The newest record per path: older ones are earlier generations of a rotated file.
        var newest: [String: InputRecord] = [:]
        for rec in try store.inputRecords() where (newest[rec.path]?.updatedAt ?? .min) <= rec.updatedAt { newest[rec.path] = rec }
        for rec in newest.values.sorted(by: { $0.path < $1.path }) {
            var st = stat()
            var size: Int64?
            // As recorded (relative to where it was analyzed), else by its absolute path.
            for path in [rec.path] + (rec.absolutePath.map { [$0] } ?? []) where size == nil {
                if stat(path, &st) == 0 && UInt64(st.st_ino) == rec.inode && UInt64(st.st_dev) == rec.device { size = Int64(st.st_size) }
            }
            r.inputs.append(
                Input(
                    path: rec.path, format: rec.format, lines: rec.lines, offset: rec.offset, currentSize: size,
                    lastEventTime: rec.lastEventTime, updatedAt: rec.updatedAt, malformed: rec.malformed,
                    requestedFormat: rec.requestedFormat, fixedYear: rec.fixedYear, policyFingerprint: rec.policyFingerprint,
                    cursor: rec.cursor))
        }
        r.service = try store.tailService()
        r.findingsToday = try store.findingCounts(since: now / EventTime.day * EventTime.day)
        r.alertSinks = try store.alertSinkStatus()
        r.policy = try store.lastRunPolicy()
        return r
    }

    /// A service whose heartbeat is older than this is reported as not running.
    static let staleAfter: Int64 = 60_000

    package func text() -> String {
        var out = ""
        if let s = service {
            if let stopped = s.stoppedAt {
                out += "tail: stopped at \(EventTime.format(stopped)) (pid \(s.pid))\n"
            } else if now - s.heartbeatAt > StatusReport.staleAfter {
                out +=
                    "tail: NOT RUNNING — last heartbeat \(EventTime.format(s.heartbeatAt)) (pid \(s.pid)); it was not stopped cleanly. A restart continues from the last commit.\n"
            } else {
                out += "tail: running since \(EventTime.format(s.startedAt)) (pid \(s.pid)), alive \((now - s.heartbeatAt) / 1000) s ago\n"
            }
            out +=
                "  \(NumberText.grouped(s.lines)) lines, \(NumberText.grouped(s.events)) events, \(NumberText.grouped(s.malformed)) malformed"
            if s.alertsDropped > 0 { out += ", \(s.alertsDropped) alerts dropped" }
            out += "\n  following: \(s.inputs.map(TerminalText.escape).joined(separator: " "))\n"
            for problem in s.problems { out += "  CANNOT READ: \(TerminalText.escape(problem))\n" }
            out += inputHealthText(s)
        } else {
            out += "tail: never ran on this database\n"
        }
        out += "inputs:\n"
        if inputs.isEmpty { out += "  (none)\n" }
        for i in inputs {
            out += "  \(TerminalText.escape(i.path))  [\(i.format)]  line \(NumberText.grouped(i.lines))"
            if i.path.hasPrefix("journal:") {
                // A journal's position is its cursor; journalctl knows what follows it.
                out += i.cursor.map { ", after journal cursor \(TerminalText.escape($0))" } ?? ", nothing read yet"
            } else {
                out += ", offset \(NumberText.grouped(i.offset))"
                if let size = i.currentSize {
                    let behind = max(0, size - i.offset)
                    out += behind == 0 ? ", caught up" : ", \(NumberText.grouped(behind)) bytes behind"
                } else {
                    out += ", file rotated or gone"
                }
            }
            if let t = i.lastEventTime { out += ", last event \(EventTime.format(t)) (\(StatusReport.age(now - t)) ago)" }
            if i.malformed > 0 { out += ", \(NumberText.grouped(i.malformed)) malformed" }
            if let requested = i.requestedFormat {
                // A journal's times carry their year; only year-less syslog stamps guess one.
                let year =
                    i.path.hasPrefix("journal:")
                    ? "times from the journal" : i.fixedYear.map { "--year \($0)" } ?? "the year from the file's date"
                out += "; read with --format \(requested), \(year), "
                out += i.policyFingerprint.map { "policy [\($0)]" } ?? "the built-in default policy"
            }
            out += "\n"
        }
        let today = Severity.allCases.sorted(by: >).compactMap { s in findingsToday[s].map { "\(s) \($0)" } }
        out += "findings today (UTC, by event time): \(today.isEmpty ? "none" : today.joined(separator: ", "))\n"
        if !alertSinks.isEmpty {
            out += "alerts:\n"
            for a in alertSinks {
                out += "  \(TerminalText.escape(a.sink)): \(a.pending) pending"
                // Undelivered alerts are the point of this line: how long, and when next.
                if a.pending > 0, let oldest = a.oldestPendingAt {
                    out += " (oldest \(StatusReport.age(now - oldest)) old"
                    if let next = a.nextAttemptAt {
                        out += next > now ? ", next attempt in \(StatusReport.age(max(1000, next - now)))" : ", next attempt due"
                    }
                    out += ")"
                }
                out += ", \(a.sent) sent, \(a.failed) failed, \(a.expired) expired, \(a.dropped) dropped"
                if let e = a.lastError, a.pending + a.failed + a.expired > 0 { out += " (last error: \(TerminalText.escape(e)))" }
                out += "\n"
            }
        }
        out += policyText()
        return out
    }

    /// Whether the heartbeat is of a tail running now: only then is silence judged.
    func isRunning(_ s: TailService) -> Bool {
        s.stoppedAt == nil && now - s.heartbeatAt <= StatusReport.staleAfter
    }

    /// The tail's own view of each input, from its heartbeat: readable or not (and the last
    /// error), silent, bytes behind, the last event and the last read.
    func inputHealthText(_ s: TailService) -> String {
        guard !s.inputHealth.isEmpty else { return "" }
        let running = isRunning(s)
        var out = running ? "  inputs (as the tail sees them):\n" : "  inputs (as the tail last saw them):\n"
        for h in s.inputHealth {
            out += "    \(TerminalText.escape(h.path)): "
            if !h.readable {
                out += "CANNOT READ"
            } else if running && h.isSilent(now: now, silentAfter: s.silentAfter) {
                let quiet = h.lastReadAt.map { StatusReport.age(now - $0) } ?? "?"
                out += "SILENT (nothing read for \(quiet); --silent-after \(s.silentAfter.map(DurationText.format) ?? "?"))"
            } else {
                out += h.rotated ? "rotated, reading it to its end" : "readable"
            }
            if let lag = h.lagBytes { out += lag == 0 ? ", caught up" : ", \(NumberText.grouped(lag)) bytes behind" }
            if let t = h.lastEventTime { out += ", last event \(StatusReport.age(now - t)) ago" }
            if let t = h.lastReadAt { out += ", last read \(StatusReport.age(now - t)) ago" }
            if h.errors > 0 { out += ", \(h.errors) error\(h.errors == 1 ? "" : "s")" }
            if let e = h.lastError { out += ", last error: \(TerminalText.escape(e))" }
            out += "\n"
        }
        return out
    }

    /// `45 s`, `12 min`, `5 h`, `3 days`: how far behind wall time an input's last event is.
    package static func age(_ ms: Int64) -> String {
        let s = max(0, ms / 1000)
        if s < 120 { return "\(s) s" }
        if s < 7200 { return "\(s / 60) min" }
        if s < 172_800 { return "\(s / 3600) h" }
        return "\(s / 86400) days"
    }

    /// A JSON string literal (escaped), for the hand-built JSON of `json()`.
    static func jsonString(_ s: String) -> String {
        var o = ""
        JSONText.appendQuoted(s, to: &o)
        return o
    }

    /// A JSON number, or `null`.
    static func jsonNumber(_ v: Int64?) -> String { v.map(String.init) ?? "null" }

    package func json() -> String {
        let q = StatusReport.jsonString, opt = StatusReport.jsonNumber
        var parts: [String] = []
        parts.append("\"now\":\(now)")
        if let s = service {
            let running = isRunning(s)
            let health = s.inputHealth.map { h in
                "{\"path\":\(q(h.path)),\"readable\":\(h.readable),\"silent\":\(running && h.isSilent(now: now, silentAfter: s.silentAfter)),"
                    + "\"rotated\":\(h.rotated),\"lag_bytes\":\(opt(h.lagBytes)),\"last_event_time\":\(opt(h.lastEventTime)),"
                    + "\"last_read_at\":\(opt(h.lastReadAt)),\"errors\":\(h.errors),\"last_error\":\(h.lastError.map(q) ?? "null")}"
            }
            parts.append(
                """
                "tail":{"pid":\(s.pid),"running":\(running),"started_at":\(s.startedAt),"heartbeat_at":\(s.heartbeatAt),\
                "stopped_at":\(opt(s.stoppedAt)),"lines":\(s.lines),"events":\(s.events),"malformed":\(s.malformed),\
                "alerts_dropped":\(s.alertsDropped),"inputs":[\(s.inputs.map(q).joined(separator: ","))],\
                "problems":[\(s.problems.map(q).joined(separator: ","))],"silent_after_ms":\(opt(s.silentAfter)),\
                "input_health":[\(health.joined(separator: ","))]}
                """)
        } else {
            parts.append("\"tail\":null")
        }
        let ins = inputs.map { i in
            "{\"path\":\(q(i.path)),\"format\":\(q(i.format)),\"lines\":\(i.lines),\"offset\":\(i.offset),\"size\":\(opt(i.currentSize)),"
                + "\"last_event_time\":\(opt(i.lastEventTime)),\"updated_at\":\(i.updatedAt),\"malformed\":\(i.malformed),"
                + "\"cursor\":\(i.cursor.map(q) ?? "null"),\"read_with\":\(i.requestedFormat == nil ? "null" : "{\"format\":\(q(i.requestedFormat!)),\"year\":\(opt(i.fixedYear.map(Int64.init))),\"policy_fingerprint\":\(i.policyFingerprint.map(q) ?? "null")}")}"
        }
        parts.append("\"inputs\":[\(ins.joined(separator: ","))]")
        let today = Severity.allCases.map { "\"\($0)\":\(findingsToday[$0] ?? 0)" }
        parts.append("\"findings_today\":{\(today.joined(separator: ","))}")
        parts.append("\"policy\":\(policyJSON())")
        let sinks = alertSinks.map { a in
            "{\"sink\":\(q(a.sink)),\"pending\":\(a.pending),\"sent\":\(a.sent),\"failed\":\(a.failed),\"dropped\":\(a.dropped),"
                + "\"expired\":\(a.expired),\"oldest_pending_at\":\(opt(a.oldestPendingAt)),\"next_attempt_at\":\(opt(a.nextAttemptAt))}"
        }
        parts.append("\"alerts\":[\(sinks.joined(separator: ","))]")
        return "{" + parts.joined(separator: ",") + "}\n"
    }
}
