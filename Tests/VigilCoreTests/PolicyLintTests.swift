import Foundation
import Testing

@testable import VigilCore

/// `vigil policy lint` rules, each with where it points.
@Suite struct PolicyLintTests {
    static let geo = packageRoot.appendingPathComponent("fixtures/geoip").path
    static let now = ms("2026-11-29T00:00:00Z")

    /// Writes the files into a scratch directory and loads it as a policy.
    func load(_ files: [String: String], now: Int64 = PolicyLintTests.now) -> LoadedPolicy {
        let t = TempDir()
        for (name, text) in files { try! text.write(toFile: t.path(name), atomically: true, encoding: .utf8) }
        return withExtendedLifetime(t) { PolicyLoader.load(t.url.path, now: now) }
    }

    func load(_ text: String, now: Int64 = PolicyLintTests.now) -> LoadedPolicy { load(["policy.yaml": text], now: now) }

    /// The diagnostics of one rule as `line:column level`.
    func found(_ p: LoadedPolicy, _ rule: String) -> [String] {
        p.diagnostics.filter { $0.rule == rule }.map { "\($0.location.line):\($0.location.column) \($0.level.rawValue)" }
    }

    @Test func theShippedPoliciesAreClean() {
        let p = PolicyLoader.load(packageRoot.appendingPathComponent("policies").path, now: Self.now)
        #expect(p.diagnostics.isEmpty, "\(p.diagnostics.map(\.text))")
        #expect(p.policy.files.count == 4)
        #expect(p.policy.retention == RetentionSettings())
        #expect(p.policy.allowlists.map(\.name) == ["bastion-ssh", "mcp-admin-tools", "mcp-partner-regions"])
        #expect(p.enricher != nil)
    }

    @Test func syntaxErrorsPointAtLineAndColumn() {
        let p = load("version: 1\nallowlists:\n  - name: a\n    cidrs: [10.0.0.0/8\n")
        #expect(p.hasErrors)
        #expect(p.diagnostics.first?.rule == "yaml-syntax")
        #expect((p.diagnostics.first?.location.line ?? 0) >= 4)
        let dup = load("version: 1\nversion: 1\n")
        #expect(dup.diagnostics.first?.rule == "yaml-syntax")
        #expect(dup.diagnostics.first?.message.contains("duplicate key") == true)
    }

    @Test func unknownKeysAreErrorsWithASuggestion() {
        let p = load(
            """
            version: 1
            allowlists:
              - name: admins
                cidr: ["10.20.0.0/16"]
                owner: a@example.com
            detectors:
              auth_failure_brust: { threshold: 3 }
              unauthorized_access: { treshold: 3 }
            """)
        #expect(found(p, "unknown-key") == ["4:5 error", "8:26 error"])
        #expect(p.diagnostics.contains { $0.message.contains("did you mean `cidrs`?") })
        #expect(p.diagnostics.contains { $0.message.contains("did you mean `auth_failure_burst`?") && $0.rule == "detector-unknown" })
        // The allowlist lost its only CIDR to the typo, so it allows nothing: also an error.
        #expect(found(p, "allowlist-empty") == ["3:5 error"])
    }

    @Test func badCIDRs() {
        let p = load(
            """
            version: 1
            allowlists:
              - name: a
                owner: o
                cidrs:
                  - 10.0.0.0/33
                  - 10.0.0.1/24
                  - not-an-address
                  - 2001:db8::/129
                  - 192.0.2.0/24
            """)
        #expect(found(p, "cidr-invalid") == ["6:9 error", "7:9 error", "8:9 error", "9:9 error"])
        #expect(p.diagnostics.contains { $0.message.contains("the block is 10.0.0.0/24") })
    }

    @Test func overlyBroadBlocks() {
        let p = load(
            """
            version: 1
            lint: { min_prefix_v4: 12, min_prefix_v6: 32 }
            allowlists:
              - name: a
                owner: o
                cidrs: ["0.0.0.0/0", "::/0", "10.0.0.0/8", "10.16.0.0/12", "2001::/16", "::ffff:0:0/96", "::ffff:10.0.0.0/104"]
            """)
        #expect(found(p, "cidr-too-broad") == ["6:13 error", "6:26 error", "6:34 error", "6:64 error", "6:77 error", "6:94 error"])
    }

