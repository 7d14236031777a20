import Foundation
import Testing

@testable import VigilCore

/// The episode bookkeeping under the detectors: findings grow in place, and every finding
/// that changed reaches the store once, in its last state, even when its episode closed (or
/// was replaced by the next one) before the commit.
@Suite struct FindingTrackerTests {
    let symbols = SymbolTable()
    let minute = EventTime.minute
    let start = ms("2026-11-03T07:00:00Z")

    func grow(_ tracker: FindingTracker, _ subject: String, at time: Int64, rule: String = "r") {
        tracker.report(
            detector: "d", rule: rule, subject: .ip(IPAddress(subject)!), severity: .p3, server: .none,
            time: time, cooldown: 15 * minute
        ) { finding, isNew in
            finding.count += 1
            if isNew { finding.message = "opened" }
            finding.evidence.samples.append(EvidenceSample(at: "x:\(finding.count)", time: "", outcome: "failure"))
        }
    }

    @Test func growthReachesTheDrainOnceInItsLastState() {
        let tracker = FindingTracker(symbols: symbols)
        for second in 0..<1_000 { grow(tracker, "203.0.113.1", at: start + Int64(second) * 1_000) }
        let drained = tracker.drainChanged { _ in }
        #expect(drained.count == 1)
        #expect(drained.first?.count == 1_000)
        #expect(drained.first?.evidence.samples.count == 1_000)
        #expect(drained.first?.message == "opened")
        #expect(tracker.drainChanged { _ in }.isEmpty, "nothing changed since")
        grow(tracker, "203.0.113.1", at: start + 1_000_000)
        #expect(tracker.drainChanged { _ in }.map(\.count) == [1_001], "the same episode grows on")
    }

    @Test func aFindingThatClosesBeforeTheCommitIsStillCommitted() {
        let tracker = FindingTracker(symbols: symbols)
        grow(tracker, "203.0.113.2", at: start)
        grow(tracker, "203.0.113.2", at: start + minute)
        tracker.advance(to: start + 20 * minute)  // past last seen + cooldown: closed
        grow(tracker, "203.0.113.3", at: start + 20 * minute)  // takes the freed slot
        let drained = tracker.drainChanged { finding in finding.message += " (described)" }
        #expect(drained.map(\.subject) == ["203.0.113.2", "203.0.113.3"])
        #expect(drained.map(\.count) == [2, 1])
        #expect(drained.allSatisfy { $0.message == "opened (described)" }, "closed findings are described too")
        // A new episode of the closed subject is a new finding.
        grow(tracker, "203.0.113.2", at: start + 21 * minute)
        let next = tracker.drainChanged { _ in }
        #expect(next.count == 1 && next.first?.count == 1 && next.first?.id != drained.first?.id)
    }

    @Test func anEpisodeReplacedBeforeAdvanceKeepsBothFindings() {
        let tracker = FindingTracker(symbols: symbols)
        grow(tracker, "203.0.113.4", at: start)
        // Past the cooldown, with no advance in between: the next report opens a new episode
        // in the same slot; the old one must still be committed.
        grow(tracker, "203.0.113.4", at: start + 16 * minute)
        let drained = tracker.drainChanged { _ in }
        #expect(drained.count == 2)
        #expect(Set(drained.map(\.id)).count == 2)
        #expect(drained.map(\.firstSeen) == [start, start + 16 * minute])
    }

    @Test func openEpisodesSurviveSnapshotAndRestore() throws {
        let tracker = FindingTracker(symbols: symbols)
        grow(tracker, "203.0.113.5", at: start)
        grow(tracker, "203.0.113.6", at: start)
        _ = tracker.drainChanged { _ in }
        let data = try tracker.snapshot()
        let restored = FindingTracker(symbols: symbols)
        try restored.restore(data)
        grow(restored, "203.0.113.5", at: start + minute)
        let drained = restored.drainChanged { _ in }
        #expect(drained.map(\.count) == [2], "the restored episode grew; the other did not change")
        #expect(restored.isOpen(detector: "d", rule: "r", subject: .ip(IPAddress("203.0.113.6")!), at: start + 10 * minute))
        restored.advance(to: start + 30 * minute)
        #expect(!restored.isOpen(detector: "d", rule: "r", subject: .ip(IPAddress("203.0.113.6")!), at: start + 10 * minute))
    }
}
