import Foundation
import GRDB

/// A `tail` process as it last reported itself: `vigil status` tells a running service from
/// one that stopped or died (a heartbeat older than a few checkpoints).
package struct TailService: Sendable, Equatable {
    var pid: Int64
    var startedAt: Int64
    var heartbeatAt: Int64
    var stoppedAt: Int64?
    package var lines: Int64
    package var events: Int64
    package var malformed: Int64
    package var alertsDropped: Int
    /// The patterns it follows.
    package var inputs: [String]
    /// Inputs it cannot read, each with why (`TailStatus.problems`).
    package var problems: [String] = []
}

extension FindingStore {
    static let tailServiceName = "tail"

    package func updateService(_ s: TailService) throws {
        try write { db in
            try db.execute(
                sql: """
                    INSERT OR REPLACE INTO service (name, pid, started_at, heartbeat_at, stopped_at, lines, events, malformed, alerts_dropped, inputs,
                                                    problems)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    FindingStore.tailServiceName, s.pid, s.startedAt, s.heartbeatAt, s.stoppedAt, s.lines, s.events,
                    s.malformed, s.alertsDropped, s.inputs.joined(separator: "\n"),
                    s.problems.isEmpty ? nil : String(decoding: try JSONEncoder().encode(s.problems), as: UTF8.self),
                ])
        }
    }

    /// The last `tail` that ran on this database, if any.
    package func tailService() throws -> TailService? {
        try read { db in
            guard let r = try Row.fetchOne(db, sql: "SELECT * FROM service WHERE name = ?", arguments: [FindingStore.tailServiceName])
            else {
                return nil
            }
            let label = "service row " + FindingStore.keyText(r, "name")
            try FindingStore.check(r, FindingStore.serviceColumns, row: label)
            let inputs: String = try r.stored("inputs", row: label)
            let problemsJSON = try r.stored("problems", String?.self, row: label)
            var problems: [String] = []
            if let problemsJSON {
                guard let decoded = try? JSONDecoder().decode([String].self, from: Data(problemsJSON.utf8)) else {
                    throw StoredValueError(row: label, column: "problems", problem: "is not a JSON list of texts")
                }
                problems = decoded
            }
            return TailService(
                pid: try r.stored("pid", row: label), startedAt: try r.stored("started_at", row: label),
                heartbeatAt: try r.stored("heartbeat_at", row: label), stoppedAt: try r.stored("stopped_at", row: label),
                lines: try r.stored("lines", row: label), events: try r.stored("events", row: label),
                malformed: try r.stored("malformed", row: label), alertsDropped: try r.stored("alerts_dropped", row: label),
                inputs: inputs.split(separator: "\n").map(String.init), problems: problems)
        }
    }

    /// Findings first seen since `since` (event time), by severity.
    package func findingCounts(since: Int64) throws -> [Severity: Int] {
        try read { db in
            // Checked first: a bad severity would otherwise be left out of the counts unseen.
            try FindingStore.checkRows(
                db, "finding INDEXED BY finding_period", FindingStore.findingIndexColumns, keys: ["rowid"], where: "first_seen >= ?",
                arguments: [since], label: FindingStore.findingLabelByRowID)
            var out: [Severity: Int] = [:]
            for r in try Row.fetchAll(
                db, sql: "SELECT severity, count(*) AS n FROM finding WHERE first_seen >= ? GROUP BY severity",
                arguments: [since])
            {
                let severity: Int = try r.stored("severity", row: "findings by severity")
                if let s = Severity(rawValue: severity) { out[s] = try r.stored("n", row: "findings by severity") }
            }
            return out
        }
    }
}
