import Foundation
import Testing

@testable import VigilCore

/// The allowlist detector on synthetic events, with the GeoIP test databases.
@Suite struct AllowlistViolationTests {
    /// A harness with the policy in `yaml`; `findings` keeps the allowlist detector's only.
    final class Harness {
        let h: DetectorHarness

        init(_ yaml: String) throws {
            let t = TempDir()
            try yaml.write(toFile: t.path("p.yaml"), atomically: true, encoding: .utf8)
            let (policy, enricher) = try PolicyLoader.load(t.path("p.yaml"), now: ms("2026-11-29T00:00:00Z")).usable()
            h = DetectorHarness(policy: policy, enricher: enricher)
        }

        func feed(_ time: String, ip: String, server: String?, _ outcome: Outcome = .success, attempts: UInt32 = 1, key: String? = nil) {
            h.feed(time, ip: ip, server: server, outcome, attempts: attempts, key: key)
        }

        var findings: [Finding] { h.findings.filter { $0.detector == "allowlist_violation" } }
    }

    static let geo = packageRoot.appendingPathComponent("fixtures/geoip").path
    static let policy = """
        version: 1
        geoip: { city: \(geo)/vigil-test-city.mmdb, asn: \(geo)/vigil-test-asn.mmdb }
        allowlists:
          - name: admin
            servers: ["admin-*"]
            cidrs: ["10.20.0.0/16", "2001:db8:100::/48", { cidr: 192.0.2.128/25, expires: 2026-12-31 }]
            owner: o
          - name: partners
            servers: ["admin-*", "api"]
            countries: [SE]
            asns: [64501]
            owner: o
          - name: everywhere
            cidrs: [10.0.0.0/16]
            owner: o
        """

    @Test func insideIsQuietOutsideIsAFinding() throws {
        let h = try Harness(Self.policy)
        h.feed("2026-11-29T10:00:00Z", ip: "10.20.1.1", server: "admin-1")
        h.feed("2026-11-29T10:00:01Z", ip: "::ffff:10.20.1.2", server: "admin-1")
        h.feed("2026-11-29T10:00:02Z", ip: "2001:db8:100::9", server: "admin-2")
        h.feed("2026-11-29T10:00:03Z", ip: "85.0.0.1", server: "admin-1")  // SE by country
        h.feed("2026-11-29T10:00:04Z", ip: "198.51.100.9", server: "admin-1")  // AS64501 by ASN
        h.feed("2026-11-29T10:00:05Z", ip: "203.0.113.9", server: "web")  // only `everywhere`: 10.0.0.0/16
        #expect(h.findings.map(\.subject) == ["203.0.113.9"])
        h.feed("2026-11-29T10:01:00Z", ip: "203.0.113.9", server: "admin-1", .authFailure)
        h.feed("2026-11-29T10:01:01Z", ip: "203.0.113.9", server: "admin-1", .forbidden)
        h.feed("2026-11-29T10:01:02Z", ip: "203.0.113.9", server: "admin-1", .authFailure, attempts: 0)  // a repeat line
        let f = h.findings
        #expect(f.count == 1)
        #expect(f.first?.rule == "outside_allowlist" && f.first?.severity == .p2 && f.first?.count == 2)
        #expect(f.first?.evidence.attributes["allowlists"] == "admin, partners, everywhere")
        #expect(f.first?.evidence.attributes["country"] == "BR")
        #expect(f.first?.evidence.attributes["asn"] == "AS64502")
        #expect(f.first?.evidence.counts["refused"] == 2)
    }

    @Test func anAcceptedRequestFromOutsideIsP1() throws {
        let h = try Harness(Self.policy)
        h.feed("2026-11-29T10:00:00Z", ip: "2001:db8:5::9", server: "api", .success, key: "key_1")
        let f = h.findings
        #expect(f.map(\.rule) == ["success_outside_allowlist"])
        #expect(f.first?.severity == .p1)
        #expect(f.first?.evidence.apiKeys == ["key_1"])
        #expect(f.first?.evidence.servers == ["api"])
        #expect(f.first?.message.contains("accepted") == true)
    }

