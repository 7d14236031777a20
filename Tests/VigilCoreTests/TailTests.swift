import Foundation
import Logging
import Testing

@testable import VigilCore

#if canImport(Glibc)
    import Glibc
#endif

/// MCP log lines with unique request ids and strictly increasing times, with bursts of
/// failures, forbidden calls and 429s so that several detectors raise findings.
func tailTestLines(count: Int, seed: UInt64) -> [String] {
    var rng = SplitMix64(seed: seed)
    var lines: [String] = []
    var t = EventTime.millis(year: 2026, month: 11, day: 20, hour: 8, minute: 0, second: 0)
    var burst = 0
    var burstIP = ""
    var burstStatus = 401
    for i in 0..<count {
        t += Int64(rng.next() % 4000) + 1
        let stamp = EventTime.format(t)
        var status = 200
        var ip = "192.0.2.\(rng.next() % 20 + 1)"
        var key = "key_\(rng.next() % 12)"
        if burst == 0 && rng.next() % 60 == 0 {
            burst = Int(rng.next() % 8) + 4
            burstIP = "203.0.113.\(rng.next() % 200 + 1)"
            burstStatus = [401, 401, 403, 429][Int(rng.next() % 4)]
        }
        if burst > 0 {
            burst -= 1
            status = burstStatus
            ip = burstIP
            key = "key_bad\(burstIP.split(separator: ".").last!)"
        }
        let code: String
        switch status {
        case 401: code = "\"AUTH_FAILED\""
        case 403: code = "\"FORBIDDEN\""
        case 429: code = "\"RATE_LIMITED\""
        default: code = "null"
        }
        lines.append(
            """
            {"timestamp": "\(stamp)", "level": "INFO", "service": "mcp-service", "operation": "execute_tool", "server_name": "mcp-github", \
            "client_ip": "\(ip)", "request_id": "q-\(i)", "duration_ms": 5, "status_code": \(status), "error_code": \(code), \
            "message": "m", "tool_name": "tool_\(rng.next() % 5)", "user_id": "u_\(rng.next() % 9)", "api_key_id": "\(key)"}
            """)
    }
    return lines
}

/// `q-3 q-4 q-5 q-9` as `3-5 9`, for failure messages.
func ranges(_ ids: Set<String>) -> String {
    let n = ids.compactMap { Int($0.dropFirst(2)) }.sorted()
    var out: [String] = []
    var i = 0
    while i < n.count {
        var j = i
        while j + 1 < n.count && n[j + 1] == n[j] + 1 { j += 1 }
        out.append(i == j ? "\(n[i])" : "\(n[i])-\(n[j])")
        i = j + 1
    }
    return out.joined(separator: " ")
}

/// What must be equal between two runs: the findings' ids and numbers (evidence names files
/// and lines, which differ after rotation), and the hourly counts.
func comparableFindings(_ store: FindingStore) throws -> [String] {
    try store.findings(FindingQuery()).map {
        "\($0.id) \($0.detector)/\($0.rule) \($0.severity) \($0.count) \($0.firstSeen) \($0.lastSeen)"
    }.sorted()
}

func hourlyRows(_ store: FindingStore) throws -> [String] {
    try store.hourlyCounts().map { "\($0.hour) \($0.source) \($0.server) \($0.outcome) \($0.events) \($0.attempts)" }
}

/// The batch answer: all lines in one file, analyzed at once.
func batchFindings(_ lines: [String], dir: TempDir) throws -> (findings: [String], hourly: [String]) {
    let path = dir.path("batch.jsonl")
    try (lines.joined(separator: "\n") + "\n").write(toFile: path, atomically: true, encoding: .utf8)
    let store = try FindingStore(path: dir.path("batch.sqlite"))
    _ = try Analyzer(store: store, options: Analyzer.Options()).run(paths: [path])
    return (try comparableFindings(store), try hourlyRows(store))
}

/// A Tailer running on its own thread, with the events it consumed.
final class BackgroundTail: @unchecked Sendable {
    let tailer: Tailer
    let stop = StopSignal()
    let consumed = LockedBox<[String]>([])
    private let done = DispatchSemaphore(value: 0)
    private(set) var summary: Tailer.Summary?
    private(set) var error: Error?

    let reload = SignalFlag()

    init(store: FindingStore, patterns: [String], options: Tailer.Options, reloadPolicy: (() throws -> (Policy, Enricher?))? = nil) {
        var logger = Logger(label: "test.tail")
        logger.logLevel = ProcessInfo.processInfo.environment["VIGIL_TEST_LOG"] == nil ? .warning : .debug
        tailer = Tailer(store: store, patterns: patterns, options: options, logger: logger)
        tailer.eventTap = { [consumed] e in consumed.update { $0.append(e.requestID.string) } }
        tailer.reloadPolicy = reloadPolicy
        let thread = Thread { [self] in
            do { summary = try tailer.run(stop: stop, reload: reload) } catch { self.error = error }
            done.signal()
        }
        thread.start()
    }

