import Foundation
import Testing

@testable import VigilCore

/// Issue 17, "the weekly review a security lead needs": data coverage before verdicts,
/// response times and who acknowledged what, what expires soon, a four-week trend and the
/// period's incidents — through the CLI, in JSON, Markdown and HTML.
@Suite struct WeeklyReviewTests {
    /// The report as JSON, parsed.
    static func jsonReport(_ arguments: [String]) throws -> [String: Any] {
        let r = try runVigil(["report", "--format", "json"] + arguments)
        #expect(r.status == 0, "\(r.err)")
        return try #require(try JSONSerialization.jsonObject(with: Data(r.out.utf8)) as? [String: Any])
    }

    static func section(_ report: [String: Any], _ key: String) throws -> [String: Any] {
        try #require(report[key] as? [String: Any], "no \(key) in the report")
    }

    /// One MCP request line at `time`.
    static func mcpLine(_ time: Int64, server: String = "mcp-files", ip: String = "192.0.2.21") -> String {
        #"{"timestamp": "\#(EventTime.format(time))", "level": "INFO", "service": "mcp-service", "operation": "get_tools", "server_name": "\#(server)", "client_ip": "\#(ip)", "request_id": "r-\#(time)", "duration_ms": 12, "status_code": 200, "error_code": null, "message": "ok", "user_id": "u_1", "api_key_id": "key_1"}"#
    }

    /// A source with an event every hour for three days except five hours in a row shows that
    /// gap; a source with a single hour of data is "sparse", not judged; malformed and blank
    /// lines and two `tail` starts (one restart) of the runs in the period are counted; an
    /// input whose events stopped a day before the end while no other input of its format
    /// carries on is "silent". Before: the report had no coverage section at all.
    @Test func coverageShowsGapsMalformedLinesSilentInputsAndTailRestarts() throws {
        let dir = TempDir()
        let database = dir.path("v.sqlite")
        let now = EventTime.wallNow()
        let base = now / EventTime.hour * EventTime.hour - 72 * EventTime.hour
        var lines: [String] = []
        for hour in 0..<72 where !(30..<35).contains(hour) {
            lines.append(Self.mcpLine(base + Int64(hour) * EventTime.hour + 60_000))
        }
        lines.append(Self.mcpLine(base + 3 * EventTime.hour, server: "mcp-once"))
        lines += ["{not json", "garbage", ""]
        try (lines.joined(separator: "\n") + "\n").write(toFile: dir.path("mcp.jsonl"), atomically: true, encoding: .utf8)
        // An access log whose last request was two days ago, and nothing of its format since.
        let old = EventTime.format(base).prefix(10).split(separator: "-")
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        let accessTime = "\(old[2])/\(months[Int(old[1])! - 1])/\(old[0]):00:30:00 +0000"
        try "192.0.2.9 - - [\(accessTime)] \"GET / HTTP/1.1\" 200 12 \"-\" \"curl\"\n".write(
            toFile: dir.path("access.log"), atomically: true, encoding: .utf8)

        // A rotated MCP log that ended two days ago: its format carries on in mcp.jsonl.
        try (Self.mcpLine(base) + "\n").write(toFile: dir.path("mcp.jsonl.1"), atomically: true, encoding: .utf8)

        let analyzed = try runVigil([
            "analyze", "--quiet", "--db", database, dir.path("mcp.jsonl.1"), dir.path("mcp.jsonl"), dir.path("access.log"),
        ])
        #expect(analyzed.status == 0, "\(analyzed.err)")
        for _ in 0..<2 {
            let tail = try runVigil(["tail", "--db", database, "--idle-exit", "0.5", "--quiet", dir.path("mcp.jsonl")])
            #expect(tail.status == 0, "\(tail.err)")
        }

        let from = EventTime.format(base), to = EventTime.format(now + EventTime.hour)
        let report = try Self.jsonReport(["--db", database, "--from", from, "--to", to, "--as-of", EventTime.format(now)])
        let coverage = try Self.section(report, "coverage")
        let sources = try #require(coverage["sources"] as? [[String: Any]])
        let files = try #require(sources.first { $0["server"] as? String == "mcp-files" })
        #expect(files["status"] as? String == "gaps")
        #expect(files["events"] as? Int == 68, "67 hours and the rotated file's line")
        let gaps = try #require(files["gaps"] as? [[String: Any]])
        #expect(gaps.count == 1 && gaps.first?["hours"] as? Int == 5, "\(gaps)")
        #expect(gaps.first?["from"] as? String == EventTime.format(base + 30 * EventTime.hour))
        #expect((files["per_day"] as? [[String: Any]])?.compactMap { $0["count"] as? Int }.reduce(0, +) == 68)
        let once = try #require(sources.first { $0["server"] as? String == "mcp-once" })
        #expect(once["status"] as? String == "sparse" && (once["gaps"] as? [Any])?.isEmpty == true)

        let runs = try #require(coverage["runs"] as? [String: Any])
        #expect(runs["analyze_runs"] as? Int == 1 && runs["tail_runs"] as? Int == 2, "\(runs)")
        #expect(runs["malformed"] as? Int == 2, "\(runs)")
        #expect(runs["ignored"] as? Int == 1, "the blank line: \(runs)")
        #expect((coverage["tail_starts"] as? [Any])?.count == 2)

        let inputs = try #require(coverage["inputs"] as? [[String: Any]])
        let access = try #require(inputs.first { ($0["path"] as? String)?.hasSuffix("access.log") == true })
        #expect(access["silent"] as? Bool == true, "\(inputs)")
        let mcp = try #require(inputs.first { ($0["path"] as? String)?.hasSuffix("mcp.jsonl") == true })
        #expect(mcp["silent"] as? Bool == false && mcp["malformed"] as? Int == 2)
        let rotated = try #require(inputs.first { ($0["path"] as? String)?.hasSuffix("mcp.jsonl.1") == true })
        #expect(rotated["silent"] as? Bool == false, "rotated: mcp.jsonl carries on after it")
        #expect(coverage["silent_inputs"] as? Int == 1)

        let markdown = try runVigil(["report", "--db", database, "--from", from, "--to", to, "--format", "md"]).out
        #expect(markdown.contains("## Data coverage") && markdown.contains("| mcp-files |") && markdown.contains("(5 h)"))
        #expect(markdown.contains("2 tail") && markdown.contains("(1 restarts)"), "\(markdown)")
    }

