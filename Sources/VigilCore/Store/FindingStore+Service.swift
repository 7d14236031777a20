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
    /// Each input's state (`InputHealth`), for `vigil status`.
    package var inputHealth: [InputHealth] = []
    /// `tail --silent-after` (ms): an input that read nothing for longer is reported silent.
    package var silentAfter: Int64?
}

/// The `problems` column of the service row: the list of problems alone (as written before
/// per-input health existed, and still read), or this object with each input's health.
private struct StoredTailHealth: Codable {
    var problems: [String]
    var inputs: [InputHealth]
    var silentAfter: Int64?

    enum CodingKeys: String, CodingKey {
        case problems, inputs
        case silentAfter = "silent_after_ms"
    }
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
                    try FindingStore.healthJSON(s),
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
            let health = try FindingStore.decodeHealth(try r.stored("problems", String?.self, row: label), row: label)
            return TailService(
                pid: try r.stored("pid", row: label), startedAt: try r.stored("started_at", row: label),
                heartbeatAt: try r.stored("heartbeat_at", row: label), stoppedAt: try r.stored("stopped_at", row: label),
                lines: try r.stored("lines", row: label), events: try r.stored("events", row: label),
                malformed: try r.stored("malformed", row: label), alertsDropped: try r.stored("alerts_dropped", row: label),
                inputs: inputs.split(separator: "\n").map(String.init), problems: health.problems, inputHealth: health.inputs,
                silentAfter: health.silentAfter)
        }
    }

    /// The `problems` column for a heartbeat: NULL when there is nothing to say (no problem,
    /// no input), else the problems with each input's health.
    private static func healthJSON(_ s: TailService) throws -> String? {
        if s.problems.isEmpty && s.inputHealth.isEmpty && s.silentAfter == nil { return nil }
        let stored = StoredTailHealth(problems: s.problems, inputs: s.inputHealth, silentAfter: s.silentAfter)
        return String(decoding: try JSONEncoder().encode(stored), as: UTF8.self)
    }

    /// The `problems` column read back: a JSON list of texts (heartbeats before per-input
    /// health) or the object `healthJSON` writes, with values a tail writes; anything else is
    /// a `StoredValueError` naming the row and the column.
    private static func decodeHealth(_ text: String?, row label: String) throws -> StoredTailHealth {
        guard let text else { return StoredTailHealth(problems: [], inputs: []) }
        let data = Data(text.utf8)
        if let problems = try? JSONDecoder().decode([String].self, from: data) {
            return StoredTailHealth(problems: problems, inputs: [])
        }
        let health: StoredTailHealth
        do {
            health = try JSONDecoder().decode(StoredTailHealth.self, from: data)
        } catch {
            let shown = TerminalText.escape(String(text.prefix(40)))
            throw StoredValueError(
                row: label, column: "problems",
                problem: "holds \"\(shown)\"\(text.count > 40 ? "…" : ""), not the tail's problems and input health as JSON")
        }
        if let silentAfter = health.silentAfter, silentAfter <= 0 {
            throw StoredValueError(row: label, column: "problems", problem: "has silent_after_ms \(silentAfter), not a positive duration")
        }
        for input in health.inputs {
            if let problem = input.storedProblem() { throw StoredValueError(row: label, column: "problems", problem: problem) }
        }
        return health
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