    var count: Int { consumed.value.count }

    /// Waits until `n` events were consumed; false on timeout.
    func waitFor(_ n: Int, timeout: TimeInterval = 20) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while count < n {
            if Date() > deadline { return false }
            usleep(2_000)
        }
        return true
    }

    func finish() {
        stop.request()
        done.wait()
    }
}

/// Appends bytes to a log the way a logger does (O_APPEND), and rotates it.
final class LogWriter {
    let path: String
    private var fd: Int32

    init(path: String) {
        self.path = path
        fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
    }

    deinit { close(fd) }

    func write(_ bytes: ArraySlice<UInt8>) {
        var rest = bytes
        while !rest.isEmpty {
            let n = rest.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
            precondition(n > 0)
            rest = rest.dropFirst(n)
        }
    }

    enum Rotation: CaseIterable { case rename, copytruncate, recreate }

    func rotate(_ kind: Rotation, to rotated: String) {
        switch kind {
        case .rename:
            Glibc.rename(path, rotated)
            close(fd)
            fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
        case .copytruncate:
            let data = FileManager.default.contents(atPath: path)!
            _ = FileManager.default.createFile(atPath: rotated, contents: data)
            ftruncate(fd, 0)
        case .recreate:
            unlink(path)
            close(fd)
            fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
        }
    }
}

@Suite(.serialized) struct TailTests {
    static func fastOptions(inotify: Bool) -> Tailer.Options {
        var o = Tailer.Options()
        o.checkpointInterval = 150
        o.rotatedGrace = 300
        o.rescanInterval = 200
        o.pollInterval = 20
        o.useInotify = inotify
        return o
    }