    /// A week without data says so in every new section instead of an empty table or a verdict.
    @Test func aWeekWithoutDataSaysNoData() throws {
        let dir = TempDir()
        let database = try ReportTests.analyzed(dir)
        let report = try Self.jsonReport(["--db", database, "--week", "2026-W40", "--as-of", "2026-10-10"])
        let coverage = try Self.section(report, "coverage")
        #expect((coverage["sources"] as? [Any])?.isEmpty == true)
        #expect(coverage["runs"] == nil || coverage["runs"] is NSNull)
        let markdown = try runVigil(["report", "--db", database, "--week", "2026-W40", "--as-of", "2026-10-10", "--format", "md"]).out
        #expect(markdown.contains("No data: no events were counted in this period or the previous one."))
        #expect(markdown.contains("| P1 | 0 | not measured |"), "response times without findings are not measured")
        #expect(markdown.contains("| 2026-W40 | 0 | 0 | 0 | 0 | 0 | no data |"))
        let html = try runVigil(["report", "--db", database, "--week", "2026-W40", "--as-of", "2026-10-10"]).out
        #expect(html.contains("No data: no events were counted") && html.contains("not measured: no P1 finding"))
    }

    /// On the fixtures: acknowledging the P1 with `--by` shows who answered it and how late
    /// against the plan's response time (P1 15 minutes, P2 30), the open P1/P2 past their
    /// targets, the subject with several findings as one incident with its evidence lines, and
    /// the trend of the four weeks ending with this one.
    @Test func triageFiguresIncidentsAndTrend() throws {
        let dir = TempDir()
        let database = try ReportTests.analyzed(dir)
        let p1 = try runVigil(["findings", "--db", database, "--severity", "p1", "--output", "jsonl"]).out
        let ids = p1.split(separator: "\n").compactMap { line in
            (try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])?["id"] as? String
        }
        let first = try #require(ids.first)
        let ack = try runVigil(["ack", "--db", database, first, "--by", "alice", "--note", "<script>alert(1)</script> from 203.0.113.7"])
        #expect(ack.status == 0, "\(ack.err)")

