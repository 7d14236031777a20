import Foundation
import GRDB

extension FindingStore {
    package func adoptAnalysis(fromDatabaseAt freshPath: String, goneInputs: [InputRecord]) throws -> ReanalysisOutcome {
        try writeWithoutTransaction { db in
            // ATTACH cannot run inside a transaction; everything after it is one.
            try db.execute(sql: "ATTACH DATABASE ? AS fresh", arguments: [freshPath])
            defer { try? db.execute(sql: "DETACH DATABASE fresh") }
            var outcome = ReanalysisOutcome()
            try db.inTransaction {
                outcome = try FindingStore.adopt(db, goneInputs: goneInputs)
                return .commit
            }
            return outcome
        }
    }

    private static let derivedFindingColumns = [
        "detector", "rule", "severity", "subject_kind", "subject", "server", "first_seen", "last_seen", "count", "message",
        "evidence", "cooldown", "updated_at", "country", "asn",
    ]

    private static func adopt(_ db: Database, goneInputs: [InputRecord]) throws -> ReanalysisOutcome {
        var outcome = ReanalysisOutcome()
        outcome.added = try String.fetchAll(
            db, sql: "SELECT id FROM fresh.finding WHERE id NOT IN (SELECT id FROM main.finding) ORDER BY first_seen, id")
        outcome.again = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM fresh.finding WHERE id IN (SELECT id FROM main.finding)") ?? 0

        // Findings not produced again: kept when a gone input contributed to one, else removed.
        let goneNames = Set(goneInputs.map(\.path))
        let stale = try Row.fetchAll(
            db,
            sql: "SELECT id, evidence, acked_at FROM main.finding WHERE id NOT IN (SELECT id FROM fresh.finding) ORDER BY first_seen, id")
        let remove = try db.cachedStatement(sql: "DELETE FROM main.finding WHERE id = ?")
        for row in stale {
            let label = FindingStore.findingLabel(row)
            let id: String = try row.stored("id", row: label)
            let evidenceJSON: String = try row.stored("evidence", row: label)
            guard let evidence = try? JSONDecoder.vigil.decode(Evidence.self, from: Data(evidenceJSON.utf8)) else {
                throw StoredValueError(row: label, column: "evidence", problem: "is not the evidence JSON Vigil writes")
            }
            if !goneNames.isEmpty, evidence.samples.contains(where: { goneNames.contains(EvidenceSample.file(of: $0.at)) }) {
                outcome.keptFromGoneInputs += 1
                continue
            }
            try remove.execute(arguments: [id])
            outcome.removed.append(id)
            if try row.stored("acked_at", Int64?.self, row: label) != nil { outcome.removedAcknowledged.append(id) }
        }

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

        try db.execute(sql: "DELETE FROM main.detector_state; INSERT INTO main.detector_state SELECT * FROM fresh.detector_state")
        try db.execute(sql: "DELETE FROM main.event_hourly; INSERT INTO main.event_hourly SELECT * FROM fresh.event_hourly")
        try db.execute(sql: "CREATE TEMP TABLE kept_input (fingerprint TEXT NOT NULL, fingerprint_length INTEGER NOT NULL)")
        defer { try? db.execute(sql: "DROP TABLE temp.kept_input") }
        for gone in goneInputs {
            try db.execute(
                sql: "INSERT INTO temp.kept_input VALUES (?, ?)", arguments: [gone.fingerprint, gone.fingerprintLength])
        }
        try db.execute(
            sql: """
                DELETE FROM main.input WHERE (fingerprint, fingerprint_length) NOT IN (SELECT fingerprint, fingerprint_length FROM temp.kept_input);
                INSERT OR REPLACE INTO main.input SELECT * FROM fresh.input;
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
