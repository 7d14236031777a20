import Foundation
import GRDB
import Testing

@testable import VigilCore

/// Runs the `vigil` binary over `fixtures/` and holds it to the golden findings beside each
/// fixture (regenerate with `make golden`, then review the diff).
@Suite(.serialized) struct EndToEndTests {
    static var fixtures: [String] {
        let fm = FileManager.default
        let root = packageRoot.appendingPathComponent("fixtures")
        var out: [String] = []
        // Log fixtures only (fixtures/geoip and fixtures/policies hold databases and policies).
        for dir in ["sshd", "mcp", "combined", "realdata"] {
            for f in (try? fm.contentsOfDirectory(atPath: root.appendingPathComponent(dir).path)) ?? [] {
                if f.hasSuffix(".expected.jsonl") || f.hasSuffix(".args") || f.hasPrefix("LICENSE") || f.hasSuffix(".md") { continue }
                out.append("fixtures/\(dir)/\(f)")
            }
        }
        return out.sorted()
    }

    static func base(_ fixture: String) -> String {
        var b = fixture
        if b.hasSuffix(".gz") { b.removeLast(3) }
        if let dot = b.lastIndex(of: "."), b[dot...].count <= 6 { b = String(b[..<dot]) }
        return b
    }

    static func args(_ fixture: String) -> [String] {
        let path = packageRoot.appendingPathComponent(base(fixture) + ".args").path
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return ["--year", "2026"] }
        return text.split(whereSeparator: \.isWhitespace).map(String.init)
    }

    @Test(arguments: fixtures)
    func goldenFindings(_ fixture: String) throws {
        let dir = TempDir()
        let db = dir.path("db.sqlite")
        let run = try runVigil(["analyze", "--quiet", "--db", db] + Self.args(fixture) + [fixture])
        #expect(run.status == 0, "\(run.err)")
        let out = try runVigil(["findings", "--db", db, "--output", "jsonl"])
        let golden = try String(
            contentsOfFile: packageRoot.appendingPathComponent(Self.base(fixture) + ".expected.jsonl").path, encoding: .utf8)
        #expect(
            out.out == golden,
            "findings of \(fixture) differ from its golden file; run `make golden` and review the diff if the change is intended")
    }

    /// `vigil tail` over each fixture (its own files, real logs included) stores exactly the
    /// golden findings of `vigil analyze`, evidence and all.
    @Test(arguments: fixtures)
    func tailGivesTheGoldenFindings(_ fixture: String) throws {
        let dir = TempDir()
        let db = dir.path("db.sqlite")
        let run = try runVigil(["tail", "--quiet", "--no-alerts", "--idle-exit", "0.5", "--db", db] + Self.args(fixture) + [fixture])
        #expect(run.status == 0, "\(run.err)")
        let out = try runVigil(["findings", "--db", db, "--output", "jsonl"])
        let golden = try String(
            contentsOfFile: packageRoot.appendingPathComponent(Self.base(fixture) + ".expected.jsonl").path, encoding: .utf8)
        #expect(out.out == golden, "tail's findings of \(fixture) differ from analyze's golden file")
    }

    @Test func goldenFilesAreNotEmptyWhereAttacksAre() throws {
        for name in [
            "fixtures/sshd/auth", "fixtures/mcp/mcp-service-2026-11-05", "fixtures/combined/access", "fixtures/realdata/OpenSSH_2k",
        ] {
            let text = try String(contentsOfFile: packageRoot.appendingPathComponent(name + ".expected.jsonl").path, encoding: .utf8)
            #expect(text.split(separator: "\n").count >= 2, "\(name)")
        }
    }

    /// Analyzing a log in two runs (yesterday's part, then the rest appended) gives exactly the
    /// findings of one run over the whole.
    @Test(arguments: [
        "fixtures/sshd/auth.log", "fixtures/realdata/OpenSSH_2k.log", "fixtures/mcp/mcp-service-2026-11-05.jsonl",
        // real logs with timestamps going backwards: eviction must not depend on where a run starts
        "fixtures/realdata/Linux_2k.log", "fixtures/realdata/apache_2k.log",
    ])
    func incrementalRunsEqualOneRun(_ fixture: String) throws {
        let dir = TempDir()
        let content = try Data(contentsOf: packageRoot.appendingPathComponent(fixture))
        let log = dir.path("input.log")
        try content.write(to: URL(fileURLWithPath: log))
        let year = Self.args(fixture)
        try runVigil(["analyze", "--quiet", "--db", dir.path("whole.sqlite")] + year + [log])
        let whole = try runVigil(["findings", "--db", dir.path("whole.sqlite"), "--output", "jsonl"]).out

        var rng = SeededRandom(seed: UInt64(fixture.utf8.count))
        for _ in 0..<3 {
            // cut at a random line boundary
            let newlines = content.indices.filter { content[$0] == 0x0a }
            let cut = newlines[Int.random(in: 0..<newlines.count, using: &rng)] + 1
            let db = dir.path("split-\(cut).sqlite")
            try content.prefix(cut).write(to: URL(fileURLWithPath: log))
            try runVigil(["analyze", "--quiet", "--db", db] + year + [log])
            let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
            handle.seekToEndOfFile()
            handle.write(content.suffix(from: cut))
            try handle.close()
            let second = try runVigil(["analyze", "--db", db] + year + [log])
            #expect(second.out.contains("continued after line") || cut == 0)
            let split = try runVigil(["findings", "--db", db, "--output", "jsonl"]).out
            #expect(split == whole, "split at byte \(cut) of \(fixture)")
        }
    }

    @Test func rerunsRenamesAndCompressionNeverDoubleCount() throws {
        let dir = TempDir()
        let db = dir.path("db.sqlite")
        let log = dir.path("auth.log")
        try FileManager.default.copyItem(atPath: packageRoot.appendingPathComponent("fixtures/sshd/auth.log").path, toPath: log)
        try runVigil(["analyze", "--quiet", "--db", db, "--year", "2026", log])
        let first = try runVigil(["findings", "--db", db, "--output", "jsonl"]).out
        // again, then as logrotate leaves it: renamed, then compressed
        let again = try runVigil(["analyze", "--db", db, "--year", "2026", log])
        #expect(again.out.contains("0 events"))
        try FileManager.default.moveItem(atPath: log, toPath: dir.path("auth.log.1"))
        try runVigil(["analyze", "--quiet", "--db", db, "--year", "2026", dir.path("auth.log.1")])
        let gz = Process()
        gz.executableURL = URL(fileURLWithPath: "/bin/gzip")
        gz.arguments = [dir.path("auth.log.1")]
        try gz.run(); gz.waitUntilExit()
        let compressed = try runVigil(["analyze", "--db", db, "--year", "2026", dir.path("auth.log.1.gz")])
        #expect(compressed.out.contains("0 events"), "\(compressed.out)")
        #expect(try runVigil(["findings", "--db", db, "--output", "jsonl"]).out == first)
    }

    @Test func checkpointsDoNotChangeFindings() throws {
        let dir = TempDir()
        var options = Analyzer.Options()
        options.fixedYear = 2025
        let path = packageRoot.appendingPathComponent("fixtures/realdata/OpenSSH_2k.log").path
        let once = try Analyzer(store: FindingStore(path: dir.path("a.sqlite")), options: options).run(paths: [path])
        options.checkpointLines = 1
        let often = try Analyzer(store: FindingStore(path: dir.path("b.sqlite")), options: options).run(paths: [path])
        #expect(once.findingsOpened == often.findingsOpened)
        let a = try FindingStore(path: dir.path("a.sqlite")).findings(FindingQuery())
        let b = try FindingStore(path: dir.path("b.sqlite")).findings(FindingQuery())
        #expect(a == b && !a.isEmpty)
    }

    @Test func exitCodesAndErrors() throws {
        let dir = TempDir()
        let db = dir.path("db.sqlite")
        let fail = try runVigil(["analyze", "--quiet", "--db", db, "--year", "2026", "--fail-on", "P1", "fixtures/sshd/auth.log"])
        #expect(fail.status == 1, "a P1 finding was raised")
        let quiet = try runVigil(["analyze", "--quiet", "--db", dir.path("c.sqlite"), "--fail-on", "P1", "fixtures/combined/access.log"])
        #expect(quiet.status == 0, "only P2 findings there")
        let missing = try runVigil(["analyze", "--db", dir.path("d.sqlite"), "/nonexistent/auth.log"])
        #expect(missing.status == 2 && missing.err.contains("/nonexistent/auth.log: cannot open"))
        let strict = try runVigil(["analyze", "--strict", "--db", dir.path("e.sqlite"), "fixtures/mcp/mcp-service-2026-11-05.jsonl"])
        #expect(strict.status == 2 && strict.err.contains("mcp-service-2026-11-05.jsonl:21"))
        let lenient = try runVigil(["analyze", "--db", dir.path("f.sqlite"), "fixtures/mcp/mcp-service-2026-11-05.jsonl"])
        #expect(lenient.status == 0 && lenient.out.contains("mcp-service-2026-11-05.jsonl:21: truncated JSON"))
        let unknown = try runVigil(["decode", "fixtures/realdata/LICENSE-loghub"])
        #expect(unknown.status == 2 && unknown.err.contains("--format"))
        let noDB = try runVigil(["findings", "--db", dir.path("none.sqlite")])
        #expect(noDB.status == 2 && noDB.err.contains("vigil analyze"))
    }

    /// Exit 1 means "a finding at or above --fail-on" (or failed policy checks); a database
    /// that opens but fails underneath (here: its findings table is gone) is 2 for every
    /// command, never 1 — before, the raw SQLite error left through ArgumentParser's exit 1.
    @Test(arguments: [
        ["analyze", "--quiet", "fixtures/combined/access.log"], ["findings"], ["status"],
        ["report", "--week", "2026-W45"], ["ack", "F-000000000000", "--note", "x"], ["prune"],
    ])
    func aFailingDatabaseIsExit2ForEveryCommand(_ command: [String]) throws {
        let dir = TempDir()
        let db = dir.path("broken.sqlite")
        #expect(try runVigil(["analyze", "--quiet", "--db", db, "--year", "2026", "fixtures/sshd/auth.log"]).status == 0)
        try FindingStore(path: db).pool.write { try $0.execute(sql: "DROP TABLE finding") }
        let run = try runVigil([command[0], "--db", db] + command.dropFirst())
        #expect(run.status == 2, "\(command.joined(separator: " ")): \(run.err)")
        #expect(run.err.contains("broken.sqlite") && run.err.contains("no such table: finding"), "\(command[0]): \(run.err)")
    }

    @Test func decodeShowsEachEventAndStats() throws {
        let out = try runVigil(["decode", "--year", "2026", "fixtures/sshd/auth.log"])
        let lines = out.out.split(separator: "\n").filter { !$0.contains(#""malformed":"#) }
        #expect(lines.count == 37)
        let first = try JSONSerialization.jsonObject(with: Data(lines[0].utf8)) as! [String: Any]
        for key in [
            "file", "line", "format", "time", "client_ip", "user", "api_key", "server", "operation", "tool", "resource", "status",
            "outcome",
        ] {
            #expect(first.keys.contains(key), "\(key)")
        }
        #expect(first["line"] as? Int == 2 && first["outcome"] as? String == "success")
        let stats = try runVigil(["decode", "--stats", "fixtures/mcp/mcp-service-2026-11-05.jsonl"])
        #expect(stats.out.contains("23 lines, 21 decoded, 0 ignored, 2 malformed"))
        #expect(stats.out.contains("mcp-service-2026-11-05.jsonl:22: not a JSON object"))
    }

    @Test func stdinIsAnInput() throws {
        let dir = TempDir()
        let data = try Data(contentsOf: packageRoot.appendingPathComponent("fixtures/sshd/auth.log"))
        let run = try runVigil(["analyze", "--db", dir.path("db.sqlite"), "--year", "2026", "-"], stdin: data)
        #expect(run.status == 0 && run.out.contains("<stdin>"))
        let f = try runVigil(["findings", "--db", dir.path("db.sqlite"), "--output", "json"]).out
        #expect(f.contains("success_after_failures"))
    }

    @Test func nulBytesAndInvalidUTF8AreDataNotCrashes() throws {
        let dir = TempDir()
        let log = dir.path("bytes.log")
        var data = Data()
        data.append(
            contentsOf: Array("Nov  3 07:01:04 h sshd[1]: Failed password for invalid user ro".utf8) + [0]
                + Array("ot from 192.0.2.1 port 1 ssh2\r\n".utf8))
        data.append(
            contentsOf: Array("Nov  3 07:01:05 h".utf8) + [0xff, 0xfe, 0xc3]
                + Array(" sshd[2]: Failed password for invalid user bob from 192.0.2.1 port 2 ssh2\n".utf8))
        data.append(contentsOf: [0, 0, 0, 0x0a] + Array("\u{1b}[2J not syslog\n".utf8))
        try data.write(to: URL(fileURLWithPath: log))
        let run = try runVigil(["decode", "--format", "sshd", "--year", "2026", log])
        #expect(run.status == 0)
        let objects = run.out.split(separator: "\n").map { try! JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any] }
        let events = objects.filter { $0["malformed"] == nil }
        #expect(events.count == 2)
        // Every malformed line is listed with why, not only the first five.
        #expect(objects.filter { $0["malformed"] != nil }.count == 2)
        // A NUL in a user name: not a login name, so redacted (`SecretRedaction`), not cut at the NUL.
        #expect((events.first?["user"] as? String)?.hasPrefix("[redacted:") == true)
        #expect((events.last?["server"] as? String)?.contains("\u{fffd}") == true, "invalid UTF-8 is shown as U+FFFD")
        let stats = try runVigil(["decode", "--stats", "--format", "sshd", log])
        #expect(stats.out.contains("4 lines, 2 decoded, 0 ignored, 2 malformed"))
        #expect(!stats.out.contains("\u{1b}"), "the malformed line's text never reaches the terminal")
    }

    @Test func hostileStringsAreEscapedOnTheTerminal() throws {
        let dir = TempDir()
        let log = dir.path("evil.jsonl")
        let evil =
            #"{"timestamp":"2026-11-05T09:00:00Z","client_ip":"192.0.2.1","status_code":403,"api_key_id":"k\u001b]0;pwned\u0007","tool_name":"\u202egnp.exe"}"#
        try (evil + "\n").write(toFile: log, atomically: true, encoding: .utf8)
        try runVigil(["analyze", "--quiet", "--db", dir.path("db.sqlite"), log])
        let table = try runVigil(["findings", "--db", dir.path("db.sqlite")]).out
        #expect(!table.contains("\u{1b}") && !table.contains("\u{7}") && !table.contains("\u{202e}"))
        #expect(table.contains("\\x1b]0;pwned\\x07"))
        let jsonl = try runVigil(["findings", "--db", dir.path("db.sqlite"), "--output", "jsonl"]).out
        #expect(!jsonl.contains("\u{1b}"))
    }
}