    /// Random chunk sizes (lines split across writes) and random rotations (rename,
    /// copytruncate, delete and recreate) while the tail runs: the exact multiset of lines is
    /// consumed, and the findings (ids, severities, counts) and hourly counts equal a batch run.
    @Test(arguments: [(UInt64(2), true), (1, true), (3, true), (4, false), (5, true), (6, false)])
    func rotationsUnderRandomChunksMatchBatch(seed: UInt64, inotify: Bool) throws {
        let dir = TempDir()
        let lines = tailTestLines(count: 1500, seed: seed)
        let bytes = Array((lines.joined(separator: "\n") + "\n").utf8)
        var lineStarts: [Int] = [0]
        for (i, b) in bytes.enumerated() where b == 0x0a { lineStarts.append(i + 1) }
        let log = dir.path("app.jsonl")
        let writer = LogWriter(path: log)
        let store = try FindingStore(path: dir.path("tail.sqlite"))
        let tail = BackgroundTail(store: store, patterns: [dir.path("*.jsonl")], options: Self.fastOptions(inotify: inotify))

        var rng = SplitMix64(seed: seed &* 7919)
        var written = 0
        var fileStartLine = 0
        var rotations = 0
        while written < bytes.count {
            let chunk = min(bytes.count - written, Int(rng.next() % 3000) + 1)
            writer.write(bytes[written..<(written + chunk)])
            written += chunk
            if rng.next() % 4 == 0 { usleep(UInt32(rng.next() % 15_000)) }
            if rng.next() % 5 == 0 && written < bytes.count {
                // Loggers rotate between lines: finish the current one first.
                if bytes[written - 1] != 0x0a, let end = lineStarts.first(where: { $0 > written }) {
                    writer.write(bytes[written..<end])
                    written = end
                }
                let linesWritten = lineStarts.firstIndex(of: written)!
                guard linesWritten > fileStartLine, written < bytes.count else { continue }
                // Vigil must have seen a file before it is rotated away (with inotify: at once).
                #expect(tail.waitFor(fileStartLine + 1), "tail did not reach the current file: \(tail.tailer.inputsDescription)")
                rotations += 1
                let kind = LogWriter.Rotation.allCases[Int(rng.next() % 3)]
                writer.rotate(kind, to: log + ".\(rotations)")
                fileStartLine = linesWritten
            }
        }
        #expect(tail.waitFor(lines.count), "consumed \(tail.count) of \(lines.count)")
        usleep(300_000)  // let a late duplicate show up, if there were one
        tail.finish()
        #expect(tail.error == nil, "\(String(describing: tail.error))")
        let consumed = tail.consumed.value
        let expected = (0..<lines.count).map { "q-\($0)" }
        let missing = Set(expected).subtracting(consumed)
        var seen = Set<String>()
        let doubled = consumed.filter { !seen.insert($0).inserted }
        #expect(
            consumed.count == lines.count && missing.isEmpty && doubled.isEmpty,
            "consumed \(consumed.count) of \(lines.count); missing \(ranges(missing)); doubled \(ranges(Set(doubled)))")
        #expect(rotations > 0)
        let batch = try batchFindings(lines, dir: dir)
        #expect(!batch.findings.isEmpty)
        #expect(try comparableFindings(store) == batch.findings)
        #expect(try hourlyRows(store) == batch.hourly)
    }

    /// A partial last line waits for its newline; a writer that never finishes it gets it read
    /// after the timeout.
    @Test func partialLinesWaitForTheirNewline() throws {
        let dir = TempDir()
        let lines = tailTestLines(count: 3, seed: 9)
        let writer = LogWriter(path: dir.path("a.jsonl"))
        var options = Self.fastOptions(inotify: true)
        options.partialLineTimeout = 800
        let tail = BackgroundTail(store: try FindingStore(path: dir.path("t.sqlite")), patterns: [dir.path("a.jsonl")], options: options)
        let first = Array((lines[0] + "\n").utf8)
        let second = Array(lines[1].utf8)
        writer.write(first[...])
        writer.write(second[..<40])
        #expect(tail.waitFor(1))
        usleep(300_000)
        #expect(tail.count == 1, "a half-written line must not be read")
        writer.write(second[40...])
        writer.write(Array("\n".utf8)[...])
        #expect(tail.waitFor(2))
        writer.write(Array(lines[2].utf8)[...])  // never finished
        #expect(tail.waitFor(3, timeout: 5))
        tail.finish()
        #expect(tail.consumed.value == ["q-0", "q-1", "q-2"])
    }

    /// Files created after the start are found (glob re-evaluated), and a restart on the same
    /// database continues each file after its last committed line.
    @Test func newFilesAndRestartContinue() throws {
        let dir = TempDir()
        let lines = tailTestLines(count: 400, seed: 11)
        let db = dir.path("t.sqlite")
        var tail = BackgroundTail(
            store: try FindingStore(path: db), patterns: [dir.path("*.jsonl")], options: Self.fastOptions(inotify: true))
        try (lines[0..<100].joined(separator: "\n") + "\n").write(toFile: dir.path("late.jsonl"), atomically: false, encoding: .utf8)
        #expect(tail.waitFor(100))
        tail.finish()
        let writer = LogWriter(path: dir.path("late.jsonl"))
        writer.write(Array((lines[100..<400].joined(separator: "\n") + "\n").utf8)[...])
        tail = BackgroundTail(store: try FindingStore(path: db), patterns: [dir.path("*.jsonl")], options: Self.fastOptions(inotify: true))
        #expect(tail.waitFor(300))
        usleep(200_000)
        tail.finish()
        #expect(tail.consumed.value == (100..<400).map { "q-\($0)" })
        let batch = try batchFindings(lines, dir: dir)
        #expect(try comparableFindings(try FindingStore(path: db)) == batch.findings)
    }

    /// `--from-end`: lines already in a file never seen before are skipped, new ones are read;
    /// a restart still continues from the last committed line, not from the end.
    @Test func fromEndSkipsExistingLinesOfNewFilesOnly() throws {
        let dir = TempDir()
        let lines = tailTestLines(count: 300, seed: 17)
        let log = dir.path("app.jsonl")
        let writer = LogWriter(path: log)
        writer.write(Array((lines[0..<100].joined(separator: "\n") + "\n").utf8)[...])
        var options = Self.fastOptions(inotify: true)
        options.startAtEnd = true
        let db = dir.path("t.sqlite")
        var tail = BackgroundTail(store: try FindingStore(path: db), patterns: [log], options: options)
        usleep(300_000)
        writer.write(Array((lines[100..<200].joined(separator: "\n") + "\n").utf8)[...])
        #expect(tail.waitFor(100))
        tail.finish()
        #expect(tail.consumed.value == (100..<200).map { "q-\($0)" })
        writer.write(Array((lines[200..<300].joined(separator: "\n") + "\n").utf8)[...])
        tail = BackgroundTail(store: try FindingStore(path: db), patterns: [log], options: options)
        #expect(tail.waitFor(100))
        usleep(200_000)
        tail.finish()
        #expect(tail.consumed.value == (200..<300).map { "q-\($0)" })
    }

    /// A file rotated (renamed, then compressed) while Vigil was stopped: the rest of it is read
    /// from the rotated copy at start, and nothing is read twice.
    @Test func rotatedWhileStoppedIsReadFromTheRotatedCopy() throws {
        let dir = TempDir()
        let lines = tailTestLines(count: 600, seed: 13)
        let db = dir.path("t.sqlite")
        let log = dir.path("app.jsonl")
        let writer = LogWriter(path: log)
        writer.write(Array((lines[0..<200].joined(separator: "\n") + "\n").utf8)[...])
        var tail = BackgroundTail(store: try FindingStore(path: db), patterns: [log], options: Self.fastOptions(inotify: true))
        #expect(tail.waitFor(200))
        tail.finish()
        // While stopped: 100 more lines, rotation by rename, the rotated file compressed,
        // and 300 lines in the new file.
        writer.write(Array((lines[200..<300].joined(separator: "\n") + "\n").utf8)[...])
        writer.rotate(.rename, to: log + ".1")
        let gz = Process()
        gz.executableURL = URL(fileURLWithPath: "/bin/gzip")
        gz.arguments = [log + ".1"]
        try gz.run()
        gz.waitUntilExit()
        writer.write(Array((lines[300..<600].joined(separator: "\n") + "\n").utf8)[...])
        tail = BackgroundTail(store: try FindingStore(path: db), patterns: [log], options: Self.fastOptions(inotify: true))
        #expect(tail.waitFor(400))
        usleep(400_000)
        tail.finish()
        #expect(tail.consumed.value.sorted() == (200..<600).map { "q-\($0)" }.sorted())
        let batch = try batchFindings(lines, dir: dir)
        #expect(try comparableFindings(try FindingStore(path: db)) == batch.findings)
    }

    /// SIGHUP's reload: lines read before it are judged by the old policy, lines after it by
    /// the new one, and detectors keep their state across it (an authentication-failure burst
    /// that spans the reload is found). A policy with errors keeps the running one.
    @Test func reloadSwapsThePolicyAndKeepsDetectorState() throws {
        let dir = TempDir()
        let db = dir.path("t.sqlite")
        let log = dir.path("mcp.jsonl")
        let policy = dir.path("policy.yaml")
        try "version: 1\n".write(toFile: policy, atomically: true, encoding: .utf8)
        func lines(_ r: Range<Int>) -> ArraySlice<UInt8> {
            Array(
                r.map { i in
                    #"{"timestamp":"2026-11-05T10:00:0\#(i)Z","level":"WARN","operation":"execute_tool","server_name":"mcp-files","client_ip":"203.0.113.9","request_id":"r-\#(i)","status_code":401,"error_code":"INVALID_API_KEY","api_key_id":"key_x"}"#
                        + "\n"
                }.joined().utf8)[...]
        }
        func reloaded(_ tail: BackgroundTail) -> Bool {
            tail.reload.request()
            let deadline = Date().addingTimeInterval(10)
            while tail.reload.isRequested { if Date() > deadline { return false }; usleep(2_000) }
            return true
        }
        let writer = LogWriter(path: log)
        writer.write(lines(0..<3))
        let tail = BackgroundTail(
            store: try FindingStore(path: db), patterns: [log], options: Self.fastOptions(inotify: true),
            reloadPolicy: { try PolicyLoader.load(policy).usable() })
        #expect(tail.waitFor(3))
        try "version: 1\nallowlists:\n  - name: broken\n    servers: [\"mcp-*\"]\n    cidrs: [\"10.0.0.0/33\"]\n".write(
            toFile: policy, atomically: true, encoding: .utf8)
        #expect(reloaded(tail))
        try "version: 1\nallowlists:\n  - name: internal\n    servers: [\"mcp-*\"]\n    cidrs: [\"10.0.0.0/8\"]\n".write(
            toFile: policy, atomically: true, encoding: .utf8)
        #expect(reloaded(tail))
        writer.write(lines(3..<6))
        #expect(tail.waitFor(6))
        usleep(300_000)
        tail.finish()
        #expect(tail.error == nil)
        #expect(tail.tailer.reloads == 1, "the broken policy was not applied, the good one was")
        let findings = try FindingStore(path: db).findings(FindingQuery())
        let burst = findings.first { $0.detector == "auth_failure_burst" }
        #expect(burst?.subject == "203.0.113.9", "six failures, three on each side of the reload: \(findings.map(\.rule))")
        let outside = findings.first { $0.rule == "outside_allowlist" }
        #expect(outside?.count == 3, "only the requests after the reload meet the new allowlist")
        #expect(outside?.firstSeen == ms("2026-11-05T10:00:03Z"))
    }
}
