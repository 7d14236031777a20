import Foundation
import GRDB
import Logging
import Testing
import VigilMetrics

@testable import VigilCore

#if canImport(Glibc)
    import Glibc
#endif

/// Issue 17, item 4, "tail health": each input's state in `/metrics`, `/healthz` and
/// `vigil status` (readable, lag, last event, last read, errors, silence), and a metrics
/// server that stops gracefully.
@Suite(.serialized) struct TailHealthTests {
    /// A running `vigil tail` with its metrics endpoint, its standard error kept.
    final class TailRun {
        let process = Process()
        let port: Int
        private let errors = Pipe()
        private let collected = LockedBox<Data>(Data())

        init(_ arguments: [String], in dir: TempDir) throws {
            port = 20_000 + Int(UInt16.random(in: 0..<30_000))
            process.executableURL = URL(fileURLWithPath: TailProcessTests.binary)
            process.arguments = ["tail", "--metrics-listen", "127.0.0.1:\(port)"] + arguments
            process.currentDirectoryURL = dir.url
            process.standardOutput = FileHandle.nullDevice
            process.standardError = errors
            let collected = self.collected
            errors.fileHandleForReading.readabilityHandler = { handle in
                let data = handle.availableData
                collected.update { $0.append(data) }
            }
            try process.run()
        }

        func get(_ path: String) -> (Int, String)? { MetricsTests.get("http://127.0.0.1:\(port)\(path)") }

        /// Polls `path` until `done` accepts the answer (at most `seconds`); the last answer.
        func poll(_ path: String, seconds: Double = 10, until done: ((Int, String)?) -> Bool) -> (Int, String)? {
            var answer: (Int, String)?
            let deadline = Date().addingTimeInterval(seconds)
            repeat {
                answer = get(path)
                if done(answer) { break }
                usleep(100_000)
            } while Date() < deadline
            return answer
        }

        /// SIGTERM, then its exit status and everything it wrote on standard error.
        func stop() -> (Int32, String) {
            process.terminate()
            process.waitUntilExit()
            errors.fileHandleForReading.readabilityHandler = nil
            let rest = errors.fileHandleForReading.readDataToEndOfFile()
            collected.update { $0.append(rest) }
            return (process.terminationStatus, String(decoding: collected.value, as: UTF8.self))
        }
    }

    /// The value of one series in a Prometheus exposition.
    static func value(_ text: String, _ series: String) -> Double? {
        text.split(separator: "\n").first { $0.hasPrefix(series + " ") }.flatMap { Double($0.dropFirst(series.count + 1)) }
    }

    /// MCP JSON lines `first..<first + count` of one fixed sequence (times increasing).
    static func lines(_ count: Int, from first: Int = 0) -> String {
        tailTestLines(count: first + count, seed: 61)[first...].joined(separator: "\n") + "\n"
    }

