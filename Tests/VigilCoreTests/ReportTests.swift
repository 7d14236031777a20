import Foundation
import Testing

@testable import VigilCore

/// The weekly report, triage and retention, over real runs of the pipeline.
@Suite struct ReportTests {
    static let fixtureLogs = [
        "fixtures/sshd/auth.log", "fixtures/sshd/syslog-rfc3339-rfc5424.log", "fixtures/mcp/mcp-service-2026-11-05.jsonl",
        "fixtures/mcp/mcp-service-2026-11-06.jsonl.gz", "fixtures/combined/access.log",
    ]

    /// Analyzes the fixtures into a fresh database.
    static func analyzed(_ t: TempDir, logs: [String] = fixtureLogs) throws -> String {
        let db = t.path("v.sqlite")
        let r = try runVigil(["analyze", "--quiet", "--db", db, "--year", "2026"] + logs)
        #expect(r.status == 0, "\(r.err)")
        return db
    }

    static func hourly(_ db: String) throws -> [HourlyCount] {
        try FindingStore(path: db).hourlyCounts()
    }

    @Test func isoWeeks() {
        #expect(ReportPeriod.week("2026-W47", now: 0)?.from == ms("2026-11-16T00:00:00Z"))
        #expect(ReportPeriod.week("2026-W47", now: 0)?.to == ms("2026-11-23T00:00:00Z"))
        #expect(ReportPeriod.week("2026-W01", now: 0)?.from == ms("2025-12-29T00:00:00Z"))
        #expect(ReportPeriod.week("2020-W53", now: 0)?.label == "2020-W53")
        #expect(ReportPeriod.week("2021-W53", now: 0) == nil)
        #expect(ReportPeriod.week("2026-W00", now: 0) == nil)
        #expect(ReportPeriod.week("nonsense", now: 0) == nil)
        // Sunday 2026-11-29 belongs to W48; "last" is W47.
        let now = ms("2026-11-29T12:00:00Z")
        #expect(ReportPeriod.week("this", now: now)?.label == "2026-W48")
        #expect(ReportPeriod.week("last", now: now)?.label == "2026-W47")
        #expect(ReportPeriod.week("2026-W47", now: 0)?.previous.label == "2026-W46")
        let r = ReportPeriod.range(from: "2026-11-01", to: "2026-11-30", now: now)
        #expect(r?.from == ms("2026-11-01T00:00:00Z") && r?.to == ms("2026-12-01T00:00:00Z"))
        #expect(ReportPeriod.range(from: "2026-11-30", to: "2026-11-01", now: now) == nil)
    }

    @Test func hourlyCountsMatchTheDecodedEvents() throws {
        let t = TempDir()
        let db = try Self.analyzed(t)
        let rows = try Self.hourly(db)
        // Every decoded event is counted once, under its own hour and outcome.
        var expected: [String: Int64] = [:]
        var total: Int64 = 0
        for log in Self.fixtureLogs {
            let d = try runVigil(["decode", "--year", "2026", "--output", "jsonl", log])
            for line in d.out.split(separator: "\n") {
                let o = try JSONSerialization.jsonObject(with: Data(line.utf8)) as! [String: Any]
                if o["malformed"] != nil { continue }  // listed, not counted
                let time = o["time"] as! String
                let hour = ms(String(time.prefix(13)) + ":00:00Z")
                expected["\(hour) \(o["outcome"] as! String)", default: 0] += 1
                total += 1
            }
        }
        var got: [String: Int64] = [:]
        for r in rows { got["\(r.hour) \(r.outcome)", default: 0] += r.events }
        #expect(got == expected)
        #expect(rows.reduce(0) { $0 + $1.events } == total)
        #expect(Set(rows.map(\.source)) == ["sshd", "mcp-json", "combined"])
        #expect(rows.contains { $0.server == "bastion" && $0.outcome == "auth_failure" })
    }

    @Test func hourlyCountsAreTheSameInSplitRuns() throws {
        let t = TempDir()
        let one = try Self.analyzed(t, logs: ["fixtures/sshd/auth.log"])
        let lines = try String(contentsOfFile: packageRoot.appendingPathComponent("fixtures/sshd/auth.log").path, encoding: .utf8)
            .split(separator: "\n", omittingEmptySubsequences: false)
        let part = t.path("auth.log")
        let db2 = t.path("split.sqlite")
        try (lines[0..<17].joined(separator: "\n") + "\n").write(toFile: part, atomically: false, encoding: .utf8)
        _ = try runVigil(["analyze", "--quiet", "--db", db2, "--year", "2026", part])
        let h = try FileHandle(forWritingTo: URL(fileURLWithPath: part))
        try h.seekToEnd()
        try h.write(contentsOf: Data(lines[17...].joined(separator: "\n").utf8))
        try h.close()
        _ = try runVigil(["analyze", "--quiet", "--db", db2, "--year", "2026", part])
        _ = try runVigil(["analyze", "--quiet", "--db", db2, "--year", "2026", part])  // nothing new
        #expect(try Self.hourly(one) == Self.hourly(db2))
    }

