import Foundation
import GRDB

extension FindingStore {
    package func adoptAnalysis(fromDatabaseAt freshPath: String, inputsMissing: Bool, at now: Int64) throws -> ReanalysisOutcome {
        try writeWithoutTransaction { db in
            // ATTACH cannot run inside a transaction; everything after it is one.
            try db.execute(sql: "ATTACH DATABASE ? AS fresh", arguments: [freshPath])
            defer { try? db.execute(sql: "DETACH DATABASE fresh") }
            var outcome = ReanalysisOutcome()
            try db.inTransaction {
                outcome = try FindingStore.adopt(db, inputsMissing: inputsMissing, at: now)
                return .commit
            }
            return outcome
        }
    }

    package func standardInputContributed() throws -> Bool {
        try read { db in
            // As the evidence JSON writes it: `<` and `>` escaped.
            try Bool.fetchOne(
                db, sql: "SELECT EXISTS (SELECT 1 FROM finding WHERE instr(evidence, ?) > 0)",
                arguments: [#""at":"\u003cstdin\u003e:"#]) ?? false
        }
    }

    private static let derivedFindingColumns = [
        "detector", "rule", "severity", "subject_kind", "subject", "server", "first_seen", "last_seen", "count", "message",
        "evidence", "cooldown", "updated_at", "country", "asn",
    ]

    private static func adopt(_ db: Database, inputsMissing: Bool, at now: Int64) throws -> ReanalysisOutcome {
        var outcome = ReanalysisOutcome()
        outcome.added = try String.fetchAll(
            db, sql: "SELECT id FROM fresh.finding WHERE id NOT IN (SELECT id FROM main.finding) ORDER BY first_seen, id")
        outcome.again = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM fresh.finding WHERE id IN (SELECT id FROM main.finding)") ?? 0

        // Findings not produced again: removed, or all kept when inputs are missing.
        let stale = try Row.fetchAll(
            db, sql: "SELECT id, acked_at FROM main.finding WHERE id NOT IN (SELECT id FROM fresh.finding) ORDER BY first_seen, id")
        if inputsMissing {
            outcome.keptFromGoneInputs = stale.count
        } else {
            let remove = try db.cachedStatement(sql: "DELETE FROM main.finding WHERE id = ?")
            for row in stale {
                let label = FindingStore.findingLabel(row)
                let id: String = try row.stored("id", row: label)
                try remove.execute(arguments: [id])
                outcome.removed.append(id)
                if try row.stored("acked_at", Int64?.self, row: label) != nil { outcome.removedAcknowledged.append(id) }
            }
        }

        // Acknowledged, produced again, and more severe now: the reviewer saw a lesser finding.
        let escalated = try Row.fetchAll(
            db,
            sql: """
                SELECT m.id, m.severity AS before, f.severity AS after FROM main.finding m JOIN fresh.finding f ON f.id = m.id
                WHERE m.acked_at IS NOT NULL AND f.severity < m.severity ORDER BY m.first_seen, m.id
                """)

        // Produced again or new: the fresh content; acknowledgement, note and creation time stay.
        let columns = derivedFindingColumns.joined(separator: ", ")
        let updates = derivedFindingColumns.map { "\($0) = excluded.\($0)" }.joined(separator: ", ")
        try db.execute(
            sql: """
                INSERT INTO main.finding (id, created_at, \(columns)) SELECT id, created_at, \(columns) FROM fresh.finding WHERE true
                ON CONFLICT(id) DO UPDATE SET \(updates)
                """)
        // A finding that comes back (removed by an earlier reanalysis, or by a mistaken one)
        // takes the acknowledgement its history ends with.
        outcome.acknowledgementsRestored = try restoreAcknowledgements(db, ids: outcome.added)
        for row in escalated {
            let label = FindingStore.findingLabel(row)
            let id: String = try row.stored("id", row: label)
            let before: Int64 = try row.stored("before", row: label), after: Int64 = try row.stored("after", row: label)
            try db.execute(sql: "UPDATE main.finding SET acked_at = NULL, ack_note = NULL WHERE id = ?", arguments: [id])
            try db.execute(
                sql: "INSERT INTO main.triage_event (finding_id, action, note, by, at) VALUES (?, 'unack', ?, 'vigil reanalyze', ?)",
                arguments: [id, "severity rose from P\(before) to P\(after) on reanalysis; acknowledge it again if it still stands", now])
            outcome.reopened.append(id)
        }

        // Inputs not read again leave with their records: restored and analyzed later, their
        // lines count again (findings by id, so none twice) instead of "continued after".
        try db.execute(
            sql: """
                DELETE FROM main.detector_state; INSERT INTO main.detector_state SELECT * FROM fresh.detector_state;
                DELETE FROM main.event_hourly; INSERT INTO main.event_hourly SELECT * FROM fresh.event_hourly;
                DELETE FROM main.login_daily; INSERT INTO main.login_daily SELECT * FROM fresh.login_daily;
                DELETE FROM main.input; INSERT INTO main.input SELECT * FROM fresh.input;
                INSERT OR IGNORE INTO main.policy_snapshot SELECT * FROM fresh.policy_snapshot;
                INSERT INTO main.run (started_at, finished_at, command, lines, events, malformed, findings_opened, version,
                                      policy_source, policy_fingerprint, events_from, events_to)
                    SELECT started_at, finished_at, command, lines, events, malformed, findings_opened, version,
                           policy_source, policy_fingerprint, events_from, events_to FROM fresh.run ORDER BY id;
                """)
        return outcome
    }

    /// Sets the acknowledgement of each of `ids` whose triage history ends with `ack`.
    private static func restoreAcknowledgements(_ db: Database, ids: [String]) throws -> Int {
        var restored = 0
        for id in ids {
            guard
                let last = try Row.fetchOne(
                    db, sql: "SELECT action, note, at FROM triage_event WHERE finding_id = ? ORDER BY id DESC LIMIT 1", arguments: [id])
            else { continue }
            let label = "triage_event of finding " + TerminalText.escape(id)
            guard try last.stored("action", String.self, row: label) == "ack" else { continue }
            try db.execute(
                sql: "UPDATE main.finding SET acked_at = ?, ack_note = ? WHERE id = ?",
                arguments: [try last.stored("at", Int64.self, row: label), try last.stored("note", String?.self, row: label), id])
            restored += 1
        }
        return restored
    }
}
