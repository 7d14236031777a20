import Foundation
import Testing

@testable import VigilCore

/// Detection quality on generated traffic with labelled incidents (`vigil-traffic`), and the
/// anomaly detectors' determinism across split runs.
@Suite struct AnomalyEvaluationTests {
    static let geo = packageRoot.appendingPathComponent("fixtures/geoip").path
    static let policy = """
        version: 1
        geoip: { city: \(geo)/vigil-test-city.mmdb, asn: \(geo)/vigil-test-asn.mmdb, max_age_days: 0 }
        rate_limits:
          - { name: per-key, per: api_key, limit: 600, window: 1m }
        """

    struct Score: Decodable {
        struct Kind: Decodable { var kind: String; var incidents: Int; var found: Int; var missed: [String] }
        var kinds: [Kind]
        var falseAlerts: Int
        var falseAlertExamples: [String]
    }

    /// Generates traffic, analyzes it, scores the findings.
    static func evaluate(_ t: TempDir, keys: Int, days: Int, incidents: Int, seed: Int, extra: [String] = []) throws -> Score {
        try policy.write(toFile: t.path("policy.yaml"), atomically: true, encoding: .utf8)
        let g = try runVigil(
            ["generate", "--keys", "\(keys)", "--days", "\(days)", "--incidents", "\(incidents)", "--seed", "\(seed)"] + extra + [
                "--out", t.path("traffic.jsonl"), "--labels", t.path("labels.json"),
            ], tool: "vigil-traffic")
        #expect(g.status == 0, "\(g.err)")
        let a = try runVigil(["analyze", "--quiet", "--db", t.path("v.sqlite"), "--policy", t.path("policy.yaml"), t.path("traffic.jsonl")])
        #expect(a.status == 0, "\(a.err)")
        let f = try runVigil(["findings", "--db", t.path("v.sqlite"), "--output", "jsonl"])
        try f.out.write(toFile: t.path("findings.jsonl"), atomically: true, encoding: .utf8)
        let e = try runVigil(
            [
                "evaluate", "--labels", t.path("labels.json"), "--findings", t.path("findings.jsonl"),
                "--keys", "\(keys)", "--days", "\(days)", "--json",
            ], tool: "vigil-traffic")
        #expect(e.status == 0, "\(e.err)")
        let d = JSONDecoder()
        d.keyDecodingStrategy = .convertFromSnakeCase
        return try d.decode(Score.self, from: Data(e.out.utf8))
    }

