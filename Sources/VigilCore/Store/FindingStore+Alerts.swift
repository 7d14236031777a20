import Foundation
import GRDB

/// The alert outbox: which findings were notified, to which sinks, and how delivery went.
///
/// A notification is written in the transaction that writes its finding, and only when the
/// finding is new to the outbox or more severe than anything notified for it before. So a
/// storm of reports about one episode notifies once, an escalation notifies again, and a
/// crash followed by re-reading lines already seen notifies nothing twice.
package struct AlertDelivery: Sendable, Equatable {
    var alertID: Int64
    package var sink: String
    var findingID: String
    package var severity: Severity
    /// `opened` or `escalated`.
    package var kind: String
    /// The finding as `vigil findings --output jsonl` prints it, at the time of the alert.
    var payload: String
    var attempts: Int
    var createdAt: Int64
}

/// Delivery counts of one sink, for `vigil status` and the metrics.
package struct AlertSinkStatus: Sendable, Equatable {
    package var sink: String
    /// Not delivered yet, still retried.
    package var pending = 0
    package var sent = 0
    /// Refused by the receiver (a 4xx other than 408 and 429, a redirect): not retried.
    package var failed = 0
    /// Not queued, or pushed out, because the sink's queue was full.
    package var dropped = 0
    /// Retried for the sink's whole retry horizon without success.
    package var expired = 0
    /// When the oldest pending alert was created (wall time, ms): how long the sink has been
    /// failing, at least.
    package var oldestPendingAt: Int64?
    /// When the sink next tries a pending alert (wall time, ms).
    package var nextAttemptAt: Int64?
    var lastError: String?
}

extension FindingStore {
    static func queueAlerts(_ db: Database, _ c: Checkpoint) throws -> CommitResult {
        var result = CommitResult()
        let prior = try db.cachedStatement(sql: "SELECT MIN(severity) FROM alert WHERE finding_id = ?")
        let suppressed = try db.cachedStatement(
            sql: """
                SELECT 1 FROM suppression WHERE (detector = ? OR detector = '*') AND subject = ? AND ? < until LIMIT 1
                """)
        let insert = try db.cachedStatement(
            sql: "INSERT INTO alert (finding_id, severity, kind, payload, created_at) VALUES (?, ?, ?, ?, ?)")
        let pending = try db.cachedStatement(sql: "SELECT count(*) FROM alert_delivery WHERE sink = ? AND status = 'pending'")
        let deliver = try db.cachedStatement(
            sql: """
                INSERT INTO alert_delivery (alert_id, sink, status, attempts, next_attempt_at, updated_at) VALUES (?, ?, ?, 0, ?, ?)
                """)
        // A full backlog gives way by severity: the least severe pending delivery (the newest of
        // those) is dropped for a more severe alert, and a P1 is always queued, even past the
        // limit. Before, a queue full of P2s dropped the P1 that came next.
        let leastSevere = try db.cachedStatement(
            sql: """
                SELECT d.alert_id FROM alert_delivery d JOIN alert a ON a.id = d.alert_id
                WHERE d.sink = ? AND d.status = 'pending' AND a.severity > ?
                ORDER BY a.severity DESC, d.alert_id DESC LIMIT 1
                """)
        let evict = try db.cachedStatement(
            sql: "UPDATE alert_delivery SET status = 'dropped', updated_at = ? WHERE alert_id = ? AND sink = ?")
        var pendingCount: [String: Int] = [:]
        for f in c.findings {
            let routes = c.alertRoutes.filter { $0.accepts(f.severity) }
            if routes.isEmpty { continue }
            let notified = try Int.fetchOne(prior, arguments: [f.id])
            if let notified, notified <= f.severity.rawValue { continue }
            if try Int.fetchOne(suppressed, arguments: [f.detector, f.subject, f.firstSeen]) != nil { continue }
            try insert.execute(arguments: [
                f.id, f.severity.rawValue, notified == nil ? "opened" : "escalated",
                try f.jsonLine(), c.now,
            ])
            let alertID = db.lastInsertedRowID
            for r in routes {
                if pendingCount[r.sink] == nil { pendingCount[r.sink] = try Int.fetchOne(pending, arguments: [r.sink]) ?? 0 }
                var full = pendingCount[r.sink]! >= c.maxPendingAlerts
                if full, let victim = try Int64.fetchOne(leastSevere, arguments: [r.sink, f.severity.rawValue]) {
                    try evict.execute(arguments: [c.now, victim, r.sink])
                    pendingCount[r.sink]! -= 1
                    result.alertsDropped += 1
                    full = false
                }
                if full && f.severity == .p1 { full = false }  // a P1 is never dropped
                try deliver.execute(arguments: [alertID, r.sink, full ? "dropped" : "pending", c.now, c.now])
                if full {
                    result.alertsDropped += 1
                } else {
                    pendingCount[r.sink]! += 1
                    result.alertsQueued += 1
                }
            }
        }
        return result
    }