    @Test func serversNoAllowlistCoversAreNotChecked() throws {
        let h = try Harness(
            """
            version: 1
            allowlists: [{ name: a, servers: ["admin-*"], cidrs: [10.20.0.0/16], owner: o }]
            """)
        h.feed("2026-11-29T10:00:00Z", ip: "203.0.113.9", server: "web")
        h.feed("2026-11-29T10:00:00Z", ip: "203.0.113.9", server: nil)
        #expect(h.findings.isEmpty)
        h.feed("2026-11-29T10:00:00Z", ip: "203.0.113.9", server: "admin-db")
        #expect(h.findings.count == 1)
    }

    @Test func expiryIsInEventTime() throws {
        let h = try Harness(Self.policy)
        // 192.0.2.128/25 is allowed through 2026-12-31 (UTC), by the log's own timestamps.
        h.feed("2026-12-31T23:59:59Z", ip: "192.0.2.200", server: "admin-1")
        #expect(h.findings.isEmpty)
        h.feed("2027-01-01T00:00:00Z", ip: "192.0.2.200", server: "admin-1")
        #expect(h.findings.map(\.subject) == ["192.0.2.200"])
    }

    @Test func cooldownGroupsRepeatedViolations() throws {
        let h = try Harness(Self.policy)
        for m in 0..<10 { h.feed("2026-11-29T10:\(m < 10 ? "0" : "")\(m):00Z", ip: "203.0.113.9", server: "admin-1", .authFailure) }
        var f = h.findings
        #expect(Set(f.map(\.id)).count == 1)
        // 15 minutes of quiet, then a new episode.
        h.feed("2026-11-29T10:25:00Z", ip: "203.0.113.9", server: "admin-1", .authFailure)
        f = h.findings
        #expect(f.count == 1 && f.first?.count == 1)
    }

    @Test func manyBlocksAndServersGiveTheSameAnswersAsALoop() throws {
        var rng = SeededRandom(seed: 7)
        var cidrs: [String] = []
        for _ in 0..<2_000 { cidrs.append("11.\(Int.random(in: 0...255, using: &rng)).\(Int.random(in: 0...255, using: &rng)).0/24") }
        let yaml =
            "version: 1\nlint: { min_prefix_v4: 8 }\nallowlists:\n  - name: big\n    servers: [\"s-*\"]\n    owner: o\n    cidrs: [\(cidrs.joined(separator: ", "))]\n"
        let h = try Harness(yaml)
        let blocks = Set(cidrs.map { try! CIDR.parse($0).get() })
        var expected: [String] = []
        for i in 0..<3_000 {
            let ip = "11.\(Int.random(in: 0...255, using: &rng)).\(Int.random(in: 0...255, using: &rng)).\(i % 250 + 1)"
            if !blocks.contains(where: { $0.contains(IPAddress(ip)!) }) && !expected.contains(ip) { expected.append(ip) }
            h.feed("2026-11-29T10:00:00Z", ip: ip, server: "s-\(i % 7)")
        }
        #expect(Set(h.findings.map(\.subject)) == Set(expected))
        #expect(expected.count > 100)
    }