        let week = ["--db", database, "--week", "2026-W45", "--as-of", "2026-11-10"]
        let report = try Self.jsonReport(week)
        let triage = try Self.section(report, "triage_figures")
        let bySeverity = try #require(triage["by_severity"] as? [[String: Any]])
        let p1Row = try #require(bySeverity.first { $0["severity"] as? String == "P1" })
        #expect(p1Row["findings"] as? Int == 3 && p1Row["answered_late"] as? Int == 1 && p1Row["open_overdue"] as? Int == 2, "\(p1Row)")
        let p2Row = try #require(bySeverity.first { $0["severity"] as? String == "P2" })
        #expect(p2Row["findings"] as? Int == 19 && p2Row["open_overdue"] as? Int == 19, "\(p2Row)")
        let targets = try #require(triage["targets"] as? [[String: Any]])
        #expect(targets.compactMap { $0["minutes"] as? Int } == [15, 30])
        let overdue = try #require(triage["overdue"] as? [[String: Any]])
        let answered = try #require(overdue.first { $0["id"] as? String == first })
        #expect(answered["answered_by"] as? String == "alice" && answered["state"] as? String == "answered_late")
        #expect(overdue.filter { $0["state"] as? String == "open_overdue" }.count == 21)
        let activity = try #require(triage["activity"] as? [[String: Any]])
        #expect(activity.count == 1 && activity[0]["by"] as? String == "alice" && activity[0]["finding_id"] as? String == first)
        #expect((triage["reviewers"] as? [[String: Any]])?.first?["acknowledged"] as? Int == 1)

