import Foundation
import GRDB

/// A rule that mutes findings of one detector (or `*`, every detector) about one subject
/// until a date: they are still stored and counted, not alerted, and reports list them apart.
package struct Suppression: Sendable, Equatable, Codable {
    package var id: Int64
    package var detector: String
    package var subject: String
    /// Findings whose episode started before this time (ms) are suppressed.
    package var until: Int64
    package var note: String
    var createdAt: Int64
    /// Who made it (`suppress --by`, default the login name); `nil` for ones made before Vigil
    /// recorded it.
    package var createdBy: String?
}

/// What `vigil prune` removed.
package struct PruneResult: Sendable, Equatable {
    package var findings: [Severity: Int] = [:]
    package var hourlyRows = 0
    package var suppressions = 0
    package var bytesBefore: Int64 = 0
    package var bytesAfter: Int64 = 0
}

/// Triage (acknowledge, suppress) and retention.
extension FindingStore {
    /// The finding whose id is `id` or starts with it (ids are long; people type prefixes).
    package func resolveID(_ id: String) throws -> String {
        let matches = try read { db in
            try String.fetchAll(
                db, sql: "SELECT id FROM finding WHERE id = ? OR id LIKE ? ESCAPE '\\' ORDER BY id LIMIT 3",
                arguments: [
                    id,
                    id.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "%", with: "\\%")
                        .replacingOccurrences(of: "_", with: "\\_") + "%",
                ])
        }
        if matches.contains(id) { return id }
        guard !matches.isEmpty else { throw VigilError.usage("no finding \(id) in \(path); list them with `vigil findings`") }
        guard matches.count == 1 else {
            throw VigilError.usage("\(id) matches several findings (\(matches.joined(separator: ", ")), …); give more of the id")
        }
        return matches[0]
    }

    /// Marks a finding as reviewed, with a note. Returns the full id.
    @discardableResult
    package func acknowledge(_ id: String, note: String, by: String, at now: Int64) throws -> String {
        let full = try resolveID(id)
        try write { db in
            try db.execute(sql: "UPDATE finding SET acked_at = ?, ack_note = ? WHERE id = ?", arguments: [now, note, full])
            try FindingStore.appendTriage(db, TriageEvent(findingID: full, action: "ack", note: note, by: by, at: now))
        }
        return full
    }

    @discardableResult
    package func unacknowledge(_ id: String, by: String, at now: Int64) throws -> String {
        let full = try resolveID(id)
        try write { db in
            try db.execute(sql: "UPDATE finding SET acked_at = NULL, ack_note = NULL WHERE id = ?", arguments: [full])
            try FindingStore.appendTriage(db, TriageEvent(findingID: full, action: "unack", note: nil, by: by, at: now))
        }
        return full
    }

    private static func appendTriage(_ db: Database, _ event: TriageEvent) throws {
        try db.execute(
            sql: "INSERT INTO triage_event (finding_id, action, note, by, at) VALUES (?, ?, ?, ?, ?)",
            arguments: [event.findingID, event.action, event.note, event.by, event.at])
    }

    package func triageHistory(_ findingID: String) throws -> [TriageEvent] {
        try read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM triage_event WHERE finding_id = ? ORDER BY id", arguments: [findingID]).map { row in
                let label = "triage_event row \(FindingStore.keyText(row, "id"))"
                return TriageEvent(
                    findingID: try row.stored("finding_id", row: label), action: try row.stored("action", row: label),
                    note: try row.stored("note", String?.self, row: label), by: try row.stored("by", row: label),
                    at: try row.stored("at", row: label))
            }
        }
    }

    @discardableResult
    package func suppress(detector: String, subject: String, until: Int64, note: String, by: String, at now: Int64) throws -> Suppression {
        try write { db in
            try db.execute(
                sql: "INSERT INTO suppression (detector, subject, until, note, created_at, created_by) VALUES (?, ?, ?, ?, ?, ?)",
                arguments: [detector, subject, until, note, now, by])
            var suppression = Suppression(
                id: db.lastInsertedRowID, detector: detector, subject: subject, until: until, note: note, createdAt: now)
            suppression.createdBy = by
            try FindingStore.recordSuppressionEvent(db, suppression, action: "suppress", by: by, at: now)
            return suppression
        }
    }

    package func suppressions() throws -> [Suppression] {
        try read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM suppression ORDER BY id").map(FindingStore.suppression)
        }
    }

    static func suppression(_ r: Row) throws -> Suppression {
        let label = "suppression " + FindingStore.keyText(r, "id")
        try FindingStore.check(r, FindingStore.suppressionRowColumns, row: label)
        var suppression = Suppression(
            id: try r.stored("id", row: label), detector: try r.stored("detector", row: label),
            subject: try r.stored("subject", row: label), until: try r.stored("until", row: label),
            note: try r.stored("note", row: label), createdAt: try r.stored("created_at", row: label))
        suppression.createdBy = try r.stored("created_by", row: label)
        return suppression
    }

    /// Removes a suppression, keeping its history; `false` when there was none with that id.
    package func removeSuppression(_ id: Int64, by: String, at now: Int64) throws -> Bool {
        try write { db in
            guard let row = try Row.fetchOne(db, sql: "SELECT * FROM suppression WHERE id = ?", arguments: [id]) else { return false }
            try FindingStore.recordSuppressionEvent(db, try FindingStore.suppression(row), action: "remove", by: by, at: now)
            try db.execute(sql: "DELETE FROM suppression WHERE id = ?", arguments: [id])
            return true
        }
    }

    package func suppressionHistory() throws -> [SuppressionEvent] {
        try read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM suppression_event ORDER BY id").map { r in
                let label = "suppression_event " + FindingStore.keyText(r, "id")
                try FindingStore.check(r, FindingStore.suppressionEventColumns, row: label)
                return SuppressionEvent(
                    suppressionID: try r.stored("suppression_id", row: label), action: try r.stored("action", row: label),
                    detector: try r.stored("detector", row: label), subject: try r.stored("subject", row: label),
                    until: try r.stored("until", row: label), note: try r.stored("note", row: label), by: try r.stored("by", row: label),
                    at: try r.stored("at", row: label))
            }
        }
    }

    static func recordSuppressionEvent(_ db: Database, _ s: Suppression, action: String, by: String, at now: Int64) throws {
        try db.execute(
            sql: """
                INSERT INTO suppression_event (suppression_id, action, detector, subject, until, note, by, at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                """,
            arguments: [s.id, action, s.detector, s.subject, s.until, s.note, by, now])
    }

    /// Deletes findings past their severity's retention (by `last_seen`), hourly counts past
    /// theirs and long-ended suppressions, then reclaims the space.
    ///
    /// `VACUUM INTO` a temporary copy is not needed: in WAL mode `VACUUM` runs as a write
    /// transaction, readers keep their snapshot, and a reader that starts meanwhile waits at
    /// most the busy timeout.
    package func prune(_ r: RetentionSettings, now: Int64, dryRun: Bool = false) throws -> PruneResult {
        var result = PruneResult()
        result.bytesBefore = fileSize()
        try write { db in
            for sev in Severity.allCases {
                guard let keep = r.findings[sev] else { continue }
                let cutoff = now - keep
                if dryRun {
                    result.findings[sev] =
                        try Int.fetchOne(
                            db, sql: "SELECT count(*) FROM finding WHERE severity = ? AND last_seen < ?",
                            arguments: [sev.rawValue, cutoff]) ?? 0
                } else {
                    try db.execute(sql: "DELETE FROM finding WHERE severity = ? AND last_seen < ?", arguments: [sev.rawValue, cutoff])
                    result.findings[sev] = db.changesCount
                }
            }
            let hourCut = now - r.aggregates
            let supCut = now - r.suppressions
            if dryRun {
                result.hourlyRows = try Int.fetchOne(db, sql: "SELECT count(*) FROM event_hourly WHERE hour < ?", arguments: [hourCut]) ?? 0
                result.suppressions =
                    try Int.fetchOne(db, sql: "SELECT count(*) FROM suppression WHERE until < ?", arguments: [supCut]) ?? 0
            } else {
                try db.execute(sql: "DELETE FROM event_hourly WHERE hour < ?", arguments: [hourCut])
                result.hourlyRows = db.changesCount
                // Daily logins are aggregates too: kept as long as the hourly counts.
                try db.execute(sql: "DELETE FROM login_daily WHERE day < ?", arguments: [hourCut])
                for row in try Row.fetchAll(db, sql: "SELECT * FROM suppression WHERE until < ?", arguments: [supCut]) {
                    try FindingStore.recordSuppressionEvent(
                        db, try FindingStore.suppression(row), action: "prune", by: "vigil prune", at: EventTime.wallNow())
                }
                try db.execute(sql: "DELETE FROM suppression WHERE until < ?", arguments: [supCut])
                result.suppressions = db.changesCount
            }
        }
        if !dryRun {
            try writeWithoutTransaction { db in
                try db.execute(sql: "VACUUM")
                try db.execute(sql: "PRAGMA wal_checkpoint(TRUNCATE)")
            }
        }
        result.bytesAfter = fileSize()
        return result
    }

    func fileSize() -> Int64 {
        let fm = FileManager.default
        return [path, path + "-wal"].reduce(Int64(0)) { sum, p in
            sum + ((try? fm.attributesOfItem(atPath: p)[.size] as? Int64) ?? 0)
        }
    }
}