    /// Deliveries of a sink that are due at `now`, oldest first.
    package func dueDeliveries(sink: String, now: Int64, limit: Int) throws -> [AlertDelivery] {
        try read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT d.alert_id, d.sink, d.status, d.attempts, d.next_attempt_at, d.last_error,
                           a.id, a.finding_id, a.severity, a.kind, a.payload, a.created_at
                    FROM alert_delivery d JOIN alert a ON a.id = d.alert_id
                    WHERE d.sink = ? AND d.status = 'pending' AND d.next_attempt_at <= ?
                    ORDER BY d.alert_id LIMIT ?
                    """, arguments: [sink, now, limit]
            ).map { r in
                let label = "alert " + FindingStore.keyText(r, "alert_id")
                try FindingStore.check(r, FindingStore.deliveryColumns + FindingStore.alertColumns, row: label)
                return AlertDelivery(
                    alertID: try r.stored("alert_id", row: label), sink: try r.stored("sink", row: label),
                    findingID: try r.stored("finding_id", row: label),
                    severity: Severity(rawValue: try r.stored("severity", row: label)) ?? .p4, kind: try r.stored("kind", row: label),
                    payload: try r.stored("payload", row: label), attempts: try r.stored("attempts", row: label),
                    createdAt: try r.stored("created_at", row: label))
            }
        }
    }

    /// The earliest time a pending delivery of this sink is due, if any.
    package func nextDeliveryDue(sink: String) throws -> Int64? {
        try read { db in
            try Int64.fetchOne(
                db, sql: "SELECT MIN(next_attempt_at) FROM alert_delivery WHERE sink = ? AND status = 'pending'",
                arguments: [sink])
        }
    }

    /// Records the outcome of delivering some alerts: `sent`, `failed` (refused), or still
    /// `pending` with the time of the next attempt.
    package func recordDelivery(sink: String, alertIDs: [Int64], status: String, nextAttemptAt: Int64, error: String?, now: Int64) throws {
        guard !alertIDs.isEmpty else { return }
        try write { db in
            let update = try db.cachedStatement(
                sql: """
                    UPDATE alert_delivery SET status = ?, attempts = attempts + 1, next_attempt_at = ?, last_error = ?, updated_at = ?
                    WHERE alert_id = ? AND sink = ?
                    """)
            for id in alertIDs {
                try update.execute(arguments: [status, nextAttemptAt, error, now, id, sink])
            }
        }
    }

    /// Marks the sink's pending deliveries of alerts created at or before `createdAtOrBefore`
    /// `expired`; returns how many. (The sink's pending rows by index, each alert by its key:
    /// the alert table has no index on creation time.)
    package func expireDeliveries(sink: String, createdAtOrBefore: Int64, now: Int64) throws -> Int {
        try write { db in
            try db.execute(
                sql: """
                    UPDATE alert_delivery SET status = 'expired', updated_at = ?
                    WHERE sink = ? AND status = 'pending' AND (SELECT a.created_at FROM alert a WHERE a.id = alert_delivery.alert_id) <= ?
                    """, arguments: [now, sink, createdAtOrBefore])
            return db.changesCount
        }
    }

    /// Delivery counts by sink.
    package func alertSinkStatus() throws -> [AlertSinkStatus] {
        try read { db in
            // Checked first, by row: the counts below group rows, so a bad one could not be named.
            try FindingStore.checkRows(db, "alert_delivery", FindingStore.deliveryColumns) { _, r in
                "alert_delivery row (alert \(FindingStore.keyText(r, "alert_id")), sink \(FindingStore.keyText(r, "sink")))"
            }
            try FindingStore.checkRows(
                db, "alert", FindingStore.alertColumns, where: "id IN (SELECT alert_id FROM alert_delivery WHERE status = 'pending')"
            ) { _, r in "alert " + FindingStore.keyText(r, "id") }
            var out: [String: AlertSinkStatus] = [:]
            let label = "alert deliveries by sink"
            for r in try Row.fetchAll(db, sql: "SELECT sink, status, count(*) AS n FROM alert_delivery GROUP BY sink, status") {
                let sink: String = try r.stored("sink", row: label)
                var s = out[sink] ?? AlertSinkStatus(sink: sink)
                let n: Int = try r.stored("n", row: label)
                switch try r.stored("status", String.self, row: label) {
                case "pending": s.pending = n
                case "sent": s.sent = n
                case "failed": s.failed = n
                case "dropped": s.dropped = n
                case "expired": s.expired = n
                default: break
                }
                out[sink] = s
            }
            // How long the pending ones have waited and when they are tried next.
            for r in try Row.fetchAll(
                db,
                sql: """
                    SELECT d.sink, MIN(a.created_at) AS oldest, MIN(d.next_attempt_at) AS next
                    FROM alert_delivery d JOIN alert a ON a.id = d.alert_id WHERE d.status = 'pending' GROUP BY d.sink
                    """)
            {
                let row = "pending alerts of a sink"
                let sink = try r.stored("sink", String.self, row: row)
                out[sink]?.oldestPendingAt = try r.stored("oldest", Int64.self, row: row)
                out[sink]?.nextAttemptAt = try r.stored("next", Int64.self, row: row)
            }
            for r in try Row.fetchAll(
                db,
                sql: """
                    SELECT sink, last_error FROM alert_delivery WHERE last_error IS NOT NULL
                    AND updated_at = (SELECT MAX(updated_at) FROM alert_delivery d2 WHERE d2.sink = alert_delivery.sink AND d2.last_error IS NOT NULL)
                    GROUP BY sink
                    """)
            {
                let sink: String = try r.stored("sink", row: label)
                out[sink]?.lastError = try r.stored("last_error", row: label)
            }
            return out.values.sorted { $0.sink < $1.sink }
        }
    }
}
