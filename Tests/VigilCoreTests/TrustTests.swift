import Foundation
import Testing

@testable import VigilCore

/// Issue 17, "results a reviewer can trust": a run with the wrong options must not lock a
/// file for good.
@Suite struct TrustTests {
    /// `--format mcp-json` on an sshd log read 41 of 41 lines as malformed, exit 0, and
    /// recorded the file as read: the corrected run read 0 lines and the P1 never came. The
    /// same with a `--year` that put every line in the future. Now the input is refused before
    /// any line is analyzed (exit 2, naming the format it reads as, or --year), and the
    /// corrected run reads it whole.
    @Test func aWrongFormatOrYearDoesNotLockAFile() throws {
        let dir = TempDir()
        let log = packageRoot.appendingPathComponent("fixtures/sshd/auth.log").path
        let database = dir.path("v.sqlite")
        let wrong = try runVigil(["analyze", "--db", database, "--format", "mcp-json", log])
        #expect(wrong.status == 2)
        #expect(wrong.err.contains("malformed as mcp-json; they read as sshd") && wrong.err.contains("--format sshd"), "\(wrong.err)")
        let future = try runVigil(["analyze", "--db", database, "--year", "2099", log])
        #expect(future.status == 2)
        #expect(future.err.contains("ahead of the clock with --year 2099") && future.err.contains("Check --year"), "\(future.err)")

        let right = try runVigil(["analyze", "--db", database, "--year", "2026", log])
        #expect(right.status == 0)
        #expect(right.out.contains("41 lines, 37 events") && !right.out.contains("continued after"), "\(right.out)")
        let findings = try runVigil(["findings", "--db", database, "--output", "jsonl"]).out
        #expect(findings.contains(#""rule":"success_after_failures""#), "the P1 of the fixture")
    }