    @Test func duplicateAndShadowedEntries() {
        let p = load(
            """
            version: 1
            allowlists:
              - name: a
                owner: o
                cidrs:
                  - 10.20.0.0/16
                  - 10.20.5.0/24
                  - 10.20.0.0/16
                  - 10.21.0.0/24
                  - { cidr: 10.20.9.0/24, expires: 2027-01-01 }
              - name: b
                owner: o
                cidrs: [10.20.7.0/24]
            """)
        #expect(found(p, "cidr-duplicate") == ["8:9 warning"])
        #expect(found(p, "cidr-shadowed") == ["7:9 warning", "10:17 warning"])
        // A block in another allowlist is not shadowed: allowlists cover different servers.
        #expect(!p.hasErrors)
    }

    @Test func shadowingRespectsExpiry() {
        // The inner entry outlives the allowlist-wide block around it: not shadowed.
        let p = load(
            """
            version: 1
            allowlists:
              - name: a
                owner: o
                cidrs:
                  - { cidr: 10.20.0.0/16, expires: 2027-01-01 }
                  - 10.20.5.0/24
            """)
        #expect(found(p, "cidr-shadowed").isEmpty)
    }

    @Test func countriesAndASNs() {
        let p = load(
            """
            version: 1
            geoip: { city: \(Self.geo)/vigil-test-city.mmdb, asn: \(Self.geo)/vigil-test-asn.mmdb }
            allowlists:
              - name: a
                owner: o
                countries: [GB, UK, gb, XX, SE, SE]
                asns: [29518, AS64500, 0, 4294967296, x, 29518]
            """)
        #expect(found(p, "country-unknown") == ["6:21 error", "6:25 error", "6:29 error"])
        #expect(p.diagnostics.contains { $0.message.contains("write `GB`") })
        #expect(p.diagnostics.contains { $0.message.contains("upper case") })
        #expect(found(p, "country-duplicate") == ["6:37 warning"])
        #expect(found(p, "asn-invalid") == ["7:28 error", "7:31 error", "7:43 error"])
        #expect(found(p, "asn-duplicate") == ["7:46 warning"])
        #expect(p.policy.allowlists[0].asns.map(\.value) == [29518, 64500, 29518])
    }

    @Test func countriesNeedAGeoIPDatabase() {
        let p = load(
            """
            version: 1
            allowlists:
              - { name: a, owner: o, countries: [GB], asns: [64500] }
            """)
        #expect(found(p, "geoip-required") == ["3:38 error", "3:50 error"])
    }

    @Test func unusableAndStaleDatabases() {
        let broken = load("version: 1\ngeoip: { city: \(Self.geo)/MaxMind-DB-test-broken-search-tree-24.mmdb, asn: missing.mmdb }\n")
        #expect(found(broken, "geoip-unusable").count == 2)
        #expect(broken.diagnostics.contains { $0.message.contains("corrupt") })
        #expect(broken.diagnostics.contains { $0.message.contains("no such file") })
        // MaxMind's test databases were built years ago.
        let stale = load("version: 1\ngeoip: { city: \(Self.geo)/GeoIP2-City-Test.mmdb, max_age_days: 30 }\n")
        #expect(found(stale, "geoip-stale") == ["2:8 warning"])
        #expect(!stale.hasErrors)
        let off = load("version: 1\ngeoip: { city: \(Self.geo)/GeoIP2-City-Test.mmdb, max_age_days: 0 }\n")
        #expect(off.diagnostics.isEmpty)
    }

    @Test func relativeGeoIPPathsAreRelativeToThePolicyFile() {
        let p = PolicyLoader.load(packageRoot.appendingPathComponent("policies").path, now: Self.now)
        #expect(p.policy.geoip.city?.hasSuffix("policies/../fixtures/geoip/vigil-test-city.mmdb") == true)
    }