    @Test func reportFiguresComeFromTheStore() throws {
        let t = TempDir()
        let db = try Self.analyzed(t)
        let store = try FindingStore(path: db)
        let loaded = PolicyLoader.load(packageRoot.appendingPathComponent("policies").path)
        var o = ReportBuilder.Options()
        o.now = ms("2026-11-10T00:00:00Z")
        let r = try ReportBuilder(store: store, policy: loaded.policy, options: o).build(ReportPeriod.week("2026-W45", now: 0)!)
        let all = try store.findings(FindingQuery())
        #expect(r.summary.findings == all.count)
        #expect(r.summary.previousFindings == 0)
        #expect(r.summary.bySeverity.first { $0.severity == .p1 }?.count == all.filter { $0.severity == .p1 }.count)
        #expect(r.findingsPerDay.count == 7 && r.findingsPerDay.reduce(0) { $0 + $1.total } == all.count)
        #expect(r.authFailuresPerHour.count == 168)
        let hourly = try Self.hourly(db)
        #expect(r.summary.events == hourly.reduce(0) { $0 + $1.events })
        #expect(
            r.authFailuresPerHour.reduce(0) { $0 + $1.count }
                == hourly.filter { $0.outcome == "auth_failure" }.reduce(0) { $0 + $1.attempts })
        let unauthorized = r.compliance.first { $0.metric == "Unauthorized access attempts" }!
        #expect(unauthorized.status == .fail)
        #expect(unauthorized.measured == String(hourly.filter { $0.outcome == "forbidden" }.reduce(0) { $0 + $1.events }))
        let allowlist = r.compliance.first { $0.metric == "IP allowlist violations" }!
        let violations = all.filter { $0.detector == "allowlist_violation" }.reduce(0) { $0 + $1.count }
        #expect(allowlist.measured == String(violations) && violations > 0)
        // The fixtures' keys are days old: no key is past warm-up, so no anomaly.
        #expect(r.compliance.first { $0.metric == "API key usage anomalies" }?.status == .pass)
        #expect(r.compliance.first { $0.metric == "API key usage anomalies" }?.measured == "0 (0 open)")
        #expect(r.topAddresses.first?.occurrences ?? 0 >= r.topAddresses.last?.occurrences ?? 0)
        #expect(r.topAddresses.contains { $0.subject == "203.0.113.7" && $0.country == "BR" && $0.asn == "AS64502" })
        #expect(r.open.total == all.count)
        #expect(r.openByAge.reduce(0) { $0 + $1.count } == all.count)
        // Nothing in the week before.
        let empty = try ReportBuilder(store: store, policy: loaded.policy, options: o).build(ReportPeriod.week("2026-W40", now: 0)!)
        #expect(empty.summary.findings == 0 && !empty.notes.isEmpty)
    }

    @Test func acknowledgeAndSuppress() throws {
        let t = TempDir()
        let db = try Self.analyzed(t)
        let store = try FindingStore(path: db)
        let all = try store.findings(FindingQuery())
        let target = all.first { $0.subject == "203.0.113.7" }!
        #expect(try store.acknowledge(String(target.id.prefix(8)), note: "known", by: "test", at: 1) == target.id)
        #expect(throws: VigilError.self) { try store.acknowledge("F-", note: "ambiguous", by: "test", at: 1) }
        #expect(throws: VigilError.self) { try store.acknowledge("F-ffffffffffff", note: "missing", by: "test", at: 1) }
        let s = try store.suppress(
            detector: "allowlist_violation", subject: "203.0.113.50", until: ms("2026-12-01T00:00:00Z"), note: "vendor VPN", by: "test",
            at: 2)
        _ = try store.suppress(
            detector: "*", subject: "key_c0de", until: ms("2026-11-01T00:00:00Z"), note: "ended before", by: "test", at: 2)
        let after = try store.findings(FindingQuery())
        #expect(after.first { $0.id == target.id }?.triage?.ackNote == "known")
        let suppressed = after.filter { $0.triage?.isSuppressed == true }
        #expect(suppressed.map(\.subject) == ["203.0.113.50"])
        #expect(suppressed.first?.triage?.suppressionNote == "vendor VPN")
        // Suppressed findings stay stored and counted.
        #expect(after.count == all.count)
        let r = try ReportBuilder(store: store, policy: Policy()).build(ReportPeriod.week("2026-W45", now: 0)!)
        #expect(r.acknowledged.total == 1 && r.suppressed.total == 1)
        #expect(r.open.total == all.count - 2)
        #expect(r.summary.findings == all.count)
        #expect(try store.removeSuppression(s.id, by: "test", at: 3))
        #expect(try store.findings(FindingQuery()).filter { $0.triage?.isSuppressed == true }.isEmpty)
        _ = try store.unacknowledge(target.id, by: "test", at: 2)
        #expect(try store.findings(FindingQuery()).first { $0.id == target.id }?.triage == nil)
        // Re-analyzing (the finding grows or not) keeps the acknowledgement.
        _ = try store.acknowledge(target.id, note: "again", by: "test", at: 3)
        _ = try runVigil(["analyze", "--quiet", "--db", db, "--year", "2026", "fixtures/sshd/auth.log"])
        #expect(try store.findings(FindingQuery()).first { $0.id == target.id }?.triage?.ackNote == "again")
    }

    @Test func pruneAppliesRetentionBySeverity() throws {
        let t = TempDir()
        let db = try Self.analyzed(t)
        let store = try FindingStore(path: db)
        let all = try store.findings(FindingQuery())
        let newest = all.map(\.lastSeen).max()!
        var r = RetentionSettings()
        // 20 days after the newest finding: only P4 (14 days) would go…
        let dry = try store.prune(r, now: newest + 20 * EventTime.day, dryRun: true)
        #expect(dry.findings[.p4] == all.filter { $0.severity == .p4 }.count)
        #expect(dry.findings.filter { $0.key != .p4 }.values.reduce(0, +) == 0)
        // …with P2 kept only 1 day, every P2 and P4 goes; P1 (90 days) and P3 (30 days) stay.
        r.findings[.p2] = EventTime.day
        r.aggregates = EventTime.day
        let done = try store.prune(r, now: newest + 20 * EventTime.day)
        let left = try store.findings(FindingQuery())
        #expect(done.findings[.p2] == all.filter { $0.severity == .p2 }.count)
        #expect(
            left.allSatisfy { $0.severity == .p1 || $0.severity == .p3 }
                && left.count == all.filter { $0.severity == .p1 || $0.severity == .p3 }.count)
        #expect(left.contains { $0.severity == .p1 })
        #expect(try Self.hourly(db).isEmpty && done.hourlyRows > 0)
    }

    @Test func pruneWhileAnotherProcessReads() async throws {
        let t = TempDir()
        let db = try Self.analyzed(t)
        let task = Task.detached { () -> Int in
            guard let reader = try? FindingStore(path: db) else { return -1 }
            var reads = 0
            for _ in 0..<200 { if (try? reader.findings(FindingQuery())) != nil { reads += 1 } }
            return reads
        }
        let r = try runVigil(["prune", "--db", db, "--as-of", "2027-06-01"])
        #expect(r.status == 0, "\(r.err)")
        #expect(r.out.contains("deleted"))
        #expect(await task.value == 200)
        #expect(try FindingStore(path: db).findings(FindingQuery()).isEmpty)
    }

    /// Attacker-controlled strings through the whole pipeline: logs → findings → reports.
    @Test func hostileStringsAreEscapedInEveryFormat() throws {
        let t = TempDir()
        let log = t.path("hostile.jsonl")
        let nasty = [
            "<script>alert(1)</script>", "[click](javascript:alert(1))", "](javascript:alert(2))", "\u{1b}[31mred\u{1b}[0m",
            "ctl\u{07}\u{08}\u{7f}", "bidi\u{202e}txt", "<img src=x onerror=alert(3)>", "|pipe|", "`code`", "**bold**",
        ]
        var lines: [String] = []
        for (i, n) in nasty.enumerated() {
            let esc = String(data: try JSONSerialization.data(withJSONObject: [n], options: [.fragmentsAllowed]), encoding: .utf8)!
                .dropFirst().dropLast()
            for k in 0..<7 {
                lines.append(
                    "{\"timestamp\":\"2026-11-17T10:\(10 + i):0\(k)Z\",\"level\":\"WARN\",\"operation\":\"execute_tool\",\"server_name\":\(esc),\"client_ip\":\"203.0.113.\(i + 1)\",\"request_id\":\(esc),\"status_code\":\(k < 6 ? 401 : 403),\"tool_name\":\(esc),\"user_id\":\(esc),\"api_key_id\":\(esc)}"
                )
            }
        }
        try (lines.joined(separator: "\n") + "\n").write(toFile: log, atomically: true, encoding: .utf8)
        let db = t.path("v.sqlite")
        let a = try runVigil(["analyze", "--quiet", "--db", db, log])
        #expect(a.status == 0, "\(a.err)")
        let ids = try FindingStore(path: db).findings(FindingQuery()).map(\.id)
        #expect(ids.count >= 10)
        _ = try runVigil(["ack", "--db", db, ids[0], "--note", "<script>note</script> ](javascript:x) \u{1b}[2J"])
        _ = try runVigil([
            "suppress", "--db", db, "--detector", "*", "--subject", "[click](javascript:alert(1))", "--until", "2027-01-01", "--note",
            "<b>x</b>",
        ])
        for format in ["html", "md", "json"] {
            let r = try runVigil(["report", "--db", db, "--week", "2026-W47", "--format", format])
            #expect(r.status == 0, "\(r.err)")
            let out = r.out
            // HTML and Markdown show control, bidi and zero-width characters as visible escapes;
            // JSON escapes every C0 control (bidi characters are valid JSON string data).
            #expect(
                !out.unicodeScalars.contains {
                    ($0.value < 0x20 && $0.value != 0x0a) || (format != "json" && ($0.value == 0x202e || $0.value == 0x7f))
                },
                "\(format) carries control characters")
            if format != "json" {
                #expect(!out.lowercased().contains("<script"), "\(format) carries a script tag")
                #expect(!out.lowercased().contains("<img"), "\(format) carries an img tag")
            }
            if format == "html" {
                // In HTML, link syntax is inert text; what matters is that no attribute carries it.
                #expect(!out.contains("href"), "html carries a link")
            }
            if format == "html" {
                #expect(out.contains("&lt;script&gt;alert(1)&lt;/script&gt;"))
                #expect(!out.contains("<b>x</b>"))
            }
            if format == "md" {
                #expect(!out.contains("](javascript:"), "md carries a javascript link")
                #expect(out.contains("\\[click\\]"))
                #expect(!out.contains("[click]("))
                #expect(out.contains("\\|pipe\\|"))
            }
            if format == "json" {
                let o = try JSONSerialization.jsonObject(with: Data(out.utf8)) as! [String: Any]
                #expect(o["period"] != nil)
                #expect(out.contains("\\u001b"))
            }
        }
    }

    @Test func maskHidesAddressesAndUsers() throws {
        let t = TempDir()
        let db = try Self.analyzed(t)
        for format in ["html", "md", "json"] {
            let r = try runVigil(["report", "--db", db, "--week", "2026-W45", "--format", format, "--mask"])
            #expect(r.status == 0)
            for ip in ["203.0.113.7", "203.0.113.50", "198.51.100.66", "198.51.100.20", "2001:db8::66", "192.0.2.200", "198.51.100.99"] {
                #expect(
                    !r.out.contains(ip + " ") && !r.out.contains(ip + "<") && !r.out.contains(ip + "\"") && !r.out.contains(ip + " |")
                        && !r.out.contains(ip + ")"),
                    "\(format) shows \(ip)")
            }
            #expect(r.out.contains("203.0.113.0/24"))
            #expect(r.out.contains("2001:db8::/48") || r.out.contains("2001:db8:0::/48"))
            for user in ["oracle", "u_17f0"] { #expect(!r.out.contains(user), "\(format) shows user \(user)") }
        }
    }

    @Test func reportCommandErrors() throws {
        let t = TempDir()
        #expect(try runVigil(["report", "--db", t.path("none.sqlite"), "--week", "2026-W45"]).status == 2)
        #expect(!FileManager.default.fileExists(atPath: t.path("none.sqlite")))
        let db = try Self.analyzed(t)
        #expect(try runVigil(["report", "--db", db, "--week", "2026-W99"]).status == 2)
        #expect(try runVigil(["report", "--db", db, "--week", "2026-W45", "--from", "2026-11-01"]).status == 2)
        let out = t.path("r.html")
        let r = try runVigil(["report", "--db", db, "--week", "2026-W45", "--out", out])
        #expect(r.status == 0 && r.out.isEmpty)
        let html = try String(contentsOfFile: out, encoding: .utf8)
        #expect(
            html.hasPrefix("<!DOCTYPE html>") && html.contains("<svg") && !html.contains("<script") && !html.contains("http://")
                || html.contains("http://www.w3.org/2000/svg"))
        // Self-contained: no URL but the SVG namespace.
        let stripped = html.replacingOccurrences(of: "http://www.w3.org/2000/svg", with: "")
        #expect(!stripped.contains("http://") && !stripped.contains("https://") && !stripped.contains("src="))
    }
}