    /// Fail closed (issue 18, item 1): a client written `ip:port`, in brackets or with an IPv6
    /// zone is read as its address and judged; one that is no address at all (`unknown`, an
    /// X-Forwarded-For list, a name) is outside every allowlist on a covered server. Before,
    /// each of these requests to an allowlisted server raised nothing, not even the P1.
    @Test func clientsWrittenOtherwiseAreJudgedNotSkipped() throws {
        let dir = TempDir()
        try """
        version: 1
        allowlists:
          - { name: admin, servers: ["mcp-admin"], cidrs: ["192.0.2.0/24", "2001:db8:100::/48"], owner: o }
        """.write(toFile: dir.path("policy.yaml"), atomically: true, encoding: .utf8)
        let clients = [
            "203.0.113.10:4444", "[203.0.113.11]", "[2001:db8:ffff::1]:443", "fe80::1%eth0", "203.0.113.12, 10.20.0.1", "unknown",
            "192.0.2.7:5555", "[192.0.2.8]", "[2001:db8:100::9]:8443", "mcp-gw.internal",
        ]
        let lines = clients.enumerated().map { index, client in
            #"{"timestamp":"2026-11-05T08:00:0\#(index)Z","server_name":"mcp-admin","client_ip":"\#(client)","status_code":200,"tool_name":"run_shell","api_key_id":"k1"}"#
        }
        try (lines.joined(separator: "\n") + "\n").write(toFile: dir.path("mcp.jsonl"), atomically: true, encoding: .utf8)
        let run = try runVigil([
            "analyze", "--quiet", "--db", dir.path("db.sqlite"), "--policy", dir.path("policy.yaml"), "--fail-on", "P1",
            dir.path("mcp.jsonl"),
        ])
        #expect(run.status == 1, "P1 findings were raised: \(run.err)")
        let output = try runVigil(["findings", "--db", dir.path("db.sqlite"), "--output", "jsonl"]).out
        let findings = output.split(separator: "\n").map { try! JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any] }
        let p1 = findings.filter { $0["rule"] as? String == "success_outside_allowlist" && $0["severity"] as? String == "P1" }
        let subjects = Set(p1.compactMap { $0["subject"] as? String })
        #expect(
            subjects == [
                "203.0.113.10", "203.0.113.11", "2001:db8:ffff::1", "fe80::1", "203.0.113.12, 10.20.0.1", "unknown", "mcp-gw.internal",
            ],
            "\(subjects)")
        let list = p1.first { $0["subject"] as? String == "203.0.113.12, 10.20.0.1" }
        #expect((list?["message"] as? String)?.contains("not an IP address") == true)
        #expect(((list?["evidence"] as? [String: Any])?["counts"] as? [String: Any])?["client_not_an_address"] as? Int == 1)
    }

    /// A line that names no client (no `client_ip`, `null`, empty) to an allowlisted server
    /// cannot be inside the allowlist: one finding for the server, counted. Before: skipped.
    @Test func linesWithNoClientAreJudgedOutside() throws {
        let dir = TempDir()
        try """
        version: 1
        allowlists:
          - { name: admin, servers: ["mcp-admin"], cidrs: ["192.0.2.0/24"], owner: o }
        """.write(toFile: dir.path("policy.yaml"), atomically: true, encoding: .utf8)
        let lines = [
            #"{"timestamp":"2026-11-05T08:00:01Z","server_name":"mcp-admin","status_code":200,"tool_name":"run_shell","api_key_id":"k1"}"#,
            #"{"timestamp":"2026-11-05T08:00:02Z","server_name":"mcp-admin","client_ip":null,"status_code":200,"tool_name":"run_shell"}"#,
            #"{"timestamp":"2026-11-05T08:00:03Z","server_name":"mcp-admin","client_ip":"","status_code":403,"tool_name":"run_shell"}"#,
            #"{"timestamp":"2026-11-05T08:00:04Z","server_name":"mcp-public","status_code":200,"tool_name":"search"}"#,
        ]
        try (lines.joined(separator: "\n") + "\n").write(toFile: dir.path("mcp.jsonl"), atomically: true, encoding: .utf8)
        let run = try runVigil([
            "analyze", "--quiet", "--db", dir.path("db.sqlite"), "--policy", dir.path("policy.yaml"), "--fail-on", "P1",
            dir.path("mcp.jsonl"),
        ])
        #expect(run.status == 1, "a P1 was raised: \(run.err)")
        let output = try runVigil(["findings", "--db", dir.path("db.sqlite"), "--output", "jsonl"]).out
        let findings = output.split(separator: "\n").map { try! JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any] }
            .filter { $0["detector"] as? String == "allowlist_violation" }
        let accepted = findings.first { $0["rule"] as? String == "success_outside_allowlist" }
        #expect(accepted?["subject_kind"] as? String == "server" && accepted?["subject"] as? String == "mcp-admin", "\(findings)")
        #expect(accepted?["count"] as? Int == 2)
        #expect((accepted?["message"] as? String)?.contains("with no client address") == true)
        #expect(((accepted?["evidence"] as? [String: Any])?["counts"] as? [String: Any])?["client_missing"] as? Int == 2)
        let refused = findings.first { $0["rule"] as? String == "outside_allowlist" }
        #expect(refused?["count"] as? Int == 1)
        #expect(!findings.contains { $0["server"] as? String == "mcp-public" }, "no allowlist covers mcp-public")
    }

    @Test func clientAddressForms() {
        func parse(_ text: String) -> String? {
            var text = text
            return text.withUTF8 { IPAddress.parseClient(UnsafeRawBufferPointer($0)) }?.description
        }
        #expect(parse("203.0.113.10:4444") == "203.0.113.10")
        #expect(parse("[2001:db8::1]:443") == "2001:db8::1")
        #expect(parse("[203.0.113.11]") == "203.0.113.11")
        #expect(parse("fe80::1%eth0") == "fe80::1")
        #expect(parse("[fe80::1%eth0]:22") == "fe80::1")
        for refused in [
            "203.0.113.10:99999", "203.0.113.10:", "203.0.113.10:80:80", "[2001:db8::1]x", "203.0.113.10%eth0", "[]", "unknown",
            "203.0.113.12, 10.20.0.1", "0x7f.1:80",
        ] {
            #expect(parse(refused) == nil, "\(refused)")
        }
    }

    @Test func forwardedListsAreReadFromTheTrustedHop() {
        func parse(_ text: String, _ trusted: Int) -> String? {
            var text = text
            return text.withUTF8 { IPAddress.parseClient(UnsafeRawBufferPointer($0), trustedProxies: trusted) }?.description
        }
        #expect(parse("198.51.100.99, 203.0.113.12", 1) == "203.0.113.12", "the last entry: the address your proxy saw")
        #expect(parse("198.51.100.99, 203.0.113.12, 10.0.0.1", 2) == "203.0.113.12")
        #expect(parse("1.1.1.1,[2001:db8::7]:443", 1) == "2001:db8::7")
        #expect(parse("203.0.113.12, 10.0.0.1", 0) == nil, "not read without the setting")
        #expect(parse("10.0.0.1", 2) == "10.0.0.1", "a bare address is the client as logged")
        #expect(parse("203.0.113.12, 10.0.0.1", 3) == nil, "shorter than the proxies: it did not pass them all")
        #expect(parse("192.0.2.1, unknown", 1) == nil, "the trusted entry is not an address: never the one to its left")
        #expect(parse("10.20.0.1,", 2) == nil, "an empty entry: not a list your proxies wrote")
        #expect(parse("10.20.0.1, ,203.0.113.5", 3) == nil)
    }

    /// Through the CLI with `clients.trusted_proxies: 1`: the spoofable left part of a
    /// forwarded list never decides; the entry your proxy appended does.
    @Test func aSpoofedForwardedEntryDoesNotGetPastTheAllowlist() throws {
        let dir = TempDir()
        try """
        version: 1
        clients: { trusted_proxies: 1 }
        allowlists:
          - { name: admin, servers: ["mcp-admin"], cidrs: ["192.0.2.0/24"], owner: o }
        """.write(toFile: dir.path("policy.yaml"), atomically: true, encoding: .utf8)
        let lines = [
            // Spoofed inside address on the left, the real client outside: a P1.
            #"{"timestamp":"2026-11-05T08:00:01Z","server_name":"mcp-admin","client_ip":"192.0.2.7, 203.0.113.12","status_code":200}"#,
            // An outside address on the left, the real client inside: nothing.
            #"{"timestamp":"2026-11-05T08:00:02Z","server_name":"mcp-admin","client_ip":"198.51.100.99, 192.0.2.8","status_code":200}"#,
        ]
        try (lines.joined(separator: "\n") + "\n").write(toFile: dir.path("mcp.jsonl"), atomically: true, encoding: .utf8)
        #expect(try runVigil(["policy", "lint", dir.path("policy.yaml")]).status == 0)
        _ = try runVigil(["analyze", "--quiet", "--db", dir.path("db.sqlite"), "--policy", dir.path("policy.yaml"), dir.path("mcp.jsonl")])
        let output = try runVigil(["findings", "--db", dir.path("db.sqlite"), "--output", "jsonl"]).out
        let subjects = output.split(separator: "\n").map { try! JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any] }
            .filter { $0["detector"] as? String == "allowlist_violation" }.compactMap { $0["subject"] as? String }
        #expect(subjects == ["203.0.113.12"], "\(subjects)")

        try "version: 1\nclients: { trusted_proxies: 40 }\n".write(toFile: dir.path("bad.yaml"), atomically: true, encoding: .utf8)
        let lint = try runVigil(["policy", "lint", dir.path("bad.yaml")])
        #expect(lint.status == 1 && lint.out.contains("clients.trusted_proxies"), "\(lint.out)")
    }
}