    @Test func expiryOwnersAndEmptyAllowlists() {
        let p = load(
            """
            version: 1
            allowlists:
              - name: old
                owner: o
                expires: 2026-11-01
                cidrs: [192.0.2.0/24]
              - name: soon
                cidrs:
                  - { cidr: 198.51.100.0/24, expires: 2026-12-05, note: vendor }
              - name: nothing
                owner: o
              - name: old
                owner: o
                cidrs: [203.0.113.0/24]
            """)
        #expect(found(p, "expired") == ["3:5 warning"])
        #expect(found(p, "expiring") == ["9:17 warning"])
        #expect(p.diagnostics.contains { $0.rule == "expiring" && $0.message.contains("in 7 days") })
        #expect(found(p, "owner-missing") == ["7:5 warning"])
        #expect(found(p, "allowlist-empty") == ["10:5 error"])
        #expect(found(p, "allowlist-name") == ["12:5 error"])
        #expect(p.policy.allowlists[0].expires == ms("2026-11-02T00:00:00Z"))
    }

    @Test func detectorSettingsThatCannotWork() {
        let p = load(
            """
            version: 1
            detectors:
              auth_failure_burst: { threshold: -1, window: 0s, cooldown: 30m, severity: P5 }
              unauthorized_access: { cooldown: 0s, enabled: maybe }
              allowlist_violation: { severity: P1, success_severity: P3 }
            rate_limits:
              - { name: k, per: api_key, limit: 0, window: 1m }
              - { name: k, per: tenant, limit: 5, window: 2d }
              - { per: user, limit: 5, window: 1m }
            """)
        #expect(found(p, "threshold-invalid") == ["3:36 error", "3:48 error"])
        #expect(found(p, "invalid-value") == ["3:77 error", "4:49 error"])
        #expect(found(p, "threshold-suspicious") == ["4:36 warning", "5:3 warning"])
        #expect(found(p, "rate-limit-invalid") == ["7:37 error", "8:21 error", "8:47 error", "9:5 error"])
    }

    @Test func detectorSettingsApply() {
        let p = load(
            """
            version: 1
            detectors:
              auth_failure_burst: { threshold: 10, window: 10m }
              unauthorized_access: { enabled: false }
            """)
        #expect(!p.hasErrors)
        #expect(p.policy.detectors.authFailureBurst.threshold == 10)
        #expect(p.policy.detectors.authFailureBurst.window == 10 * EventTime.minute)
        #expect(p.policy.detectors.authFailureBurst.cooldown == 30 * EventTime.minute)
        #expect(!p.policy.detectors.unauthorizedAccess.enabled)
        // A disabled detector is not built, nor the allowlist detector without allowlists.
        let built = DetectorRegistry.make(p.policy, enricher: nil).map(\.name)
        #expect(!built.contains("unauthorized_access") && !built.contains("allowlist_violation"))
        #expect(Set(["auth_failure_burst", "rate_limit_breach", "input_validation", "api_key_anomaly"]).isSubset(of: built))
    }

    @Test func retentionSettings() {
        let p = load("version: 1\nretention: { P1: 180d, P2: 1h, P9: 3d, aggregates: 2w }\n")
        #expect(found(p, "invalid-value") == ["2:28 error"])
        #expect(found(p, "unknown-key") == ["2:32 error"])
        #expect(p.policy.retention.findings[.p1] == 180 * EventTime.day)
        #expect(p.policy.retention.findings[.p2] == 90 * EventTime.day)
        #expect(p.policy.retention.aggregates == 14 * EventTime.day)
    }