    /// Issue 17, item 6: a misspelt --detector answered "No findings." (exit 0); `--until
    /// DATE` left that day out while `report --to DATE` kept it; `yesterday` and
    /// `2026-11-03 07:02` were refused; `--limit` gave the oldest findings.
    @Test func findingsFiltersSayWhatTheyMean() throws {
        let dir = TempDir()
        let database = dir.path("v.sqlite")
        let log = packageRoot.appendingPathComponent("fixtures/sshd/auth.log").path
        #expect(try runVigil(["analyze", "--quiet", "--db", database, "--year", "2026", log]).status == 0)
        func ids(_ arguments: [String]) throws -> [String] {
            let result = try runVigil(["findings", "--db", database, "--output", "jsonl"] + arguments)
            #expect(result.status == 0, "\(arguments): \(result.err)")
            return result.out.split(separator: "\n").compactMap { line in
                (try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])?["first_seen"] as? String
            }
        }
        let all = try ids([])
        #expect(all.count >= 4 && all == all.sorted())
        #expect(try ids(["--limit", "2"]) == Array(all.suffix(2)), "the newest two, oldest first")
        #expect(try ids(["--until", "2026-11-03"]) == all, "a date includes its whole day")
        let afterNine = try ids(["--since", "2026-11-03 09:00"])
        #expect(!afterNine.isEmpty && afterNine.count < all.count, "a date and time without seconds")
        #expect(try ids(["--since", "yesterday"]).isEmpty, "the fixture is from November")
        let typo = try runVigil(["findings", "--db", database, "--detector", "auth_failure_brust"])
        #expect(typo.status == 2 && typo.err.contains("Did you mean auth_failure_burst?"), "\(typo.err)")
        let ruleTypo = try runVigil(["findings", "--db", database, "--rule", "success_after_failure"])
        #expect(
            ruleTypo.status == 2 && ruleTypo.err.contains("Did you mean success_after_failures?"),
            "a misspelt rule said only \"No findings.\": \(ruleTypo.err)")
        let decodeText = try runVigil(["decode", "--output", "text", log])
        #expect(decodeText.status == 2 && decodeText.err.contains("--stats"), "text without --stats printed JSON: \(decodeText.err)")
        let inverted = try runVigil(["findings", "--db", database, "--since", "2026-11-06", "--until", "2026-11-05"])
        #expect(inverted.status == 2 && inverted.err.contains("is not after --since"), "\(inverted.err)")
        let unreadable = try runVigil(["findings", "--db", database, "--since", "last tuesday"])
        #expect(unreadable.status == 2 && unreadable.err.contains("yesterday"), "the error lists the forms: \(unreadable.err)")
    }

    /// Issue 17, item 3: a week with no events passed four thresholds; a week with only SSH
    /// logs passed the API-key and rate-limit rows though no request was analyzed. "Pass"
    /// needs data now.
    @Test func noDataIsNotAPass() throws {
        let dir = TempDir()
        let database = dir.path("v.sqlite")
        let log = packageRoot.appendingPathComponent("fixtures/sshd/auth.log").path
        #expect(try runVigil(["analyze", "--quiet", "--db", database, "--year", "2026", "--policy", "policies", log]).status == 0)
        func statuses(_ week: String) throws -> [String: String] {
            let report = try runVigil(["report", "--db", database, "--week", week, "--format", "json", "--policy", "policies"])
            #expect(report.status == 0, "\(report.err)")
            let json = try JSONSerialization.jsonObject(with: Data(report.out.utf8)) as? [String: Any]
            let rows = json?["compliance"] as? [[String: Any]] ?? []
            return Dictionary(uniqueKeysWithValues: rows.map { ($0["metric"] as! String, $0["status"] as! String) })
        }
        let sshOnly = try statuses("2026-W45")
        #expect(sshOnly["API key usage anomalies"] == "not_measured", "\(sshOnly)")
        #expect(sshOnly["Rate-limit violations"] == "not_measured", "\(sshOnly)")
        #expect(sshOnly["IP allowlist violations"] == "fail", "SSH logins are judged: \(sshOnly)")
        let empty = try statuses("2026-W40")
        #expect(!empty.isEmpty && empty.values.allSatisfy { $0 == "not_measured" }, "\(empty)")
        // An access log has requests but no API keys: the rate is measured, the key baseline is not.
        let access = packageRoot.appendingPathComponent("fixtures/combined/access.log").path
        #expect(try runVigil(["analyze", "--quiet", "--db", database, "--year", "2026", "--policy", "policies", access]).status == 0)
        let withAccess = try statuses("2026-W45")
        #expect(withAccess["API key usage anomalies"] == "not_measured", "\(withAccess)")
        #expect(withAccess["Rate-limit violations"] != "not_measured", "\(withAccess)")
    }

    /// Issue 17, item 7: `suppress` took a subject that matches nothing (`203.0.113.8O`, a
    /// letter O) and an end date in the past, and said it had suppressed.
    @Test func suppressRefusesWhatCannotMatch() throws {
        let dir = TempDir()
        let database = dir.path("v.sqlite")
        let log = packageRoot.appendingPathComponent("fixtures/sshd/auth.log").path
        #expect(try runVigil(["analyze", "--quiet", "--db", database, "--year", "2026", log]).status == 0)
        let base = ["suppress", "--db", database, "--detector", "auth_failure_burst", "--note", "test"]
        let typo = try runVigil(base + ["--subject", "203.0.113.8O", "--until", "2099-01-01"])
        #expect(typo.status == 2 && typo.err.contains("not one"), "\(typo.err)")
        let past = try runVigil(base + ["--subject", "203.0.113.7", "--until", "2020-01-01"])
        #expect(past.status == 2 && past.err.contains("has passed"), "\(past.err)")
        let unknown = try runVigil(base + ["--subject", "203.0.113.99", "--until", "2099-01-01"])
        #expect(unknown.status == 0 && unknown.err.contains("no stored finding"), "\(unknown.err)")
        let list = try runVigil(["suppress", "--db", database, "--list"])
        #expect(list.out.contains("203.0.113.99") && !list.out.contains("8O") && !list.out.contains("2020"), "\(list.out)")
    }

    /// Issue 17, item 7: a second `ack` silently replaced the note; nobody and no time was
    /// recorded; there was no `show ID`.
    @Test func triageKeepsAHistory() throws {
        let dir = TempDir()
        let database = dir.path("v.sqlite")
        let log = packageRoot.appendingPathComponent("fixtures/sshd/auth.log").path
        #expect(try runVigil(["analyze", "--quiet", "--db", database, "--year", "2026", log]).status == 0)
        let id = "F-84ef701d8fa5"
        #expect(try runVigil(["ack", "--db", database, id, "--note", "first look", "--by", "alice"]).status == 0)
        let second = try runVigil(["ack", "--db", database, String(id.prefix(8)), "--note", "blocked at the edge", "--by", "bob"])
        #expect(second.status == 0 && second.out.contains("\"first look\" by alice"), "the earlier note is named: \(second.out)")
        let openWhileAcked = try runVigil(["findings", "--db", database, "--open"]).out
        #expect(!openWhileAcked.contains(id), "acknowledged: not open")
        let bySubject = try runVigil(["findings", "--db", database, "--subject", "203.0.113.7", "--rule", "auth_failure_burst"]).out
        #expect(bySubject.contains(id) && bySubject.split(separator: "\n").count == 2, "\(bySubject)")
        #expect(try runVigil(["unack", "--db", database, id, "--by", "carol"]).status == 0)
        #expect(try runVigil(["findings", "--db", database, "--open"]).out.contains(id), "open again after unack")
        let show = try runVigil(["show", "--db", database, id])
        #expect(show.status == 0, "\(show.err)")
        #expect(show.out.contains(#""id" : "\#(id)""#) && show.out.contains(#""samples""#), "fields and evidence: \(show.out)")
        let history = show.out.components(separatedBy: "history:\n").last ?? ""
        let lines = history.split(separator: "\n")
        #expect(lines.count == 3, "\(history)")
        #expect(lines.first?.contains("ack by alice: first look") == true && lines.last?.contains("unack by carol") == true, "\(history)")
    }

    /// Issue 17, item 2: the same database and week gave "fail" for allowlist violations when
    /// the report ran from the project root and "not measured — the policy has no allowlists"
    /// from elsewhere. The policy the analysis used is recorded with the run and read back.
    @Test func theReportJudgesWithThePolicyTheAnalysisUsed() throws {
        let dir = TempDir()
        let database = dir.path("v.sqlite")
        try dir.copyShippedPolicy()
        let log = packageRoot.appendingPathComponent("fixtures/sshd/auth.log").path
        #expect(
            try runVigil(["analyze", "--quiet", "--db", database, "--year", "2026", "--policy", dir.path("policies"), log]).status == 0)
        let elsewhere = FileManager.default.temporaryDirectory
        func allowlistRow() throws -> (String, String) {
            let report = try runVigil(["report", "--db", database, "--week", "2026-W45", "--format", "json"], cwd: elsewhere)
            let json = try JSONSerialization.jsonObject(with: Data(report.out.utf8)) as? [String: Any]
            let row = (json?["compliance"] as? [[String: Any]])?.first { $0["metric"] as? String == "IP allowlist violations" }
            return (row?["status"] as? String ?? "", report.err)
        }
        #expect(try allowlistRow().0 == "fail", "judged with the recorded policy, not the working directory's")
        // The policy changed since: still used, and said.
        let file = try FileManager.default.contentsOfDirectory(atPath: dir.path("policies")).sorted().first { $0.hasSuffix(".yaml") }!
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: dir.path("policies/" + file)))
        try handle.seekToEnd()
        try handle.write(contentsOf: Data("\n# edited\n".utf8))
        try handle.close()
        let (status, warning) = try allowlistRow()
        #expect(
            status == "fail" && warning.contains("as recorded when the period was analyzed") && warning.contains("changed since"),
            "\(warning)")
        // The policy in force is data in the store: with its files gone, the report still
        // judges with it (before: "not measured — the policy has no allowlists").
        try FileManager.default.removeItem(atPath: dir.path("policies"))
        let (afterRemoval, removalWarning) = try allowlistRow()
        #expect(afterRemoval == "fail", "judged with the recorded copy: \(removalWarning)")
        let statusText = try runVigil(["status", "--db", database], cwd: elsewhere).out
        #expect(statusText.contains("policy: \(dir.path("policies"))") && statusText.contains("gone from disk"), "\(statusText)")
    }

    /// Issue 17, item 5: `report --mask` replaced user names as substrings everywhere (user `a`
    /// turned "authentication" into "user-…uthentic…"). Whole words only now.
    @Test func maskingReplacesWholeNamesOnly() throws {
        let dir = TempDir()
        let database = dir.path("v.sqlite")
        let lines = (0..<7).map { index in
            "Nov  3 07:01:0\(index) bastion sshd[\(600 + index)]: Failed password for a from 203.0.113.70 port \(42000 + index) ssh2"
        }
        try (lines.joined(separator: "\n") + "\n").write(toFile: dir.path("auth.log"), atomically: true, encoding: .utf8)
        #expect(try runVigil(["analyze", "--quiet", "--db", database, "--year", "2026", dir.path("auth.log")]).status == 0)
        let report = try runVigil(["report", "--db", database, "--week", "2026-W45", "--format", "md", "--mask"])
        #expect(report.status == 0, "\(report.err)")
        #expect(report.out.contains("authentication failures from"), "words around the name are intact")
        #expect(!report.out.contains(": a)") && report.out.contains(": user-"), "the name itself is masked")
    }

    /// Issue 17, item 8: `--format auto` on a file 94% out of order (Apache stamps a request's
    /// start and logs it at its end) said nothing about whether that matters, nor that the
    /// format was a guess. The summary now says how the format was chosen, how late the lines
    /// were, and what it means; lines hours late (interleaved hosts, a clock step) are told apart.
    @Test func outOfOrderLinesAreExplained() throws {
        let dir = TempDir()
        func line(_ second: Int) -> String {
            let stamp = String(format: "03/Nov/2026:%02d:%02d:%02d +0000", 10 + second / 3600, (second / 60) % 60, second % 60)
            return #"198.51.100.\#(second % 200) - - [\#(stamp)] "GET /index.html HTTP/1.1" 200 512 "-" "curl/8""#
        }
        // Each pair swapped: half the lines a few seconds late, as access logs are.
        let shuffled = stride(from: 0, to: 40, by: 2).flatMap { [line($0 * 3 + 3), line($0 * 3)] }
        try (shuffled.joined(separator: "\n") + "\n").write(toFile: dir.path("access.log"), atomically: true, encoding: .utf8)
        let normal = try runVigil(["analyze", "--db", dir.path("a.sqlite"), dir.path("access.log")])
        #expect(normal.status == 0, "\(normal.err)")
        #expect(normal.out.contains("[combined, detected]"), "\(normal.out)")
        #expect(
            normal.out.contains("20 out of order (at most 3s late in the file)") && normal.out.contains("normal for access logs"),
            "\(normal.out)")
        // Two hours back in the middle: not an access log's shuffle.
        let stepped = (0..<10).map { line(7200 + $0) } + (0..<10).map { line($0) }
        try (stepped.joined(separator: "\n") + "\n").write(toFile: dir.path("stepped.log"), atomically: true, encoding: .utf8)
        let step = try runVigil(["analyze", "--db", dir.path("b.sqlite"), "--format", "combined", dir.path("stepped.log")])
        #expect(step.out.contains("[combined]") && step.out.contains("clock step"), "\(step.out)")
        // In order within the file, behind what another run analyzed: not the file's doing.
        let earlier = (0..<10).map { line($0) }
        try (earlier.joined(separator: "\n") + "\n").write(toFile: dir.path("earlier.log"), atomically: true, encoding: .utf8)
        let behind = try runVigil(["analyze", "--db", dir.path("b.sqlite"), "--format", "combined", dir.path("earlier.log")])
        #expect(behind.out.contains("10 out of order\n") && behind.out.contains("its lines are in order"), "\(behind.out)")
        #expect(!behind.out.contains("clock step"), "\(behind.out)")
    }

    /// Issue 17, item 7: suppressions recorded nobody, and `--remove` deleted one without a
    /// trace. Who made it, who lifted it, and when, now stay in its history.
    @Test func suppressionsKeepAHistory() throws {
        let dir = TempDir()
        let database = dir.path("v.sqlite")
        let log = packageRoot.appendingPathComponent("fixtures/sshd/auth.log").path
        #expect(try runVigil(["analyze", "--quiet", "--db", database, "--year", "2026", log]).status == 0)
        let made = try runVigil([
            "suppress", "--db", database, "--detector", "auth_failure_burst", "--subject", "203.0.113.7", "--until", "2099-01-01",
            "--note", "pentest window", "--by", "alice",
        ])
        #expect(made.status == 0 && made.out.contains("suppression #1"), "\(made.err)")
        #expect(try runVigil(["suppress", "--db", database, "--list"]).out.contains("by alice  pentest window"))
        #expect(try runVigil(["suppress", "--db", database, "--remove", "1", "--by", "bob"]).status == 0)
        let history = try runVigil(["suppress", "--db", database, "--history"]).out.split(separator: "\n")
        #expect(history.count == 2, "\(history)")
        #expect(history.first?.contains("suppress #1 by alice: auth_failure_burst  203.0.113.7  until 2099-01-01  pentest window") == true)
        #expect(history.last?.contains("remove #1 by bob:") == true, "\(history)")
        #expect(try runVigil(["suppress", "--db", database, "--list"]).out.contains("No suppressions."), "removed, but not forgotten")
        let stray = try runVigil(["suppress", "--db", database, "--history", "--by", "zed"])
        #expect(stray.status == 2 && stray.err.contains("--by would be ignored"), "\(stray.err)")
        #expect(try runVigil(["ack", "--db", database, "F-84ef701d8fa5", "--note", "x", "--by", "  "]).status == 2, "a blank name")
    }

    /// Issue 17, item 2, for `tail`: its run (and so its policy) was recorded only when it
    /// stopped cleanly, so a report of a week a tail was still following — or one killed with
    /// kill -9 — judged with an older policy or none. The run row is written when the tail
    /// starts and kept up to date at each checkpoint.
    @Test func aRunningTailRecordsThePolicyInForce() throws {
        let dir = TempDir()
        let database = dir.path("v.sqlite")
        try dir.copyShippedPolicy()
        try FileManager.default.copyItem(
            atPath: packageRoot.appendingPathComponent("fixtures/sshd/auth.log").path, toPath: dir.path("auth.log"))
        let tail = try TailProcessTests.start(
            [
                "tail", "--db", database, "--year", "2026", "--policy", dir.path("policies"), "--checkpoint-interval", "0.2",
                dir.path("auth.log"),
            ],
            in: dir)
        defer { if tail.isRunning { kill(tail.processIdentifier, SIGKILL) } }
        var recorded: [String: Any] = [:]
        for _ in 0..<100 {
            let status = try runVigil(["status", "--db", database, "--output", "json"])
            let json = (try? JSONSerialization.jsonObject(with: Data(status.out.utf8)) as? [String: Any]) ?? [:]
            recorded = json["policy"] as? [String: Any] ?? [:]
            if recorded["events_to"] is Int { break }
            usleep(100_000)
        }
        #expect(recorded["source"] as? String == dir.path("policies"), "\(recorded)")
        kill(tail.processIdentifier, SIGKILL)
        tail.waitUntilExit()
        let report = try runVigil(
            ["report", "--db", database, "--week", "2026-W45", "--format", "json"], cwd: FileManager.default.temporaryDirectory)
        let json = try JSONSerialization.jsonObject(with: Data(report.out.utf8)) as? [String: Any]
        let row = (json?["compliance"] as? [[String: Any]])?.first { $0["metric"] as? String == "IP allowlist violations" }
        #expect(row?["status"] as? String == "fail", "judged with the killed tail's policy: \(report.err)")
    }

    /// From a newcomer's review: 15 lines of another host analyzed from a directory without
    /// ./policies (so the built-in defaults) turned the week's "IP allowlist violations: fail"
    /// into "not measured — the policy has no allowlists", with 7 allowlist findings listed.
    /// The run says it judges with another policy, and the report judges with the policy that
    /// analyzed most of the period's events.
    @Test func aSmallRunUnderAnotherPolicyDoesNotDecideTheWeek() throws {
        let dir = TempDir()
        let database = dir.path("v.sqlite")
        try dir.copyShippedPolicy()
        let log = packageRoot.appendingPathComponent("fixtures/sshd/auth.log").path
        #expect(
            try runVigil(["analyze", "--quiet", "--db", database, "--year", "2026", "--policy", dir.path("policies"), log]).status == 0)
        let other = (0..<3).map { "Nov  3 08:0\($0):00 web9 sshd[70\($0)]: Failed password for root from 198.51.100.9 port 4100\($0) ssh2" }
        try (other.joined(separator: "\n") + "\n").write(toFile: dir.path("web9.log"), atomically: true, encoding: .utf8)
        let elsewhere = FileManager.default.temporaryDirectory
        let small = try runVigil(["analyze", "--db", database, "--year", "2026", dir.path("web9.log")], cwd: elsewhere)
        #expect(small.status == 0 && small.err.contains("this one uses the built-in defaults (no ./policies here)"), "\(small.err)")
        let report = try runVigil(["report", "--db", database, "--week", "2026-W45", "--format", "json"], cwd: elsewhere)
        let json = try JSONSerialization.jsonObject(with: Data(report.out.utf8)) as? [String: Any]
        let row = (json?["compliance"] as? [[String: Any]])?.first { $0["metric"] as? String == "IP allowlist violations" }
        #expect(row?["status"] as? String == "fail", "\(report.err)")
        #expect(report.err.contains("analyzed under 2 policies") && report.err.contains("analyzed the most events"), "\(report.err)")
        let judged = json?["judged_with"] as? String ?? ""
        #expect(
            judged.hasPrefix("the policy at \(dir.path("policies")) [")
                && judged.hasSuffix(", as recorded with the runs that analyzed the period"),
            "the report itself says what it judged with: \(judged)")
    }

    /// From a newcomer's review: `tail --format sshd` on a file that was empty when it started
    /// (as after logrotate) skipped the wrong-format check: an access log's lines were counted
    /// as malformed for ever, exit 0, and the corrected run continued after them. Now its
    /// first lines are judged as they come: the input stops loudly, nothing is recorded as
    /// read, and the corrected tail reads them all.
    @Test func aFollowedFileThatWasEmptyIsStillJudged() throws {
        let dir = TempDir()
        let log = dir.path("app.log")
        let database = dir.path("t.sqlite")
        _ = FileManager.default.createFile(atPath: log, contents: nil)
        let tail = Process()
        tail.executableURL = URL(fileURLWithPath: TailProcessTests.binary)
        tail.arguments = ["tail", "--db", database, "--format", "sshd", "--idle-exit", "2", log]
        let errors = Pipe()
        tail.standardError = errors
        tail.standardOutput = FileHandle.nullDevice
        try tail.run()
        usleep(800_000)
        let access = try Data(contentsOf: packageRoot.appendingPathComponent("fixtures/combined/access.log"))
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
        try handle.seekToEnd()
        try handle.write(contentsOf: access)
        try handle.close()
        let said = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        tail.waitUntilExit()
        #expect(tail.terminationStatus == 2, "\(said)")
        #expect(said.contains("of its first 5 lines are malformed as sshd; stopped reading it"), "\(said)")
        let corrected = try runVigil(["tail", "--db", database, "--format", "combined", "--idle-exit", "1", log])
        #expect(corrected.status == 0 && corrected.err.contains("14 lines, 13 events"), "read from its start: \(corrected.err)")
    }
}
