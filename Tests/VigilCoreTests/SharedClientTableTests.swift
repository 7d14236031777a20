import Foundation
import Testing

@testable import VigilCore

/// The tables the SSH rules keep their clients in (issue 13's speed): `ProbingTable` agrees
/// with `Dictionary`, and the rules' shared `SSHClientTable` takes over what earlier versions
/// saved in each rule's own row.
@Suite struct SharedClientTableTests {
    /// A small deterministic generator (xorshift64*), so a failure can be replayed.
    struct Generator {
        var state: UInt64
        mutating func next(_ bound: Int) -> Int {
            state ^= state >> 12
            state ^= state << 25
            state ^= state >> 27
            return Int((state &* 0x2545_F491_4F6C_DD1D) >> 33) % bound
        }
    }

    /// Random inserts, updates and removals over a small set of subjects (long probe chains,
    /// removals inside them, growth) give what a `Dictionary` gives.
    @Test func probingTableAgreesWithDictionary() {
        var generator = Generator(state: 0x9E37_79B9_7F4A_7C15)
        var table = ProbingTable<Subject, Int>()
        var model: [Subject: Int] = [:]
        let subjects: [Subject] =
            (0..<300).map { .ip(IPAddress(v4: 0xC000_0200 + UInt32($0))) }
            + (0..<100).map { .network(IPAddress(raw: UInt128($0) << 64), prefixLength: 64) }
            + (1..<50).map { .user(Symbol(id: UInt32($0))) }
        for step in 0..<50_000 {
            let subject = subjects[generator.next(subjects.count)]
            switch generator.next(4) {
            case 0, 1:
                table[subject] = step
                model[subject] = step
            case 2:
                table[subject] = nil
                model[subject] = nil
            default:
                let (found, expected) = (table[subject], model[subject])
                #expect(found == expected, "step \(step)")
            }
            if step % 5_000 == 0 {
                let (count, agrees) = (table.count, subjects.allSatisfy { table[$0] == model[$0] })
                let expected = model.count
                #expect(count == expected && agrees, "step \(step)")
            }
        }
        let (count, agrees, values) = (table.count, subjects.allSatisfy { table[$0] == model[$0] }, table.allValues.sorted())
        let (expectedCount, expectedValues) = (model.count, model.values.sorted())
        #expect(count == expectedCount && agrees)
        #expect(values == expectedValues)
    }

    /// A slow rule's state as the previous version saved it (its own table, version 2: no
    /// users) is taken over by the shared table: three failures before the restart and one
    /// after make the slow brute force, as in one run.
    @Test func aSlowRuleStateOfTheEarlierFormIsTakenOver() throws {
        let before = DetectorHarness(policy: Policy())
        let symbols = before.context.symbols
        var legacy = ExpiringSubjects<SlowBruteForceDetector.Pace>(capacity: 10)
        let start = ms("2026-11-03T08:00:00Z")
        legacy.update(.ip(IPAddress("203.0.113.5")!)) { pace in
            for i in 0..<3 {
                pace.failures.append(.init(time: start + Int64(i) * 900_000, weight: 1, user: .none))
                pace.last = start + Int64(i) * 900_000
            }
        }
        let data = legacy.snapshot(symbols, version: 2) { pace, writer in
            writer.u32(UInt32(pace.failures.count))
            for failure in pace.failures {
                writer.i64(failure.time)
                writer.u32(failure.weight)
            }
            writer.i64(pace.last)
        }
        let slow = try #require(before.detectors.first { $0.name == "slow_brute_force" })
        try slow.restore(data, context: before.context)
        #expect(try slow.snapshot(context: before.context) == Data(), "the rule's own row is emptied")
        before.feed("2026-11-03T08:45:00Z", ip: "203.0.113.5", .authFailure, user: "root")
        let found = before.findings.filter { $0.detector == "slow_brute_force" }
        #expect(found.count == 1 && found.first?.count == 4, "\(found)")
    }

    /// The burst rule's JSON state of earlier versions is still read: five failures before a
    /// restart and one after are a burst.
    @Test func aBurstStateInJSONIsStillRead() throws {
        let harness = DetectorHarness(policy: Policy())
        let times = (0..<5).map { "2026-11-03T08:00:0\($0)Z" }
        let json = """
            [{"subjectKind":"ip","subject":"198.51.100.7","times":[\(times.map { String(ms($0)) }.joined(separator: ","))],
            "weights":[1,1,1,1,1],"samples":[\(times.enumerated().map { index, time in
                "{\"input\":\"old.log\",\"line\":\(index + 1),\"time\":\(ms(time)),\"status\":0,\"outcome\":1,\"attempts\":1}"
            }.joined(separator: ","))]}]
            """
        let burst = try #require(harness.detectors.first { $0.name == "auth_failure_burst" })
        try burst.restore(Data(json.utf8), context: harness.context)
        harness.feed("2026-11-03T08:00:30Z", ip: "198.51.100.7", .authFailure, user: "root")
        let found = harness.findings.filter { $0.detector == "auth_failure_burst" }
        #expect(found.count == 1 && found.first?.count == 6, "\(found)")
        #expect(found.first?.evidence.samples.first?.at == "old.log:1", "\(found)")
    }
}