    @Test func filesAreMergedAndConflictsReported() {
        let p = load([
            "a.yaml":
                "version: 1\nallowlists: [{ name: a, owner: o, cidrs: [192.0.2.0/24] }]\ndetectors: { unauthorized_access: { cooldown: 5m } }\n",
            "b.yml":
                "version: 1\nallowlists: [{ name: b, owner: o, cidrs: [198.51.100.0/24] }]\ndetectors: { unauthorized_access: { cooldown: 7m } }\n",
            "c.yaml": "version: 2\n",
            "notes.txt": "not a policy",
        ])
        #expect(p.policy.allowlists.map(\.name) == ["a", "b"])
        #expect(p.policy.detectors.unauthorizedAccess.cooldown == 5 * EventTime.minute)
        #expect(
            p.diagnostics.filter { $0.rule == "merge-conflict" }.map { ($0.location.file as NSString).lastPathComponent } == [
                "b.yml", "c.yaml",
            ])
        #expect(found(p, "version") == ["1:10 error"])
    }

    @Test func emptyAndMissingDirectories() {
        let t = TempDir()
        #expect(PolicyLoader.load(t.url.path).diagnostics.map(\.rule) == ["no-policy"])
        #expect(PolicyLoader.load(t.path("nope")).diagnostics.map(\.rule) == ["file-unreadable"])
    }

    // MARK: hostile YAML

    @Test func deepNestingFailsCleanly() {
        let flow = load("version: 1\nallowlists: " + String(repeating: "[", count: 100_000) + "\n")
        #expect(found(flow, "yaml-limits") == ["2:77 error"])
        var block = "version: 1\nallowlists:\n"
        for i in 0..<300 { block += String(repeating: " ", count: i + 1) + "- \n" }
        #expect(load(block).diagnostics.first?.rule == "yaml-limits")
        let dashes = "version: 1\nallowlists:\n" + String(repeating: "- ", count: 5_000) + "x\n"
        #expect(load(dashes).diagnostics.first?.rule == "yaml-limits")
    }

    @Test func aliasBombsFailCleanly() {
        var bomb = "version: 1\na0: &a0 [\"10.0.0.0/8\"]\n"
        for i in 1...12 { bomb += "a\(i): &a\(i) [" + Array(repeating: "*a\(i - 1)", count: 10).joined(separator: ",") + "]\n" }
        bomb += "allowlists:\n  - name: x\n    cidrs: *a12\n"
        // Unknown keys a0… are reported; the expansion never happens because cidrs entries
        // must be scalars. Now put the bomb where the walker does descend:
        var lists = "version: 1\nx0: &x0 { name: n, owner: o, cidrs: [192.0.2.0/24] }\n"
        for i in 1...8 { lists += "x\(i): &x\(i) [" + Array(repeating: "*x\(i - 1)", count: 10).joined(separator: ",") + "]\n" }
        let started = Date()
        let p1 = load(bomb)
        let p2 = load(lists + "allowlists: *x8\n")
        #expect(Date().timeIntervalSince(started) < 20)
        #expect(p1.hasErrors && p2.hasErrors)
        #expect(p1.diagnostics.count <= PolicyParser.maxDiagnostics + 10)
        // Alias as a mapping key: rejected before the YAML composer hashes it.
        let key = load("version: 1\na: &a [1, 2]\nb: { *a : 1 }\n")
        #expect(found(key, "yaml-limits") == ["3:6 error"])
        let complex = load("version: 1\n? [a, b]\n: 1\n")
        #expect(found(complex, "yaml-limits").count == 1)
    }

    @Test func hugeFilesAndBinaryFailCleanly() {
        let big = "version: 1\n# " + String(repeating: "x", count: 5 << 20) + "\n"
        #expect(found(load(big), "yaml-limits") == ["1:1 error"])
        let t = TempDir()
        try! Data([0xff, 0xfe, 0x00, 0x01, 0x80]).write(to: t.url.appendingPathComponent("bin.yaml"))
        let p = PolicyLoader.load(t.url.path, now: Self.now)
        #expect(p.hasErrors)
    }

    @Test func guardAcceptsOrdinaryYAMLFeatures() {
        // Quotes with brackets and colons, comments, block scalars, anchors used as values.
        let p = load(
            """
            version: 1
            base: &office "192.0.2.0/24"
            allowlists:
              - name: "a: [weird] {name}"
                owner: 'o''brien # not a comment'
                note: |
                  Text with ] and } and *star: and ? marks
                  spanning lines: [[[[
                cidrs: [*office, "198.51.100.0/24"]   # trailing comment ]]]
            """)
        #expect(found(p, "yaml-limits").isEmpty)
        #expect(p.policy.allowlists.first?.cidrs.count == 2)
        #expect(p.policy.allowlists.first?.owner == "o'brien # not a comment")
        #expect(found(p, "unknown-key") == ["2:1 error"])
    }
}