        let incidents = try Self.section(report, "incidents")
        let subjects = try #require(incidents["subjects"] as? [[String: Any]])
        let bastionAttacker = try #require(subjects.first { $0["subject"] as? String == "203.0.113.7" })
        #expect(bastionAttacker["worst_severity"] as? String == "P1")
        #expect((bastionAttacker["detectors"] as? [String])?.contains("allowlist_violation") == true)
        #expect((bastionAttacker["findings"] as? Int ?? 0) > 1)
        #expect(subjects.allSatisfy { ($0["findings"] as? Int ?? 0) > 1 }, "one row per subject with several findings")
        let evidence = try #require(incidents["evidence"] as? [[String: Any]])
        #expect(evidence.count == 20 && incidents["evidence_total"] as? Int == 22, "P1 and P2 only")
        let lines = evidence.flatMap { ($0["lines"] as? [[String: Any]]) ?? [] }
        #expect(
            lines.contains {
                $0["at"] as? String == "fixtures/sshd/auth.log:14" && ($0["text"] as? String)?.contains("user=oracle") == true
            })

        // The analysis ran weeks after the events: its run is found by the event time it read.
        let runs = try #require(try Self.section(report, "coverage")["runs"] as? [String: Any])
        #expect(runs["analyze_runs"] as? Int == 1 && runs["lines"] as? Int == 98 && runs["events"] as? Int == 91, "\(runs)")
        #expect(runs["malformed"] as? Int == 3 && runs["ignored"] as? Int == 4, "\(runs)")

        let trend = try #require(report["trend"] as? [[String: Any]])
        #expect(trend.compactMap { $0["label"] as? String } == ["2026-W42", "2026-W43", "2026-W44", "2026-W45"])
        // 24: slow_brute_force's 203.0.113.50 in fixtures/sshd/auth.log (issue 13) joined the 23.
        #expect(trend.last?["findings"] as? Int == 24 && trend.last?["p1"] as? Int == 3 && trend.last?["events"] as? Int == 91)
        #expect(trend.last?["rate_limited"] as? Int == 2 && trend.last?["requests"] as? Int == 39)
        #expect(trend.last?["auth_failures"] as? Int == 59 && trend.first?["events"] as? Int == 0)

        // Attacker text is escaped; --mask covers the new sections too.
        let html = try runVigil(["report"] + week).out
        #expect(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;") && !html.contains("<script>alert"))
        #expect(html.contains("id=\"response\"") && html.contains("id=\"incidents\"") && html.contains("id=\"coverage\""))
        let markdown = try runVigil(["report", "--format", "md"] + week).out
        #expect(markdown.contains("&lt;script&gt;alert(1)&lt;/script&gt;") && markdown.contains("| alice | ack |"))
        let masked = try runVigil(["report", "--format", "json", "--mask"] + week)
        let maskedReport = try #require(try JSONSerialization.jsonObject(with: Data(masked.out.utf8)) as? [String: Any])
        for key in ["triage_figures", "incidents", "expiring_soon"] {
            let text = String(decoding: try JSONSerialization.data(withJSONObject: maskedReport[key] as Any), as: UTF8.self)
            #expect(!text.contains("203.0.113.7") && !text.contains("oracle") && !text.contains("alice"), "\(key): \(text)")
        }
        #expect(
            String(decoding: try JSONSerialization.data(withJSONObject: maskedReport["incidents"] as Any), as: UTF8.self).contains(
                "203.0.113.0\\/24"))
    }

    /// Allowlists and entries of the policy in force, and suppressions, that end in the period
    /// or in the 14 days after it are listed with the days left; later ones are not.
    @Test func expiringSoonListsAllowlistsEntriesAndSuppressions() throws {
        let dir = TempDir()
        let database = try ReportTests.analyzed(dir)
        let policy = dir.path("policy.yaml")
        try """
        version: 1
        allowlists:
          - name: contractors
            servers: ["bastion"]
            cidrs:
              - 192.0.2.0/24
              - { cidr: 198.51.100.0/24, expires: 2026-11-12, note: "audit <b>SEC-9</b>" }
            owner: secops@example.com
            expires: 2026-11-20
          - name: later
            servers: ["web*"]
            cidrs: ["192.0.2.0/24"]
            expires: 2027-01-31
        """.write(toFile: policy, atomically: true, encoding: .utf8)
        let suppress = try runVigil([
            "suppress", "--db", database, "--detector", "auth_failure_burst", "--subject", "203.0.113.7", "--until", "2026-12-25",
            "--note", "scanner",
        ])
        #expect(suppress.status == 0, "\(suppress.err)")
        let soon = try runVigil([
            "suppress", "--db", database, "--detector", "*", "--subject", "198.51.100.66", "--until", "2026-12-05", "--note", "pen test",
        ])
        #expect(soon.status == 0, "\(soon.err)")
        let week = ["--db", database, "--week", "2026-W48", "--as-of", "2026-11-30", "--policy", policy]
        let report = try Self.jsonReport(week)
        let expiring = try #require(report["expiring_soon"] as? [[String: Any]])
        #expect(
            expiring.compactMap { $0["kind"] as? String } == ["suppression"], "W48: only the suppression ending 2026-12-06: \(expiring)")
        #expect(expiring.first?["days_left"] as? Int == 6 && expiring.first?["value"] as? String == "198.51.100.66")

        let w46 = try Self.jsonReport(["--db", database, "--week", "2026-W46", "--as-of", "2026-11-17", "--policy", policy])
        let list = try #require(w46["expiring_soon"] as? [[String: Any]])
        #expect(list.compactMap { $0["kind"] as? String } == ["allowlist_entry", "allowlist"], "\(list)")
        #expect(list.first?["value"] as? String == "198.51.100.0/24" && list.first?["days_left"] as? Int == -3)
        #expect(list.last?["name"] as? String == "contractors" && list.last?["days_left"] as? Int == 5)
        #expect((list.last?["location"] as? String)?.hasPrefix(policy) == true)
        let markdown = try runVigil([
            "report", "--format", "md", "--db", database, "--week", "2026-W46", "--as-of", "2026-11-17", "--policy", policy,
        ]).out
        #expect(
            markdown.contains("## Expiring soon") && markdown.contains("audit &lt;b&gt;SEC-9&lt;/b&gt;") && markdown.contains("| expired |")
        )
    }
}

