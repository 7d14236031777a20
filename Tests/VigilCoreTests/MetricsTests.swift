import Foundation
import Testing
import VigilMetrics

@testable import VigilCore

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// `vigil tail --metrics-listen` and `--alert-webhook` end to end: the Prometheus endpoint
/// answers while the tail runs, and each finding reaches the webhook once.
@Suite(.serialized) struct MetricsTests {
    static func get(_ url: String) -> (Int, String)? {
        let done = DispatchSemaphore(value: 0)
        let box = LockedBox<(Int, String)?>(nil)
        URLSession.shared.dataTask(with: URL(string: url)!) { data, response, _ in
            if let http = response as? HTTPURLResponse {
                let body = String(decoding: data ?? Data(), as: UTF8.self)
                box.update { $0 = (http.statusCode, body) }
            }
            done.signal()
        }.resume()
        _ = done.wait(timeout: .now() + 5)
        return box.value
    }

    @Test func metricsEndpointAndWebhookWhileTailing() throws {
        let dir = TempDir()
        let lines = tailTestLines(count: 600, seed: 51)
        let log = dir.path("app.jsonl")
        try (lines.joined(separator: "\n") + "\n").write(toFile: log, atomically: false, encoding: .utf8)
        let receiver = try TestHTTPReceiver(mode: .ok)
        let port = 20_000 + Int(UInt16.random(in: 0..<30_000))
        let p = Process()
        p.executableURL = URL(fileURLWithPath: TailProcessTests.binary)
        p.arguments = [
            "tail", "--db", dir.path("t.sqlite"), "--quiet", "--idle-exit", "4", "--metrics-listen", "127.0.0.1:\(port)",
            "--alert-webhook", receiver.url, log,
        ]
        p.currentDirectoryURL = dir.url
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        var metrics: String?
        for _ in 0..<60 where metrics?.contains("vigil_lines_read_total{input=\"\(log)\"} 600") != true {
            usleep(100_000)
            if let (status, body) = Self.get("http://127.0.0.1:\(port)/metrics"), status == 200 { metrics = body }
        }
        let health = Self.get("http://127.0.0.1:\(port)/healthz")
        p.waitUntilExit()
        #expect(p.terminationStatus == 0)
        #expect(health?.0 == 200)
        let text = metrics ?? ""
        #expect(text.contains("vigil_lines_read_total{input=\"\(log)\"} 600"), "\(text)")
        #expect(text.contains("vigil_events_total{outcome=\"success\"}"))
        #expect(text.contains("vigil_findings_total{detector=\"auth_failure_burst\",severity=\"P2\"}"))
        #expect(text.contains("vigil_ingest_lag_seconds"))
        #expect(text.contains("vigil_last_commit_timestamp_seconds"))
        #expect(text.contains("# HELP vigil_lines_read_total"))
        let batch = try batchFindings(lines, dir: dir)
        #expect(receiver.received.count == batch.findings.count)
        let ids = Set(
            receiver.received.compactMap { body -> String? in
                let json = try? JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any]
                return (json?["finding"] as? [String: Any])?["id"] as? String
            })
        #expect(ids == Set(batch.findings.map { String($0.prefix(14)) }))
    }

    /// Issue 18, item 3: a tail following a file whose format it cannot decide read nothing and
    /// `/healthz` still said ok. It answers 503 naming the input now, and `vigil status` says it.
    @Test func healthzIsUnhealthyWhileAnInputCannotBeRead() throws {
        let dir = TempDir()
        let log = dir.path("app.log")
        try (1...30).map { "garbage line \($0) in no format Vigil reads" }.joined(separator: "\n").appending("\n")
            .write(toFile: log, atomically: false, encoding: .utf8)
        let port = 20_000 + Int(UInt16.random(in: 0..<30_000))
        let p = Process()
        p.executableURL = URL(fileURLWithPath: TailProcessTests.binary)
        p.arguments = ["tail", "--db", dir.path("t.sqlite"), "--quiet", "--metrics-listen", "127.0.0.1:\(port)", log]
        p.currentDirectoryURL = dir.url
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        var health: (Int, String)?
        for _ in 0..<50 where health?.0 != 503 {
            usleep(100_000)
            health = Self.get("http://127.0.0.1:\(port)/healthz")
        }
        #expect(health?.0 == 503, "\(String(describing: health))")
        #expect(health?.1.contains("app.log: format not recognized") == true, "\(String(describing: health))")
        let metrics = Self.get("http://127.0.0.1:\(port)/metrics")?.1 ?? ""
        #expect(metrics.contains("vigil_inputs_unreadable 1"), "\(metrics)")
        let status = try runVigil(["status", "--db", dir.path("t.sqlite")])
        #expect(status.out.contains("app.log: format not recognized"), "\(status.out)")
        p.terminate()
        p.waitUntilExit()
        #expect(p.terminationStatus == 2, "a tail that could not read an input does not stop cleanly")
    }

    @Test func addressesAreCheckedAndLoopbackIsTold() throws {
        #expect(try MetricsAddress("127.0.0.1:9464") == MetricsAddress("127.0.0.1:9464"))
        #expect(try MetricsAddress("127.0.0.1:9464").isLoopback)
        #expect(try MetricsAddress("[::1]:9464").isLoopback)
        #expect(try !MetricsAddress("0.0.0.0:9464").isLoopback)
        #expect(throws: VigilError.self) { try MetricsAddress("9464") }
        #expect(throws: VigilError.self) { try MetricsAddress("127.0.0.1:99999") }
    }
}
