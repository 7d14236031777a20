import Foundation
import Testing

@testable import VigilCore

/// Issue 18, "fail closed": input Vigil cannot judge is an error or a counted malformed line,
/// never a silent pass. Values that cannot be right are refused, not normalised into something
/// plausible (a day rolled into the next month, an exponent read as its first digit, an
/// unreadable status taken for a success); odd syntax, repeated inputs, pipes, far-future
/// stamps and hostile file names each have a test here.
@Suite struct FailClosedTests {
    func isMalformed(_ result: DecodeResult, because reason: String) -> Bool {
        if case let .malformed(why) = result { return reason.isEmpty || why.contains(reason) }
        return false
    }

    @Test func daysAMonthDoesNotHaveAreRefused() {
        let line = "Feb 30 07:00:00 bastion sshd[1]: Failed password for root from 203.0.113.9 port 22 ssh2"
        #expect(isMalformed(decodeLine(line, .sshd, year: 2026).0, because: ""), "Feb 30 became Mar 2 before")
        let leap = "Feb 29 07:00:00 bastion sshd[1]: Failed password for root from 203.0.113.9 port 22 ssh2"
        #expect(isMalformed(decodeLine(leap, .sshd, year: 2026).0, because: ""), "2026 has no Feb 29")
        let (result, event, _) = decodeLine(leap, .sshd, year: 2024)
        #expect(result == .event && EventTime.format(event.time).hasPrefix("2024-02-29T07:00:00"))
    }

