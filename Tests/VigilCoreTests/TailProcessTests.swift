import Foundation
import GRDB
import Testing

@testable import VigilCore

#if canImport(Glibc)
    import Glibc
#endif

/// `vigil tail` as a process: kill -9 and restart, standard input, SIGTERM.
@Suite(.serialized) struct TailProcessTests {
    static var binary: String {
        let candidates = [
            URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("vigil").path,
            packageRoot.appendingPathComponent(".build/debug/vigil").path,
        ]
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0) } ?? candidates[1]
    }

    static func start(_ args: [String], in dir: TempDir) throws -> Process {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: binary)
        p.arguments = args
        p.currentDirectoryURL = dir.url
        p.standardOutput = FileHandle.nullDevice
        if let logPath = ProcessInfo.processInfo.environment["VIGIL_TEST_LOG"] {
            if !FileManager.default.fileExists(atPath: logPath) { _ = FileManager.default.createFile(atPath: logPath, contents: nil) }
            let h = FileHandle(forWritingAtPath: logPath)!
            h.seekToEndOfFile()
            p.standardError = h
        } else {
            p.standardError = FileHandle.nullDevice
        }
        try p.run()
        return p
    }

    /// kill -9 at random moments while a writer appends (and once, rotation while Vigil is
    /// dead); after the last restart catches up, the stored findings and hourly counts are
    /// those of one batch run, and no finding was queued for alerting twice.
    @Test(arguments: [UInt64(21), 22, 23])
    func killNineAndRestartEndsWithBatchFindings(seed: UInt64) throws {
        let dir = TempDir()
        let lines = tailTestLines(count: 4000, seed: seed)
        let bytes = Array((lines.joined(separator: "\n") + "\n").utf8)
        let db = dir.path("tail.sqlite")
        let log = dir.path("app.jsonl")
        let writer = LogWriter(path: log)
        let args = ["tail", "--db", db, "--checkpoint-interval", "0.2", log]
        var rng = SplitMix64(seed: seed)
        var process = try Self.start(args, in: dir)
        var written = 0
        var kills = 0
        var nextKill = Int(rng.next() % 200_000) + 50_000
        while written < bytes.count {
            let end = min(bytes.count, written + Int(rng.next() % 20_000) + 1)
            writer.write(bytes[written..<end])
            written = end
            usleep(UInt32(rng.next() % 20_000))
            if written >= nextKill && written < bytes.count {
                if kills == 1 {
                    // The next kill comes with a rotation: a file is found again after a rotation
                    // while Vigil was dead only if Vigil had recorded it (it does so at start).
                    let store = try FindingStore(path: db)
                    for _ in 0..<200 where try !store.inputRecords().contains(where: { $0.path == log }) { usleep(20_000) }
                }
                kill(process.processIdentifier, SIGKILL)
                process.waitUntilExit()
                kills += 1
                if kills == 2 {
                    // Rotated while Vigil is dead (between lines, as loggers rotate).
                    if bytes[written - 1] != 0x0a, let nl = bytes[written...].firstIndex(of: 0x0a) {
                        writer.write(bytes[written...nl])
                        written = nl + 1
                    }
                    writer.rotate(.rename, to: log + ".1")
                }
                usleep(UInt32(rng.next() % 100_000))
                process = try Self.start(args, in: dir)
                nextKill = written + Int(rng.next() % 200_000) + 50_000
            }
        }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        let last = try Self.start(["tail", "--db", db, "--idle-exit", "1.5", "--quiet", log], in: dir)
        last.waitUntilExit()
        #expect(last.terminationStatus == 0)
        #expect(kills >= 2)

        let store = try FindingStore(path: db)
        let batch = try batchFindings(lines, dir: dir)
        #expect(!batch.findings.isEmpty)
        let tailFindings = try comparableFindings(store)
        #expect(
            tailFindings == batch.findings,
            "only tail: \(Set(tailFindings).subtracting(batch.findings).sorted()) only batch: \(Set(batch.findings).subtracting(tailFindings).sorted())"
        )
        let records = try store.inputRecords().map { "\($0.path) \($0.lines) \($0.offset) \($0.fingerprintLength) \($0.fingerprint)" }
        let tailHourly = try hourlyRows(store)
        #expect(
            tailHourly == batch.hourly,
            "records \(records) only tail: \(Set(tailHourly).subtracting(batch.hourly).sorted()) only batch: \(Set(batch.hourly).subtracting(tailHourly).sorted())"
        )
        let repeated = try store.pool.read { db in
            try Int.fetchOne(
                db, sql: "SELECT count(*) FROM (SELECT finding_id FROM alert WHERE kind = 'opened' GROUP BY finding_id HAVING count(*) > 1)"
            )
        }
        #expect(repeated == 0)
        let alerts = try store.pool.read { db in try Int.fetchOne(db, sql: "SELECT count(DISTINCT finding_id) FROM alert") }
        #expect(alerts == batch.findings.count)
    }

    /// Started on an empty file, killed -9 before any periodic checkpoint (right after lines
    /// were written, or once it read some), the file renamed while Vigil is down: the restart
    /// finds the renamed file by what the first run stored when it opened it, and ends with
    /// the findings and counts of one batch run. (Before: the renamed file was unknown and
    /// its lines were never read.)
    @Test(arguments: [0, 300])
    func emptyFileRotatedBeforeTheFirstCheckpointIsFoundAgain(delayBeforeKillMs: Int) throws {
        let dir = TempDir()
        let lines = tailTestLines(count: 3000, seed: 41)
        let db = dir.path("tail.sqlite")
        let log = dir.path("app.jsonl")
        _ = FileManager.default.createFile(atPath: log, contents: nil)
        let args = ["tail", "--db", db, "--checkpoint-interval", "600", log]
        let first = try Self.start(args, in: dir)
        for _ in 0..<200 {
            if let holder = try? String(contentsOfFile: db + "-lock", encoding: .utf8), holder.contains("vigil tail") { break }
            usleep(20_000)
        }
        usleep(300_000)  // past the start's own commit
        let writer = LogWriter(path: log)
        writer.write(Array((lines[0..<2500].joined(separator: "\n") + "\n").utf8)[...])
        usleep(UInt32(delayBeforeKillMs * 1000))
        kill(first.processIdentifier, SIGKILL)
        first.waitUntilExit()
        writer.rotate(.rename, to: log + ".1")
        writer.write(Array((lines[2500...].joined(separator: "\n") + "\n").utf8)[...])

        let last = try Self.start(["tail", "--db", db, "--idle-exit", "1.5", "--quiet", log], in: dir)
        last.waitUntilExit()
        #expect(last.terminationStatus == 0)
        let store = try FindingStore(path: db)
        let batch = try batchFindings(lines, dir: dir)
        let tailHourly = try hourlyRows(store)
        #expect(tailHourly == batch.hourly, "only batch: \(Set(batch.hourly).subtracting(tailHourly).sorted())")
        #expect(try comparableFindings(store) == batch.findings)
        #expect(try store.followedFiles().isEmpty, "a file with a record is no longer followed by inode")
    }

    /// `journalctl -f | vigil tail -`: lines from standard input, stopping when it closes.
    @Test func standardInputMatchesBatch() throws {
        let dir = TempDir()
        let lines = tailTestLines(count: 800, seed: 31)
        let db = dir.path("tail.sqlite")
        let run = try runVigil(
            ["tail", "--db", db, "--quiet", "-"], stdin: Data((lines.joined(separator: "\n") + "\n").utf8), cwd: dir.url)
        #expect(run.status == 0, "\(run.err)")
        let batch = try batchFindings(lines, dir: dir)
        #expect(try comparableFindings(try FindingStore(path: db)) == batch.findings)
        // Alerts went to standard output as JSON lines, one per finding.
        let alertLines = run.out.split(separator: "\n")
        #expect(alertLines.count == batch.findings.count)
        #expect(alertLines.allSatisfy { $0.hasPrefix("{\"alert\":\"opened\"") })
    }

    /// SIGTERM stops a tail within a second, after a final commit; `vigil status` says so.
    @Test func sigtermStopsPromptlyAndStatusReportsIt() throws {
        let dir = TempDir()
        let lines = tailTestLines(count: 300, seed: 41)
        let log = dir.path("app.jsonl")
        try (lines.joined(separator: "\n") + "\n").write(toFile: log, atomically: false, encoding: .utf8)
        let db = dir.path("tail.sqlite")
        let p = try Self.start(["tail", "--db", db, "--quiet", log], in: dir)
        var running = false
        for _ in 0..<100 where !running {
            usleep(50_000)
            let s = try runVigil(["status", "--db", db, "--output", "json"], cwd: dir.url)
            running = s.out.contains("\"running\":true")
        }
        #expect(running)
        usleep(300_000)
        let signalled = Date()
        kill(p.processIdentifier, SIGTERM)
        p.waitUntilExit()
        let took = Date().timeIntervalSince(signalled)
        #expect(p.terminationStatus == 0)
        #expect(took < 3, "took \(took) s to stop")
        let status = try runVigil(["status", "--db", db], cwd: dir.url)
        #expect(status.out.contains("tail: stopped at"))
        #expect(status.out.contains("app.jsonl"))
        #expect(status.out.contains("line 300"))
        #expect(status.out.contains("caught up"))
    }
}