/// Issue 17: successful logins in the weekly review — by user, method and source, first-time
/// sources per user, root logins — from `login_daily`, counted at ingest exactly once.
@Suite struct WeeklyReviewLoginTests {
    /// sshd lines: a root login and a deploy login the week before (W44), then in W45 root
    /// again from the same address, root from a new one, and a user whose name is markup (the
    /// decoder shows such a name as `[redacted:…]`: it looks like a password typed as a user).
    static let log = [
        "Oct 27 08:00:00 bastion sshd[100]: Accepted publickey for root from 192.0.2.5 port 4000 ssh2",
        "Oct 27 09:00:00 bastion sshd[101]: Accepted publickey for deploy from 192.0.2.10 port 4001 ssh2",
        "Nov  3 08:00:00 bastion sshd[102]: Accepted publickey for root from 192.0.2.5 port 4002 ssh2",
        "Nov  3 08:05:00 bastion sshd[103]: Accepted publickey for root from 192.0.2.5 port 4003 ssh2",
        "Nov  4 22:10:00 bastion sshd[104]: Accepted password for root from 198.51.100.77 port 4004 ssh2",
        "Nov  5 10:00:00 web1 sshd[105]: Accepted password for *x*_[y](z) from 192.0.2.10 port 4005 ssh2",
        "Nov  6 11:00:00 web1 sshd[106]: Accepted publickey for deploy from 192.0.2.10 port 4006 ssh2",
    ]

    static func logins(_ database: String, mask: Bool = false) throws -> [String: Any] {
        let report = try WeeklyReviewTests.jsonReport(
            ["--db", database, "--week", "2026-W45", "--as-of", "2026-11-10"] + (mask ? ["--mask"] : []))
        return try WeeklyReviewTests.section(report, "logins")
    }

