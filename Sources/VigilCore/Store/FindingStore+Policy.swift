import Foundation
import GRDB

/// Runs and the policy each one used (`RecordedPolicy`): the policy in force is data in the
/// store, not whatever `./policies` holds when a report is written.
extension FindingStore {
    package func recordRun(
        startedAt: Int64, finishedAt: Int64, command: String, lines: Int64, events: Int64, malformed: Int64, findingsOpened: Int,
        policy: Policy, eventTimes: ClosedRange<Int64>?
    ) throws {
        let id = try openRun(startedAt: startedAt, command: command, policy: policy)
        try updateRun(
            id, finishedAt: finishedAt, lines: lines, events: events, malformed: malformed, findingsOpened: findingsOpened,
            eventTimes: eventTimes)
    }

    package func openRun(startedAt: Int64, command: String, policy: Policy) throws -> Int64 {
        try write { db in
            if let fingerprint = policy.fingerprint {
                // Same fingerprint, same names and bytes: the first snapshot stands for all.
                // Absolute, as the run saw them: a recorded policy is loaded again from any
                // directory, and its relative GeoIP paths resolve against these.
                let files = zip(policy.files, policy.fileTexts).map { path, text in
                    RecordedPolicy.File(path: URL(fileURLWithPath: path).standardizedFileURL.path, text: text)
                }
                let json = String(decoding: try JSONEncoder().encode(files), as: UTF8.self)
                try db.execute(
                    sql: "INSERT OR IGNORE INTO policy_snapshot (fingerprint, source, files, recorded_at) VALUES (?, ?, ?, ?)",
                    arguments: [fingerprint, policy.source, json, startedAt])
            }
            try db.execute(
                sql: """
                    INSERT INTO run (started_at, command, version, policy_source, policy_fingerprint) VALUES (?, ?, ?, ?, ?)
                    """,
                arguments: [startedAt, command, Vigil.version, policy.source, policy.fingerprint])
            return db.lastInsertedRowID
        }
    }

    package func updateRun(
        _ id: Int64, finishedAt: Int64?, lines: Int64, events: Int64, malformed: Int64, findingsOpened: Int, eventTimes: ClosedRange<Int64>?
    ) throws {
        try write { db in
            try db.execute(
                sql: """
                    UPDATE run SET finished_at = ?, lines = ?, events = ?, malformed = ?, findings_opened = ?, events_from = ?, events_to = ?
                    WHERE id = ?
                    """,
                arguments: [finishedAt, lines, events, malformed, findingsOpened, eventTimes?.lowerBound, eventTimes?.upperBound, id])
        }
    }

    package func lastRunPolicy() throws -> RecordedPolicy? {
        try read { db in
            guard let row = try Row.fetchOne(db, sql: "SELECT * FROM run ORDER BY id DESC LIMIT 1") else { return nil }
            return try FindingStore.recordedPolicy(db, run: row)
        }
    }

    /// The policies of the runs whose events overlap `period`, the one whose runs analyzed the
    /// most events first (a small run from another directory, under the built-in defaults,
    /// must not decide a week's verdicts), then the one used last. Runs that saw no events, or
    /// were recorded before Vigil kept their event times, cover nothing.
    package func policiesInForce(_ period: ReportPeriod) throws -> [RecordedPolicy] {
        try read { db in
            let rows = try Row.fetchAll(
                db,
                sql: """
                    SELECT run.* FROM run JOIN (
                        SELECT MAX(id) AS last, SUM(events) AS total FROM run
                        WHERE typeof(events_from) = 'integer' AND events_from < ? AND events_to >= ?
                        GROUP BY COALESCE(policy_fingerprint, '')) AS used ON run.id = used.last
                    ORDER BY used.total DESC, run.id DESC
                    """,
                arguments: [period.to, period.from])
            var policies: [RecordedPolicy] = []
            for row in rows {
                var policy = try FindingStore.recordedPolicy(db, run: row)
                let label = "run " + FindingStore.keyText(row, "id")
                let span = try Row.fetchOne(
                    db,
                    sql: """
                        SELECT MIN(events_from) AS first, MAX(events_to) AS last FROM run
                        WHERE COALESCE(policy_fingerprint, '') = COALESCE(?, '') AND events_from < ? AND events_to >= ?
                        """,
                    arguments: [policy.fingerprint, period.to, period.from])
                policy.eventsFrom = try span?.stored("first", Int64?.self, row: label)
                policy.eventsTo = try span?.stored("last", Int64?.self, row: label)
                policies.append(policy)
            }
            return policies
        }
    }

    static let runPolicyColumns: [(String, StoredColumn)] = [
        ("id", .integer), ("finished_at", .optionalTime), ("policy_source", .optionalText), ("policy_fingerprint", .optionalText),
        ("events_from", .optionalTime), ("events_to", .optionalTime),
    ]

    /// The policy one run row names, with its snapshot's files when the store has them.
    static func recordedPolicy(_ db: Database, run row: Row) throws -> RecordedPolicy {
        let label = "run " + keyText(row, "id")
        try check(row, runPolicyColumns, row: label)
        var policy = RecordedPolicy(
            source: try row.stored("policy_source", String?.self, row: label),
            fingerprint: try row.stored("policy_fingerprint", String?.self, row: label))
        policy.lastUsedAt = try row.stored("finished_at", Int64?.self, row: label)
        policy.eventsFrom = try row.stored("events_from", Int64?.self, row: label)
        policy.eventsTo = try row.stored("events_to", Int64?.self, row: label)
        guard let fingerprint = policy.fingerprint,
            let snapshot = try Row.fetchOne(db, sql: "SELECT * FROM policy_snapshot WHERE fingerprint = ?", arguments: [fingerprint])
        else { return policy }
        let snapshotLabel = "policy_snapshot " + keyText(snapshot, "fingerprint")
        try check(snapshot, policySnapshotColumns, row: snapshotLabel)
        let json: String = try snapshot.stored("files", row: snapshotLabel)
        guard let files = try? JSONDecoder().decode([RecordedPolicy.File].self, from: Data(json.utf8)) else {
            throw StoredValueError(row: snapshotLabel, column: "files", problem: "is not the JSON list of policy files Vigil writes")
        }
        policy.files = files
        return policy
    }
}
