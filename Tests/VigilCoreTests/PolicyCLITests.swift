import Foundation
import Testing

@testable import VigilCore

#if canImport(FoundationXML)
    import FoundationXML
#endif

/// `vigil policy lint|test` and `vigil analyze --policy` as a CI job would run them.
@Suite struct PolicyCLITests {
    static let bad = """
        version: 1
        allowlists:
          - name: everyone
            owner: platform@example.com
            servers: ["mcp-*"]
            cidrs: ["0.0.0.0/0", "10.0.0.0/33"]
          - name: no-owner
            cidrs: ["192.0.2.0/24"]
        """

    func policyDir(_ text: String) -> TempDir {
        let t = TempDir()
        try! text.write(toFile: t.path("policy.yaml"), atomically: true, encoding: .utf8)
        return t
    }

    @Test func lintTheShippedPolicies() throws {
        let r = try runVigil(["policy", "lint", "--strict", "policies"])
        #expect(r.status == 0, "\(r.out)\(r.err)")
        #expect(r.out == "4 policy files checked: 0 errors, 0 warnings\n")
    }

    @Test func lintTextIsCompilerStyleAndExitCodesFollowSeverity() throws {
        let t = policyDir(Self.bad)
        let r = try runVigil(["policy", "lint", t.url.path])
        #expect(r.status == 1)
        let file = t.path("policy.yaml")
        #expect(r.out.contains("\(file):6:13: error: 0.0.0.0/0 allows every IPv4 address"))
        #expect(r.out.contains("\(file):6:26: error: \"10.0.0.0/33\": prefix length must be a number from 0 to 32 [cidr-invalid]"))
        #expect(r.out.contains("\(file):7:5: warning:"))
        #expect(r.out.hasSuffix("1 policy file checked: 2 errors, 1 warning\n"))
        // Warnings alone pass, unless --strict.
        let w = policyDir("version: 1\nallowlists: [{ name: a, cidrs: [192.0.2.0/24] }]\n")
        #expect(try runVigil(["policy", "lint", w.url.path]).status == 0)
        #expect(try runVigil(["policy", "lint", "--strict", w.url.path]).status == 1)
        // Usage errors are 2.
        #expect(try runVigil(["policy", "lint", "--output", "xml", w.url.path]).status == 2)
        #expect(try runVigil(["policy", "lint", "--as-of", "someday", w.url.path]).status == 2)
    }

    @Test func sarifIsWhatCodeScanningReads() throws {
        let t = policyDir(Self.bad)
        let r = try runVigil(["policy", "lint", "--output", "sarif", t.url.path])
        #expect(r.status == 1)
        let json = try JSONSerialization.jsonObject(with: Data(r.out.utf8)) as! [String: Any]
        #expect(json["version"] as? String == "2.1.0")
        #expect((json["$schema"] as? String)?.contains("sarif-2.1.0") == true)
        let run = (json["runs"] as! [[String: Any]])[0]
        let driver = (run["tool"] as! [String: Any])["driver"] as! [String: Any]
        #expect(driver["name"] as? String == "vigil")
        let rules = (driver["rules"] as! [[String: Any]]).map { $0["id"] as! String }
        let results = run["results"] as! [[String: Any]]
        #expect(results.count == 3)
        for result in results {
            let id = result["ruleId"] as! String
            #expect(rules[result["ruleIndex"] as! Int] == id)
            let loc = ((result["locations"] as! [[String: Any]])[0]["physicalLocation"] as! [String: Any])
            let region = loc["region"] as! [String: Any]
            #expect((region["startLine"] as! Int) >= 6)
            #expect(((loc["artifactLocation"] as! [String: Any])["uri"] as! String).hasSuffix("policy.yaml"))
        }
        #expect(results.map { $0["level"] as! String }.sorted() == ["error", "error", "warning"])
    }

    @Test func junitAndJSONAreWellFormed() throws {
        let t = policyDir(Self.bad + "\n    note: \"<script>&\\u0007\"\n")
        let j = try runVigil(["policy", "lint", "--output", "junit", t.url.path])
        #expect(j.status == 1)
        let parser = XMLParser(data: Data(j.out.utf8))
        #expect(parser.parse(), "JUnit output is not well-formed XML: \(j.out)")
        #expect(j.out.contains("failures=\"2\""))
        let json = try runVigil(["policy", "lint", "--output", "json", t.url.path])
        let items = try JSONSerialization.jsonObject(with: Data(json.out.utf8)) as! [[String: Any]]
        #expect(items.map { $0["rule"] as! String }.sorted() == ["cidr-invalid", "cidr-too-broad", "owner-missing"])
    }

