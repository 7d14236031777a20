import Foundation
import Testing

@testable import VigilCore

/// The report and the alert dispatcher against `InMemoryStore`: they depend on their store
/// role only, and what they produce comes from what the store holds.
@Suite struct StoreRoleTests {
    static let week = ReportPeriod.week("2026-W47", now: 0)!

    /// Three findings in the week (one acknowledged) and one the week before, plus hourly counts.
    static func store() -> (InMemoryStore, acknowledged: Finding) {
        let burst = AlertTests.finding(1, severity: .p2, subject: "198.51.100.9", count: 40)
        let again = AlertTests.finding(2, severity: .p2, subject: "198.51.100.9", count: 10)
        var acknowledged = AlertTests.finding(3, severity: .p1, subject: "203.0.113.3", count: 5)
        acknowledged.triage = Finding.Triage(ackedAt: week.from + 1, ackNote: "known")
        var earlier = AlertTests.finding(4, severity: .p3, subject: "203.0.113.4")
        earlier.firstSeen -= 7 * EventTime.day
        earlier.lastSeen -= 7 * EventTime.day
        let hour = EventTime.millis(year: 2026, month: 11, day: 20, hour: 8, minute: 0, second: 0)
        let hourly = [
            HourlyCount(hour: hour, source: "sshd", server: "bastion", outcome: "auth_failure", events: 30, attempts: 55),
            HourlyCount(hour: hour, source: "sshd", server: "bastion", outcome: "ok", events: 7, attempts: 7),
        ]
        return (InMemoryStore(findings: [burst, again, acknowledged, earlier], hourly: hourly), acknowledged)
    }

    @Test func theReportIsBuiltFromTheStoreItIsGiven() throws {
        let (store, acknowledged) = Self.store()
        var options = ReportBuilder.Options()
        options.now = Self.week.to
        let r = try ReportBuilder(store: store, policy: Policy(), options: options).build(Self.week)
        #expect(r.summary.findings == 3)
        #expect(r.summary.previousFindings == 1)
        #expect(r.summary.bySeverity.first { $0.severity == .p1 }?.count == 1)
        #expect(r.summary.events == 37)
        #expect(r.authFailuresPerHour.reduce(0) { $0 + $1.count } == 55)
        #expect(r.topAddresses.first?.subject == "198.51.100.9" && r.topAddresses.first?.occurrences == 50)
        #expect(r.acknowledged.total == 1 && r.acknowledged.rows.map(\.id) == [acknowledged.id])
        #expect(r.acknowledged.rows.first?.note == "known")
        // Open: the two unacknowledged findings of the week and the one before, worst first.
        #expect(r.open.total == 3 && r.open.rows.map(\.severity) == [.p2, .p2, .p3])
        #expect(r.summary.newSubjects == 2 && r.summary.recurringSubjects == 0)
    }

    /// A sink that keeps what it is given.
    final class RecordingSink: AlertSink, Sendable {
        let name = "memory"
        let batchSize = 10
        let received = LockedBox<[AlertDelivery]>([])
        func deliver(_ alerts: [AlertDelivery]) -> AlertSinkResult {
            received.update { $0 += alerts }
            return .delivered
        }
    }

    @Test func theDispatcherDeliversTheOutboxItIsGiven() throws {
        let (store, _) = Self.store()
        let now = EventTime.wallNow()
        let findings = Array(store.findings.prefix(2))
        for f in findings { try store.enqueue(f, sink: "memory", now: now) }
        try store.enqueue(findings[0], sink: "elsewhere", now: now)
        let sink = RecordingSink()
        let dispatcher = AlertDispatcher(store: store, sinks: [sink], options: AlertTests.fastRetries)
        dispatcher.start()
        defer { dispatcher.stop() }
        dispatcher.wake()
        #expect(AlertTests.waitUntil { sink.received.value.count == 2 })
        #expect(sink.received.value.map(\.findingID) == findings.map(\.id))
        #expect(
            try AlertTests.waitUntil {
                try store.alertSinkStatus().map(\.counts) == [
                    AlertSinkStatus(sink: "elsewhere", pending: 1), AlertSinkStatus(sink: "memory", sent: 2),
                ]
            })
    }
}