    /// Before: `vigil tail` looked healthy while reading nothing, with no per-input metric.
    /// Now a file that can be read and a path that cannot each have `vigil_input_up`,
    /// `vigil_input_errors_total` and (when known) `vigil_input_lag_bytes`, and `vigil status`
    /// lists each input with its state, lag, last event and last error.
    @Test func eachInputHasItsStateInMetricsAndStatus() throws {
        let dir = TempDir()
        let log = dir.path("app.jsonl")
        try Self.lines(20).write(toFile: log, atomically: false, encoding: .utf8)
        let folder = dir.path("not-a-file.jsonl")
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: false)
        let database = dir.path("t.sqlite")
        let tail = try TailRun(["--db", database, "--format", "mcp-json", "--checkpoint-interval", "0.2", log, folder], in: dir)
        let metrics =
            tail.poll("/metrics") { answer in
                answer.map {
                    Self.value($0.1, "vigil_input_up{input=\"\(folder)\"}") == 0
                        && $0.1.contains("vigil_lines_read_total{input=\"\(log)\"} 20")
                }
                    ?? false
            }?.1 ?? ""
        #expect(Self.value(metrics, "vigil_input_up{input=\"\(log)\"}") == 1, "\(metrics)")
        #expect(Self.value(metrics, "vigil_input_up{input=\"\(folder)\"}") == 0, "\(metrics)")
        #expect(Self.value(metrics, "vigil_input_errors_total{input=\"\(folder)\"}") == 1, "counted once, not per retry: \(metrics)")
        #expect(Self.value(metrics, "vigil_input_errors_total{input=\"\(log)\"}") == 0)
        #expect(Self.value(metrics, "vigil_input_lag_bytes{input=\"\(log)\"}") == 0)
        #expect((Self.value(metrics, "vigil_input_last_event_timestamp_seconds{input=\"\(log)\"}") ?? 0) > 1_790_000_000)
        #expect(Self.value(metrics, "vigil_inputs_unlabelled") == 0)
        // The heartbeat is written at each checkpoint (here every 0.2 s) and every 15 s.
        var status = try runVigil(["status", "--db", database])
        for _ in 0..<50 where !status.out.contains("last event") {
            usleep(100_000)
            status = try runVigil(["status", "--db", database])
        }
        #expect(status.status == 0, "\(status.err)")
        #expect(status.out.contains("inputs (as the tail sees them):"), "\(status.out)")
        let logLine = status.out.split(separator: "\n").first { $0.contains("\(log): ") }.map(String.init) ?? ""
        #expect(logLine.contains("readable, caught up, last event") && logLine.contains("last read"), "\(status.out)")
        let folderLine = status.out.split(separator: "\n").first { $0.contains("\(folder): CANNOT READ") }.map(String.init) ?? ""
        #expect(folderLine.contains("1 error, last error: ") && folderLine.contains("directory"), "\(status.out)")
        let json = try runVigil(["status", "--db", database, "--output", "json"]).out
        let object = try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any]
        let health = (object?["tail"] as? [String: Any])?["input_health"] as? [[String: Any]] ?? []
        #expect(health.count == 2, "\(json)")
        #expect(health.first { $0["path"] as? String == log }?["lag_bytes"] as? Int == 0, "\(json)")
        #expect(health.first { $0["path"] as? String == folder }?["readable"] as? Bool == false, "\(json)")
        let (exit, _) = tail.stop()
        #expect(exit == 2, "an input could not be read")
    }

    /// `--silent-after`: an input that has read nothing for longer makes `/healthz` answer 503
    /// naming it, `vigil status` say SILENT and `vigil_input_silent` 1; a new line ends it.
    @Test func aSilentInputMakesTheTailUnhealthyUntilItWritesAgain() throws {
        let dir = TempDir()
        let log = dir.path("app.jsonl")
        try Self.lines(5).write(toFile: log, atomically: false, encoding: .utf8)
        let database = dir.path("t.sqlite")
        let tail = try TailRun(["--db", database, "--format", "mcp-json", "--silent-after", "2s", log], in: dir)
        let first = tail.poll("/healthz") { $0 != nil }
        #expect(first?.0 == 200, "just read: not silent yet: \(String(describing: first))")
        let silent = tail.poll("/healthz", seconds: 8) { $0?.0 == 503 }
        #expect(silent?.0 == 503, "\(String(describing: silent))")
        #expect(silent?.1.contains("\(log): silent, nothing read for") == true, "\(String(describing: silent))")
        #expect(silent?.1.contains("(--silent-after 2s)") == true, "\(String(describing: silent))")
        let metrics = tail.get("/metrics")?.1 ?? ""
        #expect(Self.value(metrics, "vigil_input_silent{input=\"\(log)\"}") == 1, "\(metrics)")
        #expect(Self.value(metrics, "vigil_inputs_silent") == 1, "\(metrics)")
        let status = try runVigil(["status", "--db", database])
        #expect(status.out.contains("\(log): SILENT (nothing read for"), "\(status.out)")
        #expect(status.out.contains("--silent-after 2s)"), "\(status.out)")

        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
        try handle.seekToEnd()
        try handle.write(contentsOf: Data(Self.lines(1, from: 5).utf8))
        try handle.close()
        let again = tail.poll("/healthz") { $0?.0 == 200 }
        #expect(again?.0 == 200, "a new line ends the silence: \(String(describing: again))")
        #expect(Self.value(tail.get("/metrics")?.1 ?? "", "vigil_input_silent{input=\"\(log)\"}") == 0)
        let (exit, errors) = tail.stop()
        #expect(exit == 0)
        // Said in the log too, for a tail run without metrics.
        #expect(errors.contains("\(log): silent, nothing read for") && errors.contains("(--silent-after 2s)"), "\(errors)")
        #expect(errors.contains("\(log): reading again after a silence"), "\(errors)")
        let bad = try runVigil(["tail", "--db", database, "--silent-after", "soon", log])
        #expect(bad.status == 2 && bad.err.contains("--silent-after soon"), "\(bad.err)")
    }

    /// Stopping the tail stopped its metrics server by cancelling the server's task:
    /// Hummingbird logged two error lines at every stop, and a connection accepted meanwhile
    /// could crash the process (NIOAsyncWriter precondition). Stopped gracefully now.
    @Test func stoppingTheTailLogsNoServerErrors() throws {
        let dir = TempDir()
        let log = dir.path("app.jsonl")
        try Self.lines(5).write(toFile: log, atomically: false, encoding: .utf8)
        let tail = try TailRun(["--db", dir.path("t.sqlite"), "--format", "mcp-json", log], in: dir)
        #expect(tail.poll("/metrics") { $0?.0 == 200 }?.0 == 200)
        // A connection left open (keep-alive, idle) when the stop comes.
        let idle = try TestTCPClient(port: tail.port)
        idle.send(MetricsHardeningTests.scrape)
        #expect(idle.readResponse().hasPrefix("HTTP/1.1 200"))
        let (exit, errors) = tail.stop()
        #expect(exit == 0, "\(errors)")
        let errorLines = errors.split(separator: "\n").filter { $0.contains(" error ") || $0.contains("critical") }
        #expect(errorLines.isEmpty, "\(errorLines)")
        #expect(errors.contains("vigil tail: stopped after"), "\(errors)")
    }

    /// `vigil tail` stopped 25 times with connections in flight on its metrics endpoint
    /// (an answer being written, a head half sent, one idle): cancelling the server crashed
    /// the process now and then (NIOAsyncWriter precondition); a graceful stop never does, and
    /// the process exits cleanly and promptly.
    ///
    /// A process per round, not servers in this test process: here the cooperative pool is
    /// shared with the suite's blocking tests, and a stop waited 30 s for a thread (the tail's
    /// own pool is free; its stop gives up after 3 s and the process exits anyway).
    @Test func theTailStopsGracefullyWithConnectionsInFlight() throws {
        let dir = TempDir()
        let log = dir.path("app.jsonl")
        try Self.lines(5).write(toFile: log, atomically: false, encoding: .utf8)
        var slowest = Duration.zero
        for round in 0..<25 {
            let tail = try TailRun(["--db", dir.path("t.sqlite"), "--format", "mcp-json", log], in: dir)
            #expect(tail.poll("/metrics") { $0?.0 == 200 }?.0 == 200, "round \(round)")
            var clients: [TestTCPClient] = []
            for kind in 0..<3 {
                guard let client = try? TestTCPClient(port: tail.port) else { continue }
                switch kind {
                case 0: client.send(MetricsHardeningTests.scrape)  // an answer being written
                case 1: client.send("GET /metr")  // a head half sent
                default: break  // connected, nothing sent
                }
                clients.append(client)
            }
            if round % 2 == 0 { usleep(2_000) }  // sometimes accepted and set up, sometimes not yet
            let began = ContinuousClock.now
            let (exit, errors) = tail.stop()
            slowest = max(slowest, ContinuousClock.now - began)
            #expect(exit == 0, "round \(round): \(errors)")
            #expect(!errors.contains("NIOAsyncWriter") && !errors.contains("Fatal error"), "round \(round): \(errors)")
            if exit != 0 { break }
        }
        #expect(slowest < .seconds(10), "the slowest stop took \(slowest)")
    }

    /// A delivery row the store cannot read showed as "no sinks" in `/metrics` (`try?`). Now
    /// the read failure is counted in `vigil_metrics_errors_total{source="alert_outbox"}` and
    /// logged with the row and column; the rest of the scrape still answers.
    @Test func anUnreadableAlertOutboxIsCountedAndLogged() throws {
        let dir = TempDir()
        let log = dir.path("app.jsonl")
        try Self.lines(5).write(toFile: log, atomically: false, encoding: .utf8)
        let database = dir.path("t.sqlite")
        let tail = try TailRun(["--db", database, "--format", "mcp-json", "--checkpoint-interval", "0.2", log], in: dir)
        let before = tail.poll("/metrics") { $0?.1.contains("vigil_lines_read_total{input=\"\(log)\"} 5") == true }?.1 ?? ""
        #expect(Self.value(before, "vigil_metrics_errors_total{source=\"alert_outbox\"}") == 0, "\(before)")
        let store = try FindingStore(path: database)
        try store.pool.write { db in
            try db.execute(
                sql: """
                    INSERT INTO alert_delivery (alert_id, sink, status, attempts, next_attempt_at, last_error, updated_at)
                    VALUES (1, 'webhook', 'pending', 'many', 0, NULL, 0)
                    """)
        }
        usleep(1_100_000)  // the outbox is read at most once a second
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
        try handle.seekToEnd()
        try handle.write(contentsOf: Data(Self.lines(1, from: 5).utf8))
        try handle.close()
        let after =
            tail.poll("/metrics") { answer in
                guard let text = answer?.1 else { return false }
                return (Self.value(text, "vigil_metrics_errors_total{source=\"alert_outbox\"}") ?? 0) >= 1
                    && text.contains("vigil_lines_read_total{input=\"\(log)\"} 6")
            }?.1
            ?? ""
        #expect((Self.value(after, "vigil_metrics_errors_total{source=\"alert_outbox\"}") ?? 0) >= 1, "\(after)")
        #expect(after.contains("vigil_lines_read_total{input=\"\(log)\"} 6"), "the scrape still answers")
        let (_, errors) = tail.stop()
        #expect(
            errors.contains("cannot read the alert outbox") && errors.contains("alert_delivery row") && errors.contains("attempts"),
            "\(errors)")
    }

    /// Per-input series are capped: a glob over a busy directory must not make a series per
    /// file without bound.
    @Test func perInputSeriesAreCapped() throws {
        let metrics = TailMetrics()
        var status = TailStatus()
        let count = TailMetrics.maxLabelledInputs + 6
        status.inputHealth = (0..<count).map { InputHealth(path: "/logs/f\($0).log", readable: true, lagBytes: 0, lastReadAt: 0) }
        metrics.update(status, alertSinks: [])
        let text = String(decoding: metrics.render(), as: UTF8.self)
        let upSeries = text.split(separator: "\n").filter { $0.hasPrefix("vigil_input_up{") }
        #expect(upSeries.count == TailMetrics.maxLabelledInputs)
        #expect(Self.value(text, "vigil_inputs_unlabelled") == 6, "\(text.prefix(400))")
        // An input no longer followed loses its gauges (no stale "up").
        status.inputHealth.removeFirst()
        metrics.update(status, alertSinks: [])
        let after = String(decoding: metrics.render(), as: UTF8.self)
        #expect(!after.contains("vigil_input_up{input=\"/logs/f0.log\"}"))
    }

    /// The heartbeat's per-input health is read back with checks: a bad value stops `status`
    /// with an error naming the row and column (exit 2), never a crash or a silent skip.
    @Test func aBadInputHealthInTheHeartbeatIsAnError() throws {
        let dir = TempDir()
        let database = dir.path("t.sqlite")
        let store = try FindingStore(path: database)
        try store.updateService(
            TailService(
                pid: 1, startedAt: 0, heartbeatAt: 0, stoppedAt: 0, lines: 0, events: 0, malformed: 0, alertsDropped: 0,
                inputs: ["a.log"], inputHealth: [InputHealth(path: "a.log", readable: true, lagBytes: 3)], silentAfter: 60_000))
        #expect(try store.tailService()?.inputHealth.first?.lagBytes == 3, "written and read back")
        for bad in [#"{"problems":[],"inputs":[{"path":"a.log","readable":true,"lag_bytes":-5,"errors":0,"rotated":false}]}"#, "{not json"]
        {
            try store.pool.write { db in try db.execute(sql: "UPDATE service SET problems = ?", arguments: [bad]) }
            let status = try runVigil(["status", "--db", database])
            #expect(status.status == 2, "\(status.out)")
            #expect(status.err.contains("service row tail: column problems"), "\(status.err)")
        }
    }
}
