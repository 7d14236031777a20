import Foundation
import Testing

@testable import VigilCore

/// The hand-written finding JSON reads back, through `JSONDecoder`, as the same values.
@Suite struct FindingJSONTests {
    static func sample(_ i: Int, _ rng: inout SeededRandom) -> Finding {
        let hostile = [
            "plain", "quote\" back\\slash", "<script>alert(1)</script>", "tab\tnl\ncr\r", "\u{1b}[31mred", "ünïcødé 🔥", "", "a/b",
            "\u{7f}\u{0}",
        ]
        func s() -> String { hostile.randomElement(using: &rng)! + String(Int.random(in: 0...9, using: &rng)) }
        var e = Evidence()
        e.counts = ["refused": i, s(): Int.random(in: 0...100, using: &rng)]
        e.users = (0..<Int.random(in: 0...3, using: &rng)).map { _ in s() }
        e.servers = [s()]
        e.targets = [s(), s()]
        e.requestIds = i % 2 == 0 ? [s()] : []
        e.apiKeys = [s()]
        e.moreUsers = i
        e.moreTargets = i * 2
        e.attributes = [s(): s(), "country": "BR"]
        for j in 0..<Int.random(in: 0...5, using: &rng) {
            e.samples.append(
                EvidenceSample(
                    at: "f.log:\(j)", time: "2026-11-29T10:00:00.000Z", outcome: "success",
                    user: Bool.random(using: &rng) ? s() : nil, operation: Bool.random(using: &rng) ? s() : nil,
                    target: Bool.random(using: &rng) ? s() : nil, status: Bool.random(using: &rng) ? 403 : nil,
                    requestId: Bool.random(using: &rng) ? s() : nil, attempts: Bool.random(using: &rng) ? 3 : nil))
        }
        return Finding(
            id: "F-\(i)", detector: "allowlist_violation", rule: s(), severity: Severity.allCases.randomElement(using: &rng)!,
            subjectKind: "ip", subject: s(), server: Bool.random(using: &rng) ? s() : nil, firstSeen: Int64(i) * 1000,
            lastSeen: Int64(i) * 2000, count: i, message: s(), evidence: e, cooldown: 900_000)
    }

    @Test func evidenceAndStateRoundTrip() throws {
        var rng = SeededRandom(seed: 3)
        let list = (0..<200).map { Self.sample($0, &rng) }
        for f in list {
            let back = try JSONDecoder.vigil.decode(Evidence.self, from: Data(f.evidenceJSON.utf8))
            #expect(back == f.evidence)
        }
        let state = try JSONDecoder.state.decode([Finding].self, from: Data(Finding.stateJSON(list)))
        #expect(state == list)
        #expect(try JSONDecoder.state.decode([Finding].self, from: Data(Finding.stateJSON([]))) == [])
    }
}