    /// The small version of the benchmark's evaluation. ×3 incidents go to busy keys here
    /// (usually 20 or more requests in that hour): a ×3 on a quieter key is found only most of the
    /// time, as the benchmark's recall shows — Vigil discounts each key's own burstiness.
    @Test func everyInjectedIncidentIsFoundWithoutFalseAlerts() throws {
        let t = TempDir()
        let score = try Self.evaluate(t, keys: 300, days: 12, incidents: 3, seed: 7, extra: ["--x3-minimum", "20"])
        #expect(
            Set(score.kinds.map(\.kind)) == [
                "brute_force", "leaked_key", "rate_limit_burst", "validation_burst", "volume_x10", "volume_x3",
            ])
        for k in score.kinds {
            #expect(k.found == k.incidents, "\(k.kind): missed \(k.missed)")
        }
        #expect(score.falseAlerts == 0, "\(score.falseAlertExamples)")
    }

    /// Three weeks in one run, or day by day into the same database: the same findings.
    @Test func dayByDayRunsGiveTheSameFindingsAsOneRun() throws {
        let t = TempDir()
        try Self.policy.write(toFile: t.path("policy.yaml"), atomically: true, encoding: .utf8)
        let g = try runVigil(
            [
                "generate", "--keys", "150", "--days", "10", "--incidents", "2", "--seed", "3",
                "--out", t.path("all.jsonl"), "--labels", t.path("labels.json"),
            ], tool: "vigil-traffic")
        #expect(g.status == 0)
        let one = try runVigil(["analyze", "--quiet", "--db", t.path("one.sqlite"), "--policy", t.path("policy.yaml"), t.path("all.jsonl")])
        #expect(one.status == 0, "\(one.err)")
        // Day files, as a daily rotation would write them, each analyzed in its own run.
        let lines = try String(contentsOfFile: t.path("all.jsonl"), encoding: .utf8).split(separator: "\n")
        var byDay: [Substring: [Substring]] = [:]
        for l in lines { byDay[l.dropFirst(14).prefix(10), default: []].append(l) }
        for day in byDay.keys.sorted() {
            let file = t.path("day-\(day).jsonl")
            try (byDay[day]!.joined(separator: "\n") + "\n").write(toFile: file, atomically: true, encoding: .utf8)
            let r = try runVigil(["analyze", "--quiet", "--db", t.path("daily.sqlite"), "--policy", t.path("policy.yaml"), file])
            #expect(r.status == 0, "\(r.err)")
        }
        // Identical but for the file names in evidence samples (one file against day files).
        func normalized(_ db: String) throws -> String {
            let out = try runVigil(["findings", "--db", t.path(db), "--output", "jsonl"]).out
            return out.replacingOccurrences(of: #""at":"[^"]*""#, with: "\"at\":\"…\"", options: .regularExpression)
        }
        let a = try normalized("one.sqlite"), b = try normalized("daily.sqlite")
        #expect(!a.isEmpty)
        #expect(a.contains("api_key_anomaly") && a.contains("rate_limit_breach") && a.contains("input_validation"))
        #expect(a == b)
    }

    /// A key at ten times its rate is reported during the hour, at the request that makes the
    /// hour anomalous whatever follows, and the finding is completed (not counted again) when
    /// the hour closes. Runs split before and after that request give the same findings.
    @Test func volumeIsFoundDuringTheHourAndSplitRunsAgree() throws {
        let t = TempDir()
        var lines: [String] = []
        func request(_ ms: Int64) {
            lines.append(
                #"{"timestamp":"\#(EventTime.format(ms))","level":"INFO","operation":"execute_tool","server_name":"mcp-files","client_ip":"10.1.2.3","request_id":"r-\#(lines.count)","status_code":200,"api_key_id":"key_a","tool_name":"read_file"}"#
            )
        }
        let start = ms("2026-11-01T00:00:00Z")
        // Six days at 10 requests an hour: warm, with its own baseline.
        for h in 0..<(6 * 24) { for i in 0..<10 { request(start + Int64(h) * EventTime.hour + Int64(i) * 6 * EventTime.minute + 7_000) } }
        // Then an hour of 200 requests (one every 18 s), and a quiet hour after it.
        let spike = start + 6 * 24 * EventTime.hour
        let before = lines.count
        for i in 0..<200 { request(spike + Int64(i) * 18_000) }
        for i in 0..<10 { request(spike + EventTime.hour + Int64(i) * 6 * EventTime.minute) }
        try (lines.joined(separator: "\n") + "\n").write(toFile: t.path("all.jsonl"), atomically: true, encoding: .utf8)
        let one = try runVigil(["analyze", "--quiet", "--db", t.path("one.sqlite"), t.path("all.jsonl")])
        #expect(one.status == 0, "\(one.err)")
        let findings = try FindingStore(path: t.path("one.sqlite")).findings(FindingQuery())
        let volume = try #require(findings.first { $0.rule == "volume" })
        #expect(volume.count == 1)
        #expect(
            volume.firstSeen > spike && volume.firstSeen < spike + 30 * EventTime.minute,
            "found within the spike hour: \(EventTime.format(volume.firstSeen))")
        #expect(volume.lastSeen == spike + 199 * 18_000)
        #expect(volume.evidence.attributes["observed"] == "200")
        #expect(volume.evidence.attributes["judged"] == "during the hour, then again at its end")
        let firedAt = Int((volume.firstSeen - spike) / 18_000)

        // Split before that request, and after it, each part in its own run.
        let cuts = [0, before + firedAt - 3, before + firedAt + 5, lines.count]
        for (n, r) in zip(cuts, cuts.dropFirst()).enumerated() {
            try (lines[r.0..<r.1].joined(separator: "\n") + "\n").write(toFile: t.path("part\(n).jsonl"), atomically: true, encoding: .utf8)
            let run = try runVigil(["analyze", "--quiet", "--db", t.path("split.sqlite"), t.path("part\(n).jsonl")])
            #expect(run.status == 0, "\(run.err)")
        }
        func normalized(_ db: String) throws -> String {
            try runVigil(["findings", "--db", t.path(db), "--output", "jsonl"]).out
                .replacingOccurrences(of: #""at":"[^"]*""#, with: "\"at\":\"…\"", options: .regularExpression)
        }
        #expect(try normalized("one.sqlite") == normalized("split.sqlite"))
    }

    @Test func poissonTail() {
        #expect(APIKeyAnomalyDetector.poissonTail(2, 5) == 1)
        // P(X ≥ 30 | λ = 5) = 2.82e-14 (exact sum)
        let p = APIKeyAnomalyDetector.poissonTail(30, 5)
        #expect(p > 2.7e-14 && p < 3.6e-14)
        // P(X ≥ 10 | λ = 3) ≈ 0.0011
        let q = APIKeyAnomalyDetector.poissonTail(10, 3)
        #expect(q > 0.0008 && q < 0.0016)
        #expect(abs(APIKeyAnomalyDetector.distanceKm(51.5142, -0.0931, 52.374, 4.8897) - 357) < 10)  // London–Amsterdam
    }
}