    @Test func loginsByUserMethodAndSourceWithFirstTimeSourcesAndRoot() throws {
        let dir = TempDir()
        let database = dir.path("v.sqlite")
        let path = dir.path("auth.log")
        try (Self.log.joined(separator: "\n") + "\n").write(toFile: path, atomically: true, encoding: .utf8)
        #expect(try runVigil(["analyze", "--quiet", "--db", database, "--year", "2026", path]).status == 0)

        let logins = try Self.logins(database)
        #expect(logins["measured"] as? Bool == true && logins["total"] as? Int == 5, "W44's two logins are not in W45: \(logins)")
        #expect(logins["root_logins"] as? Int == 3 && logins["users"] as? Int == 3 && logins["sources"] as? Int == 3)
        let rows = try #require(logins["rows"] as? [[String: Any]])
        let rootBastion = try #require(rows.first { $0["address"] as? String == "192.0.2.5" })
        #expect(
            rootBastion["user"] as? String == "root" && rootBastion["logins"] as? Int == 2
                && rootBastion["method"] as? String == "publickey")
        #expect(rootBastion["first_time_source"] as? Bool == false && rootBastion["root"] as? Bool == true, "root came from there in W44")
        let firstTime = try #require(logins["first_time_sources"] as? [[String: Any]])
        #expect(
            firstTime.map { "\($0["user"] as? String ?? "") \($0["address"] as? String ?? "")" }.map {
                $0.hasPrefix("[redacted:") ? "redacted " + $0.split(separator: " ")[1] : $0
            } == [
                "root 198.51.100.77", "redacted 192.0.2.10",
            ], "deploy from 192.0.2.10 is not new (W44); root from 198.51.100.77 is: \(firstTime)")

        let markdown = try runVigil(["report", "--db", database, "--week", "2026-W45", "--as-of", "2026-11-10", "--format", "md"]).out
        #expect(markdown.contains("## Successful logins") && markdown.contains("**3 as root**"))
        #expect(markdown.contains("\\[redacted\\:") && !markdown.contains("| [redacted:"), "brackets from a log are escaped")
        let html = try runVigil(["report", "--db", database, "--week", "2026-W45", "--as-of", "2026-11-10"]).out
        #expect(html.contains("id=\"logins\"") && html.contains("<span class=\"badge fail\">root</span>"))

        let masked = try Self.logins(database, mask: true)
        let text = String(decoding: try JSONSerialization.data(withJSONObject: masked), as: UTF8.self)
        #expect(!text.contains("198.51.100.77") && !text.contains("\"user\":\"root\"") && !text.contains("deploy"), "\(text)")
        #expect(text.contains("198.51.100.0\\/24") && masked["root_logins"] as? Int == 3)
    }

    /// The counts are committed with the checkpoint that read the lines: a file analyzed in
    /// two runs, then re-analyzed, counts each login once.
    @Test func loginCountsAreExactAcrossSplitRunsAndReanalysis() throws {
        let dir = TempDir()
        let database = dir.path("v.sqlite")
        let path = dir.path("auth.log")
        try (Self.log[0..<3].joined(separator: "\n") + "\n").write(toFile: path, atomically: true, encoding: .utf8)
        #expect(try runVigil(["analyze", "--quiet", "--db", database, "--year", "2026", path]).status == 0)
        // Appended with one open, write and close: nothing else owns this descriptor.
        let rest = Array((Self.log[3...].joined(separator: "\n") + "\n").utf8)
        let fd = open(path, O_WRONLY | O_APPEND | O_CLOEXEC)
        #expect(fd >= 0)
        #expect(rest.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) } == rest.count)
        #expect(close(fd) == 0)
        #expect(try runVigil(["analyze", "--quiet", "--db", database, "--year", "2026", path]).status == 0)
        #expect(try Self.logins(database)["total"] as? Int == 5)
        let again = try runVigil(["reanalyze", "--db", database])
        #expect(again.status == 0, "\(again.err)")
        let after = try Self.logins(database)
        #expect(after["total"] as? Int == 5 && after["root_logins"] as? Int == 3, "\(after)")
    }

    /// Without SSH logs the section says so, rather than "0 logins".
    @Test func noSSHLogsIsNotMeasured() throws {
        let dir = TempDir()
        let database = try ReportTests.analyzed(dir, logs: ["fixtures/mcp/mcp-service-2026-11-05.jsonl"])
        let logins = try Self.logins(database)
        #expect(logins["measured"] as? Bool == false && logins["note"] as? String == "no SSH logs in this period")
        let markdown = try runVigil(["report", "--db", database, "--week", "2026-W45", "--as-of", "2026-11-10", "--format", "md"]).out
        #expect(markdown.contains("Not measured: no SSH logs in this period."))
    }

    /// Memory between checkpoints is bounded: past `maxItemized` distinct keys, logins are
    /// counted in an unitemized row of their day and server, and none is lost.
    @Test func theCounterIsBoundedAndLosesNoLogin() {
        let symbols = SymbolTable()
        let counter = LoginCounter(symbols: symbols)
        let extra = 100
        var e = Event()
        e.outcome = .success
        e.server = symbols.intern("bastion")
        e.operation = symbols.intern("publickey")
        e.time = ms("2026-11-03T08:00:00Z")
        for i in 0..<(LoginCounter.maxItemized + extra) {
            e.user = symbols.intern("user\(i)")
            e.clientIP = IPAddress("192.0.2.\(i % 250)")
            counter.count(e, format: .sshd)
        }
        counter.count(e, format: .mcpJSON)  // not an SSH login
        let rows = counter.drain()
        #expect(rows.filter(\.isItemized).count == LoginCounter.maxItemized)
        let rest = rows.filter { !$0.isItemized }
        #expect(rest.count == 1 && rest.first?.logins == Int64(extra) && rest.first?.server == "bastion")
        #expect(rows.reduce(0) { $0 + $1.logins } == Int64(LoginCounter.maxItemized + extra))
        #expect(counter.drain().isEmpty, "a drain empties it")
    }
}