    @Test func analyzeRefusesABadPolicyWithTheLintMessages() throws {
        let t = policyDir(Self.bad)
        let db = t.path("v.sqlite")
        let r = try runVigil(["analyze", "--policy", t.url.path, "--db", db, "--year", "2026", "fixtures/sshd/auth.log"])
        #expect(r.status == 2)
        let lint = try runVigil(["policy", "lint", t.url.path])
        for line in lint.out.split(separator: "\n") where line.contains(": error: ") {
            #expect(r.err.contains(line), "analyze should print \(line)")
        }
        #expect(r.err.contains("nothing was analyzed"))
        #expect(!FileManager.default.fileExists(atPath: db))
    }

    @Test func analyzeUsesTheGivenPolicy() throws {
        let t = policyDir(
            "version: 1\nallowlists: [{ name: only-office, servers: [bastion], cidrs: [192.0.2.0/24], owner: o }]\ndetectors: { auth_failure_burst: { enabled: false } }\n"
        )
        let db = t.path("v.sqlite")
        let r = try runVigil(["analyze", "--policy", t.url.path, "--db", db, "--year", "2026", "fixtures/sshd/auth.log"])
        #expect(r.status == 0, "\(r.err)")
        #expect(r.out.contains("Policy: \(t.url.path) (1 file, 1 allowlist, no GeoIP)"))
        let f = try FindingStore(path: db).findings(FindingQuery())
        #expect(!f.contains { $0.detector == "auth_failure_burst" })
        #expect(f.contains { $0.rule == "success_outside_allowlist" && $0.subject == "203.0.113.7" })
        // No GeoIP configured: no geography in evidence.
        #expect(!f.contains { $0.evidence.attributes["country"] != nil })
        // Without ./policies and --policy: built-in defaults.
        let empty = TempDir()
        let d = try runVigil(
            [
                "analyze", "--db", empty.path("v.sqlite"), "--year", "2026",
                packageRoot.appendingPathComponent("fixtures/sshd/auth.log").path,
            ], cwd: empty.url)
        #expect(d.out.contains("Policy: built-in defaults"))
    }

    @Test func policyTestRunsTheShippedCases() throws {
        let r = try runVigil(["policy", "test", "policies"])
        #expect(r.status == 0, "\(r.out)\(r.err)")
        #expect(r.out.hasSuffix("11 passed, 0 failed\n"))
        #expect(!r.out.contains("FAIL"))
    }

    @Test func policyTestFailsWhenThePolicyStopsCatchingSomething() throws {
        let t = TempDir()
        try FileManager.default.createDirectory(atPath: t.path("tests"), withIntermediateDirectories: true)
        // The office network grew to include the attacker: the case must fail.
        try "version: 1\nallowlists: [{ name: office, servers: [bastion], cidrs: [192.0.2.0/24, 198.51.100.0/24], owner: o }]\n"
            .write(toFile: t.path("policy.yaml"), atomically: true, encoding: .utf8)
        try """
        cases:
          - name: outsider flagged
            format: sshd
            year: 2026
            lines: |
              Nov 29 10:00:00 bastion sshd[1]: Accepted password for root from 198.51.100.7 port 1 ssh2
            expect:
              - { detector: allowlist_violation, subject: 198.51.100.7, severity: P1 }
          - name: office quiet
            format: sshd
            year: 2026
            lines: |
              Nov 29 10:00:00 bastion sshd[1]: Accepted password for root from 192.0.2.7 port 1 ssh2
            expect_absent:
              - { detector: allowlist_violation }
          - name: cannot fail
            lines: "x"
        """.write(toFile: t.path("tests/cases.yaml"), atomically: true, encoding: .utf8)
        let r = try runVigil(["policy", "test", t.url.path])
        #expect(r.status == 1)
        #expect(r.out.contains("FAIL \(t.path("tests/cases.yaml")):2: outsider flagged"))
        #expect(r.out.contains("expected a finding {detector: allowlist_violation, subject: 198.51.100.7, severity: P1}"))
        #expect(r.out.contains("PASS \(t.path("tests/cases.yaml")):9: office quiet"))
        #expect(r.out.contains("otherwise it cannot fail"))
        #expect(r.out.hasSuffix("1 passed, 3 failed\n"))
    }
}