    @Test func numericEpochsByMagnitudeAndNoExponents() {
        func time(_ value: String) -> String? {
            let (result, event, _) = decodeLine(#"{"timestamp":\#(value),"client_ip":"192.0.2.1","status_code":200}"#, .mcpJSON)
            return result == .event ? EventTime.format(event.time) : nil
        }
        #expect(time("1793692800") == "2026-11-03T08:00:00.000Z")
        #expect(time("1793692800123") == "2026-11-03T08:00:00.123Z")
        #expect(time("1793692800123456") == "2026-11-03T08:00:00.123Z", "microseconds, not year 57818")
        #expect(time("1793692800123456789") == "2026-11-03T08:00:00.123Z", "nanoseconds")
        #expect(time("1793692800.75") == "2026-11-03T08:00:00.000Z")
        for refused in ["1e19", "1.7e9", "-5", "12345678901234567890123"] {
            #expect(time(refused) == nil, "\(refused) was read as 1970 before")
        }
    }

    @Test func anUnreadableStatusIsNotASuccess() {
        for status in [#""2OO""#, #""ok""#, "2000", #""""#] {
            let result = decodeLine(#"{"timestamp":"2026-11-03T08:00:00Z","client_ip":"192.0.2.1","status_code":\#(status)}"#, .mcpJSON).0
            #expect(isMalformed(result, because: "status_code"), "\(status)")
        }
        let (result, event, _) = decodeLine(#"{"timestamp":"2026-11-03T08:00:00Z","client_ip":"192.0.2.1","status_code":"403"}"#, .mcpJSON)
        #expect(result == .event && event.status == 403 && event.outcome == .forbidden)
    }

    /// Issue 18, item 2: a "[" in the combined log's user field (the client chooses it) hid
    /// the line, so a 401 brute force with such a user name raised nothing. The time's bracket
    /// is now the one followed by a valid date.
    @Test func aBracketInTheUserFieldDoesNotHideTheLine() throws {
        let dir = TempDir()
        let lines = (0..<8).map { second in
            #"198.51.100.7 - [admin [05/Nov/2026:08:00:1\#(second) +0000] "POST /login HTTP/1.1" 401 12 "-" "curl/8""#
        }
        try (lines.joined(separator: "\n") + "\n").write(toFile: dir.path("access.log"), atomically: true, encoding: .utf8)
        let run = try runVigil([
            "analyze", "--db", dir.path("db.sqlite"), "--policy", "Benchmarks/policies/defaults", dir.path("access.log"),
        ])
        #expect(run.status == 0 && run.out.contains("8 events") && run.out.contains("0 malformed"), "\(run.out)")
        let findings = try runVigil(["findings", "--db", dir.path("db.sqlite"), "--output", "jsonl"]).out
        #expect(findings.contains(#""detector":"auth_failure_burst""#) && findings.contains(#""subject":"198.51.100.7""#), "\(findings)")
        // `[admin` is not a login name: stored redacted, like a password typed as the user.
        #expect(findings.contains("[redacted:") && !findings.contains("[admin"))
    }

    /// Issue 18, item 15: a FIFO as policy file or GeoIP database, and a policy test reading
    /// /dev/zero, blocked forever. Only regular files are read now, and the error says what the
    /// path is instead.
    @Test func pipesAndDevicesAreRefusedNotWaitedOn() throws {
        let dir = TempDir()
        #expect(mkfifo(dir.path("policy.yaml"), 0o600) == 0)
        let lint = try runVigil(["policy", "lint", dir.path("policy.yaml")])
        #expect(lint.status == 1 && lint.out.contains("named pipe (FIFO)"), "\(lint.out)\(lint.err)")
        let analyze = try runVigil([
            "analyze", "--db", dir.path("db.sqlite"), "--policy", dir.path("policy.yaml"), "fixtures/sshd/auth.log",
        ])
        #expect(analyze.status == 2 && analyze.err.contains("named pipe (FIFO)"), "\(analyze.err)")

        try FileManager.default.createDirectory(atPath: dir.path("geo"), withIntermediateDirectories: true)
        #expect(mkfifo(dir.path("geo/city.mmdb"), 0o600) == 0)
        try "version: 1\ngeoip: { city: city.mmdb }\n".write(toFile: dir.path("geo/policy.yaml"), atomically: true, encoding: .utf8)
        let geo = try runVigil(["policy", "lint", dir.path("geo")])
        #expect(geo.status == 1 && geo.out.contains("named pipe (FIFO)"), "\(geo.out)")

        try FileManager.default.createDirectory(atPath: dir.path("zero/tests"), withIntermediateDirectories: true)
        try "version: 1\n".write(toFile: dir.path("zero/policy.yaml"), atomically: true, encoding: .utf8)
        try "cases:\n  - name: zeros\n    format: sshd\n    file: /dev/zero\n    expect_absent: [{ detector: auth_failure_burst }]\n"
            .write(toFile: dir.path("zero/tests/zero.yaml"), atomically: true, encoding: .utf8)
        let test = try runVigil(["policy", "test", dir.path("zero")])
        #expect(test.status == 1 && test.out.contains("cannot read /dev/zero: a device"), "\(test.out)\(test.err)")
    }

    /// Issue 18, item 11: the same file named twice in one `analyze` (the path again, a
    /// symlink, a hard link, a copy) was read each time, so every count doubled or more. It is
    /// read once now, and the run says which names were the same input.
    @Test func oneInputNamedSeveralWaysIsReadOnce() throws {
        let dir = TempDir()
        let log = dir.path("auth.log")
        try FileManager.default.copyItem(atPath: packageRoot.appendingPathComponent("fixtures/sshd/auth.log").path, toPath: log)
        try FileManager.default.copyItem(atPath: log, toPath: dir.path("copy.log"))
        try FileManager.default.createSymbolicLink(atPath: dir.path("link.log"), withDestinationPath: log)
        try FileManager.default.linkItem(atPath: log, toPath: dir.path("hard.log"))
        func counts(_ db: String) throws -> [String] {
            try runVigil(["findings", "--db", db, "--output", "jsonl"]).out.split(separator: "\n").map { line in
                let finding = try JSONSerialization.jsonObject(with: Data(line.utf8)) as! [String: Any]
                return "\(finding["id"]!) \(finding["count"]!)"
            }.sorted()
        }
        #expect(try runVigil(["analyze", "--quiet", "--year", "2026", "--db", dir.path("once.sqlite"), log]).status == 0)
        let run = try runVigil([
            "analyze", "--year", "2026", "--db", dir.path("many.sqlite"), log, log, dir.path("link.log"), dir.path("hard.log"),
            dir.path("copy.log"),
        ])
        #expect(run.status == 0)
        #expect(run.out.contains("copy.log: the same input as") && run.out.contains("link.log: the same input as"), "\(run.out)")
        #expect(try counts(dir.path("many.sqlite")) == counts(dir.path("once.sqlite")))
    }

    /// Issue 18, item 12: a file cut short in place (its first KiB unchanged) was read again
    /// from line 1 by the next run, counting every line twice; one cut short and written again
    /// past the old offset was resumed at the offset, skipping the new lines before it.
    @Test func aShrunkOrRewrittenFileIsNeitherCountedTwiceNorSkipped() throws {
        let dir = TempDir()
        let log = dir.path("auth.log")
        let database = dir.path("v.sqlite")
        func failures(from address: String, at minute: Int, count: Int) -> String {
            (0..<count).map { index in
                "Nov  3 07:\(String(format: "%02d", minute)):\(String(format: "%02d", index)) bastion sshd[\(100 + index)]: Failed password for root from \(address) port \(40000 + index) ssh2\n"
            }.joined()
        }
        func counts() throws -> [String: Int] {
            var out: [String: Int] = [:]
            for line in try runVigil(["findings", "--db", database, "--output", "jsonl"]).out.split(separator: "\n") {
                let finding = try JSONSerialization.jsonObject(with: Data(line.utf8)) as! [String: Any]
                out["\(finding["subject"]!)"] = finding["count"] as? Int
            }
            return out
        }
        let original = failures(from: "203.0.113.5", at: 1, count: 40) + failures(from: "203.0.113.6", at: 2, count: 40)
        try original.write(toFile: log, atomically: true, encoding: .utf8)
        #expect(try runVigil(["analyze", "--quiet", "--year", "2026", "--db", database, log]).status == 0)
        let before = try counts()
        #expect(before["203.0.113.5"] == 40 && before["203.0.113.6"] == 40)

        // Cut to its first half (mid-line): nothing is read again.
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
        try handle.truncate(atOffset: UInt64(original.utf8.count / 2 + 7))
        try handle.close()
        let shrunk = try runVigil(["analyze", "--year", "2026", "--db", database, log])
        #expect(shrunk.status == 0)
        #expect(shrunk.out.contains("shrank to"), "\(shrunk.out)")
        #expect(try counts() == before, "the first half was counted twice before")

        // Cut short and written again past the old end: the new lines are read.
        let rewritten = String(original.prefix(2048)) + "\n" + failures(from: "198.51.100.77", at: 5, count: 60)
        try rewritten.write(toFile: log, atomically: false, encoding: .utf8)
        #expect(rewritten.utf8.count > original.utf8.count)
        let again = try runVigil(["analyze", "--year", "2026", "--db", database, log])
        #expect(again.status == 0)
        #expect(again.out.contains("read again from the start"), "\(again.out)")
        #expect(try counts()["198.51.100.77"] == 60, "the new lines were skipped before")
    }

    /// Issue 18, item 16: lint said a 10 MB policy was 4,259,840 bytes (what it read before
    /// stopping) and "(permissions?)" for a directory or a symlink loop.
    @Test func lintNamesWhatIsWrongWithAPolicyPath() throws {
        let dir = TempDir()
        try FileManager.default.createDirectory(atPath: dir.path("p/dir.yaml"), withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: dir.path("p/loop.yaml"), withDestinationPath: "loop.yaml")
        try String(repeating: "#", count: 10_000_000).write(toFile: dir.path("p/big.yaml"), atomically: true, encoding: .utf8)
        let lint = try runVigil(["policy", "lint", dir.path("p")])
        #expect(lint.status == 1)
        #expect(lint.out.contains("big.yaml:1:1: error: file is 10,000,000 bytes"), "\(lint.out)")
        #expect(lint.out.contains("dir.yaml: error: cannot read the file: a directory"), "\(lint.out)")
        #expect(lint.out.contains("loop.yaml: error: cannot read the file: a loop of symbolic links"), "\(lint.out)")
        #expect(!lint.out.contains("permissions?"))
    }

    /// Issue 18, item 10: one line stamped in year 9999 became the watermark, every later event
    /// was "out of order" and the hourly input-validation finding never came. A line more than
    /// `--max-ahead` (1 day) ahead of the clock is malformed now, and never the watermark.
    @Test func aFarFutureLineDoesNotBlindTheHourlyDetectors() throws {
        let dir = TempDir()
        func line(_ time: String, _ status: Int) -> String {
            #"{"timestamp":"\#(time)","server_name":"mcp-files","client_ip":"10.0.0.1","status_code":\#(status),"tool_name":"read_file","api_key_id":"k1"}"#
        }
        var lines = [line("9999-12-31T23:00:00Z", 200)]
        for index in 0..<300 {
            lines.append(line(String(format: "2026-11-05T08:%02d:%02dZ", index / 6, index % 6 * 10), index % 25 == 0 ? 422 : 200))
        }
        lines.append(line("2026-11-05T10:00:00Z", 200))
        try (lines.joined(separator: "\n") + "\n").write(toFile: dir.path("mcp.jsonl"), atomically: true, encoding: .utf8)
        let run = try runVigil([
            "analyze", "--db", dir.path("db.sqlite"), "--policy", "Benchmarks/policies/defaults", dir.path("mcp.jsonl"),
        ])
        #expect(run.status == 0 && run.out.contains("1 malformed") && run.out.contains("ahead of the clock"), "\(run.out)")
        #expect(!run.out.contains("out of order"), "\(run.out)")
        let findings = try runVigil(["findings", "--db", dir.path("db.sqlite"), "--output", "jsonl"]).out
        #expect(findings.contains(#""detector":"input_validation""#), "\(findings)")
        let strict = try runVigil(["analyze", "--db", dir.path("db2.sqlite"), "--max-ahead", "soon", dir.path("mcp.jsonl")])
        #expect(strict.status == 2 && strict.err.contains("--max-ahead"))
    }

    /// Issue 18, item 5 (tail's own log): a followed file's name with an escape sequence or a
    /// bidi override reached the terminal or journal raw. Every log message is escaped now.
    @Test func fileNamesInTheTailLogAreEscaped() throws {
        let dir = TempDir()
        let name = dir.path("evil\u{1b}[2J\u{202e}gol.log")
        try FileManager.default.copyItem(atPath: packageRoot.appendingPathComponent("fixtures/sshd/auth.log").path, toPath: name)
        let run = try runVigil(["tail", "--db", dir.path("db.sqlite"), "--year", "2026", "--idle-exit", "1", name])
        #expect(run.status == 0, "\(run.err)")
        #expect(run.err.contains("following") && run.err.contains("evil\\x1b[2J"), "\(run.err)")
        #expect(!run.err.contains("\u{1b}") && !run.err.contains("\u{202e}"), "\(run.err)")
    }

    /// Issue 18, item 16 (evidence): a tool and user name of 100 KB each went whole into the
    /// finding, its alerts and reports. Every value a log line chose is capped when stored,
    /// with a marker giving its length and a hash.
    @Test func hugeValuesAreCappedInEvidence() throws {
        let dir = TempDir()
        let tool = String(repeating: "t", count: 100_000), user = String(repeating: "u", count: 100_000)
        let line =
            #"{"timestamp":"2026-11-05T08:00:00Z","server_name":"mcp-files","client_ip":"192.0.2.1","status_code":403,"tool_name":"\#(tool)","user_id":"\#(user)","api_key_id":"k1"}"#
        try (line + "\n").write(toFile: dir.path("mcp.jsonl"), atomically: true, encoding: .utf8)
        #expect(
            try runVigil([
                "analyze", "--quiet", "--db", dir.path("db.sqlite"), "--policy", "Benchmarks/policies/defaults", dir.path("mcp.jsonl"),
            ]).status == 0)
        let output = try runVigil(["findings", "--db", dir.path("db.sqlite"), "--output", "jsonl"]).out
        #expect(output.contains("unauthorized_access"))
        #expect(output.utf8.count < 8_000, "\(output.utf8.count) bytes for one finding")
        #expect(output.contains("…[truncated: 100000 bytes, fnv "))
    }

    /// Issue 18, item 3: the format was sniffed from the first 1 KiB, so a JSON log whose first
    /// line is longer was refused by `analyze`, and `tail --format auto` followed it without
    /// ever reading a line. Formats are recognized by whole lines now.
    @Test func aLongFirstLineIsStillRecognized() throws {
        let dir = TempDir()
        let long =
            #"{"timestamp":"2026-11-05T08:00:00Z","server_name":"mcp-files","client_ip":"192.0.2.1","status_code":403,"api_key_id":"k1","note":"\#(String(repeating: "x", count: 3000))"}"#
        let next =
            #"{"timestamp":"2026-11-05T08:00:01Z","server_name":"mcp-files","client_ip":"192.0.2.1","status_code":200,"api_key_id":"k1"}"#
        try ([long, next].joined(separator: "\n") + "\n").write(toFile: dir.path("mcp.jsonl"), atomically: true, encoding: .utf8)
        let analyze = try runVigil([
            "analyze", "--db", dir.path("a.sqlite"), "--policy", "Benchmarks/policies/defaults", dir.path("mcp.jsonl"),
        ])
        #expect(analyze.status == 0 && analyze.out.contains("[mcp-json, detected]  2 lines, 2 events"), "\(analyze.out)\(analyze.err)")
        let tail = try runVigil([
            "tail", "--db", dir.path("t.sqlite"), "--policy", "Benchmarks/policies/defaults", "--idle-exit", "1", dir.path("mcp.jsonl"),
        ])
        #expect(tail.status == 0 && tail.out.contains("unauthorized_access"), "\(tail.out)\(tail.err)")

        // A first line past the 4 MiB line limit leaves nothing whole to sniff: an error that
        // names --format (exit 2), never a guess and never a hang; with --format it is read.
        let huge = #"{"timestamp":"2026-11-05T08:00:00Z","note":"\#(String(repeating: "y", count: 5_000_000))"}"#
        try ([huge, next, next].joined(separator: "\n") + "\n").write(toFile: dir.path("huge.jsonl"), atomically: true, encoding: .utf8)
        let sniffed = try runVigil(["analyze", "--db", dir.path("h.sqlite"), dir.path("huge.jsonl")])
        #expect(sniffed.status == 2 && sniffed.err.contains("--format"), "\(sniffed.out)\(sniffed.err)")
        let named = try runVigil(["analyze", "--db", dir.path("h2.sqlite"), "--format", "mcp-json", dir.path("huge.jsonl")])
        #expect(named.status == 0 && named.out.contains("2 events, 0 ignored, 1 malformed"), "\(named.out)\(named.err)")
    }

    /// A file cut in the middle of a line: that line was read whole, so its first part is
    /// neither counted again nor joined with the next line appended. Before: the fragment of
    /// a failed login was read as a sixth failure, a false P2 (found by a newcomer's review).
    @Test func aLineCutInTheMiddleIsNotCountedAgain() throws {
        let dir = TempDir()
        let log = dir.path("auth.log")
        var text = (0..<12).map { index in
            "Nov  3 09:00:\(String(format: "%02d", index)) bastion sshd[\(300 + index)]: Accepted publickey for deploy from 192.0.2.10 port \(50000 + index) ssh2\n"
        }.joined()
        text += (0..<5).map { index in
            "Nov  3 09:01:0\(index) bastion sshd[\(400 + index)]: Failed password for root from 198.51.100.77 port \(41000 + index) ssh2\n"
        }.joined()
        try text.write(toFile: log, atomically: true, encoding: .utf8)
        let database = dir.path("v.sqlite")
        let first = try runVigil(["analyze", "--db", database, "--year", "2026", "--policy", "Benchmarks/policies/defaults", log])
        #expect(first.status == 0 && first.out.contains("Findings: 0 new"), "five failures are not a burst: \(first.out)")
        // Cut inside the last line, just before " ssh2": what is left of it still parses.
        let cut = text.utf8.count - " ssh2\n".utf8.count
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
        try handle.truncate(atOffset: UInt64(cut))
        let second = try runVigil(["analyze", "--db", database, "--year", "2026", "--policy", "Benchmarks/policies/defaults", log])
        #expect(second.status == 0, "\(second.err)")
        #expect(
            second.out.contains("Analyzed 0 lines") && second.out.contains("Findings: 0 new"),
            "the cut line was counted again: \(second.out)")
        // What is appended next is a line of its own, not joined to the fragment.
        try handle.seekToEnd()
        try handle.write(
            contentsOf: Data("\nNov  3 09:02:00 bastion sshd[500]: Failed password for root from 203.0.113.99 port 1 ssh2\n".utf8))
        try handle.close()
        let third = try runVigil(["analyze", "--db", database, "--year", "2026", "--policy", "Benchmarks/policies/defaults", log])
        #expect(third.out.contains("1 events") && third.out.contains("Findings: 0 new"), "\(third.out)")
    }
}