/// The report and `vigil baseline show` over generated traffic with anomalies.
@Suite struct AnomalyReportTests {
    @Test func reportChartsKeysAgainstTheirBaselineAndBaselineShowExplainsThem() throws {
        let t = TempDir()
        _ = try AnomalyEvaluationTests.evaluate(t, keys: 200, days: 10, incidents: 2, seed: 11, extra: ["--x3-minimum", "20"])
        let db = t.path("v.sqlite")
        // 2026-10-05 is a Monday: the generated traffic spans weeks 41 and 42.
        let md = try runVigil(["report", "--db", db, "--policy", t.path("policy.yaml"), "--week", "2026-W42", "--format", "md"])
        #expect(md.status == 0, "\(md.err)")
        #expect(md.out.contains("against its baseline"))
        let json = try runVigil(["report", "--db", db, "--policy", t.path("policy.yaml"), "--week", "2026-W42", "--format", "json"])
        let o = try JSONSerialization.jsonObject(with: Data(json.out.utf8)) as! [String: Any]
        let series = o["key_baselines"] as! [[String: Any]]
        #expect(!series.isEmpty)
        let first = series[0]
        #expect((first["observed"] as! [Int]).count == (first["expected"] as! [Double]).count)
        let row = (o["compliance"] as! [[String: Any]]).first { $0["metric"] as? String == "API key usage anomalies" }!
        #expect(row["status"] as? String == "fail")  // the injected anomalies are open
        let html = try runVigil(["report", "--db", db, "--policy", t.path("policy.yaml"), "--week", "2026-W42"]).out
        #expect(html.contains("<polyline"))
        // Baselines.
        let key = first["key"] as! String
        let b = try runVigil(["baseline", "show", "--db", db, "--key", key, "--output", "json"])
        #expect(b.status == 0, "\(b.err)")
        let kb = try JSONSerialization.jsonObject(with: Data(b.out.utf8)) as! [String: Any]
        #expect((kb["expected_weekday"] as! [Double]).count == 24)
        #expect(!(kb["countries"] as! [Any]).isEmpty && !(kb["tools"] as! [Any]).isEmpty)
        #expect(kb["warmed_up"] as? Bool == true)
        let text = try runVigil(["baseline", "show", "--db", db, "--key", key]).out
        #expect(text.contains("expected requests by hour") && text.contains("countries:"))
        #expect(try runVigil(["baseline", "show", "--db", db, "--key", "no-such-key"]).status == 2)
        let s = try runVigil(["baseline", "show", "--db", db, "--server", "mcp-files"])
        #expect(s.status == 0 && s.out.contains("input validation failures usually"))
    }
}
