import Foundation
import Testing

@testable import VigilCore

/// Drives detectors directly with synthetic events.
@Suite struct DetectorTests {
    static func harness(_ settings: DetectorSettings = DetectorSettings()) -> DetectorHarness {
        var policy = Policy()
        policy.detectors = settings
        // The SSH rules of issue 13 judge the same failures (SSHAttackRuleTests tests them);
        // these tests count the findings of the others.
        policy.detectors.slowBruteForce.enabled = false
        policy.detectors.userEnumeration.enabled = false
        policy.detectors.distributedBruteForce.enabled = false
        policy.detectors.preauthScan.enabled = false
        return DetectorHarness(policy: policy)
    }

    @Test func fiveFailuresAreNotABurstSixAre() {
        let h = Self.harness()
        for i in 0..<5 { h.feed("2026-11-03T07:0\(i):00Z", ip: "203.0.113.7", .authFailure) }
        #expect(h.findings.isEmpty)
        h.feed("2026-11-03T07:04:59Z", ip: "203.0.113.7", .authFailure)
        let f = h.findings
        #expect(f.count == 1)
        #expect(f.first?.severity == .p2)
        #expect(f.first?.count == 6)
        #expect(f.first?.firstSeen == ms("2026-11-03T07:00:00Z"))
        #expect(f.first?.subjectKind == "ip" && f.first?.subject == "203.0.113.7")
    }

    @Test func theWindowSlides() {
        let dense = Self.harness()
        for i in 0..<12 { dense.feed(EventTime.format(ms("2026-11-03T07:00:00Z") + Int64(i) * 50_000), ip: "198.51.100.2", .authFailure) }
        #expect(dense.findings.count == 1, "failures 50 s apart put 6 in 5 minutes")
        let spaced = Self.harness()
        for i in 0..<12 { spaced.feed(EventTime.format(ms("2026-11-03T07:00:00Z") + Int64(i) * 61_000), ip: "198.51.100.2", .authFailure) }
        #expect(spaced.findings.isEmpty, "failures 61 s apart put at most 5 in any 5 minutes")
        let slow = Self.harness()
        for i in 0..<20 { slow.feed(EventTime.format(ms("2026-11-03T07:00:00Z") + Int64(i) * 120_000), ip: "198.51.100.3", .authFailure) }
        #expect(slow.findings.isEmpty, "one failure every 2 minutes is at most 3 in 5 minutes")
    }

    @Test func weightsCountRepeatedAndIgnoreDuplicates() {
        let h = Self.harness()
        h.feed("2026-11-03T07:00:00Z", ip: "203.0.113.9", .authFailure, attempts: 5)
        h.feed("2026-11-03T07:00:01Z", ip: "203.0.113.9", .authFailure, attempts: 0)
        #expect(h.findings.isEmpty)
        h.feed("2026-11-03T07:00:02Z", ip: "203.0.113.9", .authFailure, attempts: 1)
        #expect(h.findings.first?.count == 6)
    }

    @Test func episodesGrowInsideTheCooldownAndRestartAfterIt() {
        let h = Self.harness()
        let t0 = ms("2026-11-03T07:00:00Z")
        for i in 0..<6 { h.feed(EventTime.format(t0 + Int64(i) * 1000), ip: "203.0.113.7", .authFailure) }
        let first = h.findings
        #expect(first.count == 1)
        // 20 minutes later (inside the 30-minute cooldown): the same finding grows
        h.feed(EventTime.format(t0 + 20 * 60_000), ip: "203.0.113.7", .authFailure)
        let grown = h.findings
        #expect(grown.count == 1 && grown[0].id == first[0].id && grown[0].count == 7)
        // a quiet hour later: a new episode needs a new burst, and gets a new id
        let t1 = t0 + 20 * 60_000 + 61 * 60_000
        h.context.findings.advance(to: t1)
        for d in h.detectors { d.advance(to: t1, context: h.context) }
        h.feed(EventTime.format(t1), ip: "203.0.113.7", .authFailure)
        #expect(h.findings.isEmpty)
        for i in 1...5 { h.feed(EventTime.format(t1 + Int64(i) * 1000), ip: "203.0.113.7", .authFailure) }
        let second = h.findings
        #expect(second.count == 1 && second[0].id != first[0].id)
    }

    @Test func successDuringABurstIsCritical() {
        let h = Self.harness()
        h.feed("2026-11-03T07:00:00Z", ip: "192.0.2.9", .success)  // before any burst: nothing
        for i in 0..<6 { h.feed("2026-11-03T07:01:0\(i)Z", ip: "192.0.2.9", .authFailure) }
        h.feed("2026-11-03T07:02:00Z", ip: "192.0.2.9", .success, user: "root")
        let f = h.findings
        let success = f.first { $0.rule == "success_after_failures" }
        #expect(success?.severity == .p1)
        #expect(success?.evidence.users == ["root"])
        #expect(f.count == 2)
    }

    @Test func unauthorizedAccessIsPerKeyElsePerAddress() {
        let h = Self.harness()
        h.feed("2026-11-05T09:00:00Z", ip: "198.51.100.40", .forbidden, key: "key_7f3a")
        h.feed("2026-11-05T09:10:00Z", ip: "198.51.100.41", .forbidden, key: "key_7f3a")  // same key, other IP: same episode
        h.feed("2026-11-05T09:10:00Z", ip: "198.51.100.42", .forbidden)
        let f = h.findings
        #expect(f.count == 2)
        let byKey = f.first { $0.subjectKind == "api_key" }
        #expect(byKey?.subject == "key_7f3a" && byKey?.count == 2)
        #expect(f.contains { $0.subjectKind == "ip" && $0.subject == "198.51.100.42" })
        h.feed("2026-11-05T09:26:00Z", ip: "198.51.100.40", .forbidden, key: "key_7f3a")  // 16 min quiet: new episode
        let next = h.findings
        #expect(next.count == 1 && next[0].id != byKey?.id)
    }

    @Test func idsAreStableHashesNotProcessSeeded() {
        #expect(
            Finding.stableID(
                detector: "auth_failure_burst", rule: "auth_failure_burst", subjectKind: "ip", subject: "203.0.113.7",
                firstSeen: 1_793_689_262_000) == "F-"
                + StableHash.hex(of: ["auth_failure_burst", "auth_failure_burst", "ip", "203.0.113.7", "1793689262000"]))
        // FNV-1a 64 of "a" is a published test vector
        var a = "a"
        #expect(a.withUTF8 { StableHash.fnv1a(UnsafeRawBufferPointer($0)) } == 0xaf63_dc4c_8601_ec8c)
    }

    @Test func stateSurvivesASnapshot() throws {
        let h = Self.harness()
        for i in 0..<4 { h.feed("2026-11-03T07:00:0\(i)Z", ip: "203.0.113.7", .authFailure) }
        let snap = try h.detectors[0].snapshot(context: h.context)!
        let h2 = Self.harness()
        try h2.detectors[0].restore(snap, context: h2.context)
        h2.feed("2026-11-03T07:00:05Z", ip: "203.0.113.7", .authFailure)
        #expect(h2.findings.isEmpty)
        h2.feed("2026-11-03T07:00:06Z", ip: "203.0.113.7", .authFailure)
        #expect(h2.findings.first?.count == 6)
    }
}
