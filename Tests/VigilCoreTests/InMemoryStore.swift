import Foundation

@testable import VigilCore

/// A store held in arrays, for testing the report and the alert dispatcher without SQLite.
///
/// It conforms to the two roles those use (`ReportQueries`, `AlertOutbox`) and nothing else,
/// so it also shows that they ask for typed values only. Where SQLite answers with a query,
/// this answers with the same rules in plain Swift (simplified where a test needs no more:
/// `newPlaces` and `anomalySeries` are empty).
final class InMemoryStore: ReportQueries, AlertOutbox, Sendable {
    /// An outbox row: the delivery and where it stands.
    struct Delivery: Sendable {
        var alert: AlertDelivery
        var status: String
        var nextAttemptAt: Int64
        var lastError: String?
    }

    /// Stored findings in the order stored; acknowledged ones carry `triage.ackedAt`.
    let findings: [Finding]
    let hourly: [HourlyCount]
    let suppressionRules: [Suppression]
    private let outbox = LockedBox<[Delivery]>([])

    init(findings: [Finding] = [], hourly: [HourlyCount] = [], suppressions: [Suppression] = []) {
        self.findings = findings
        self.hourly = hourly
        self.suppressionRules = suppressions
    }

    /// Queues a pending delivery of `finding` to `sink`, due at `now`, as a commit would.
    func enqueue(_ finding: Finding, sink: String, now: Int64) throws {
        let payload = try FindingOutput.jsonLine(finding)
        outbox.update { rows in
            let alert = AlertDelivery(
                alertID: Int64(rows.count + 1), sink: sink, findingID: finding.id, severity: finding.severity,
                kind: "opened", payload: payload, attempts: 0, createdAt: now)
            rows.append(Delivery(alert: alert, status: "pending", nextAttemptAt: now))
        }
    }

    // MARK: AlertOutbox

    func dueDeliveries(sink: String, now: Int64, limit: Int) throws -> [AlertDelivery] {
        Array(
            outbox.value.filter { $0.alert.sink == sink && $0.status == "pending" && $0.nextAttemptAt <= now }
                .map(\.alert).sorted { $0.alertID < $1.alertID }.prefix(limit))
    }

    func nextDeliveryDue(sink: String) throws -> Int64? {
        outbox.value.filter { $0.alert.sink == sink && $0.status == "pending" }.map(\.nextAttemptAt).min()
    }

    func recordDelivery(sink: String, alertIDs: [Int64], status: String, nextAttemptAt: Int64, error: String?, now: Int64) throws {
        outbox.update { rows in
            for i in rows.indices where rows[i].alert.sink == sink && alertIDs.contains(rows[i].alert.alertID) {
                rows[i].status = status
                rows[i].alert.attempts += 1
                rows[i].nextAttemptAt = nextAttemptAt
                rows[i].lastError = error
            }
        }
    }

    func expireDeliveries(sink: String, createdAtOrBefore: Int64, now: Int64) throws -> Int {
        var n = 0
        outbox.update { rows in
            for i in rows.indices
            where rows[i].alert.sink == sink && rows[i].status == "pending" && rows[i].alert.createdAt <= createdAtOrBefore {
                rows[i].status = "expired"
                n += 1
            }
        }
        return n
    }

    func alertSinkStatus() throws -> [AlertSinkStatus] {
        var out: [String: AlertSinkStatus] = [:]
        for row in outbox.value {
            var s = out[row.alert.sink] ?? AlertSinkStatus(sink: row.alert.sink)
            switch row.status {
            case "pending":
                s.pending += 1
                s.oldestPendingAt = min(s.oldestPendingAt ?? .max, row.alert.createdAt)
                s.nextAttemptAt = min(s.nextAttemptAt ?? .max, row.nextAttemptAt)
            case "sent": s.sent += 1
            case "failed": s.failed += 1
            case "dropped": s.dropped += 1
            case "expired": s.expired += 1
            default: break
            }
            if let e = row.lastError { s.lastError = e }
            out[row.alert.sink] = s
        }
        return out.values.sorted { $0.sink < $1.sink }
    }
}
