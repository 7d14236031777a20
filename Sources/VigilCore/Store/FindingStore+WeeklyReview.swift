import Foundation
import GRDB

/// `WeeklyReviewQueries`: the data-coverage, triage and incident questions of the weekly
/// review, each one SQL statement over an indexed or small table.
extension FindingStore {
    static let runColumns: [(String, StoredColumn)] = [
        ("command", .text), ("started_at", .time), ("finished_at", .optionalTime), ("lines", .nonNegative),
        ("events", .nonNegative), ("malformed", .nonNegative),
    ]

    package func sourceHours(_ p: ReportPeriod) throws -> [SourceHour] {
        try read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT hour, source, server, sum(events) AS e FROM event_hourly
                    WHERE hour >= ? AND hour < ? GROUP BY hour, source, server
                    """, arguments: [p.from, p.to]
            ).map { r in
                SourceHour(
                    hour: try r.stored("hour", row: "event_hourly"), source: try r.stored("source", row: "event_hourly"),
                    server: try r.stored("server", row: "event_hourly"), events: try r.stored("e", row: "event_hourly"))
            }
        }
    }

    package func runs(startedIn p: ReportPeriod) throws -> [RunRecord] {
        try read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT id, command, started_at, finished_at, lines, events, malformed FROM run
                    WHERE (started_at >= ? AND started_at < ?)
                        OR (typeof(events_from) = 'integer' AND typeof(events_to) = 'integer' AND events_from < ? AND events_to >= ?)
                    ORDER BY started_at, id
                    """, arguments: [p.from, p.to, p.to, p.from]
            ).map { r in
                let label = "run row " + FindingStore.keyText(r, "id")
                try FindingStore.check(r, FindingStore.runColumns, row: label)
                return RunRecord(
                    command: try r.stored("command", row: label), startedAt: try r.stored("started_at", row: label),
                    finishedAt: try r.stored("finished_at", row: label), lines: try r.stored("lines", row: label),
                    events: try r.stored("events", row: label), malformed: try r.stored("malformed", row: label))
            }
        }
    }

    package func incidentSubjects(_ p: ReportPeriod, limit: Int) throws -> [SubjectIncident] {
        try read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT subject_kind, subject, count(*) AS n, sum(count) AS c, min(severity) AS worst,
                           group_concat(DISTINCT detector) AS detectors, min(first_seen) AS f
                    FROM finding INDEXED BY finding_period WHERE first_seen >= ? AND first_seen < ?
                    GROUP BY subject_kind, subject HAVING count(*) > 1 ORDER BY worst, n DESC, c DESC, subject LIMIT ?
                    """, arguments: [p.from, p.to, limit]
            ).map { r in
                // Grouped on the covering index (a week of a million findings is not read row
                // by row); last seen is not in it, so it is read for the subjects shown only.
                let last = try Int64.fetchOne(
                    db,
                    sql: """
                        SELECT max(last_seen) FROM finding INDEXED BY finding_subject
                        WHERE subject_kind = ? AND subject = ? AND first_seen >= ? AND first_seen < ?
                        """, arguments: [r["subject_kind"] as DatabaseValue, r["subject"] as DatabaseValue, p.from, p.to])
                let label = "incidents of the period"
                let worst: Int = try r.stored("worst", row: label)
                guard let severity = Severity(rawValue: worst) else {
                    throw StoredValueError(row: label, column: "severity", problem: "holds \(worst), not 1 (P1) to 4 (P4)")
                }
                let detectors = (try r.stored("detectors", String?.self, row: label))?.split(separator: ",").map(String.init).sorted() ?? []
                return SubjectIncident(
                    kind: try r.stored("subject_kind", row: label), subject: try r.stored("subject", row: label),
                    findings: try r.stored("n", row: label), occurrences: try r.stored("c", row: label), worst: severity,
                    detectors: detectors, firstSeen: try r.stored("f", row: label), lastSeen: try last ?? r.stored("f", row: label))
            }
        }
    }

    package func openCounts(_ p: ReportPeriod, cuts: [Severity: Int64]) throws -> [Severity: (total: Int, overdue: Int)] {
        guard let worstAllowed = cuts.keys.max(by: { $0.rawValue < $1.rawValue }) else { return [:] }
        let cases = cuts.map { "WHEN \($0.key.rawValue) THEN first_seen < \($0.value)" }.joined(separator: " ")
        return try read { db in
            var out: [Severity: (total: Int, overdue: Int)] = [:]
            for r in try Row.fetchAll(
                db,
                sql: """
                    SELECT severity, count(*) AS n, coalesce(sum(CASE severity \(cases) ELSE 0 END), 0) AS late
                    FROM finding INDEXED BY finding_period
                    WHERE first_seen >= ? AND first_seen < ? AND severity <= ? AND \(FindingStore.untriaged) GROUP BY severity
                    """, arguments: [p.from, p.to, worstAllowed.rawValue])
            {
                let label = "open findings by severity"
                let value: Int = try r.stored("severity", row: label)
                guard let severity = Severity(rawValue: value), cuts[severity] != nil else { continue }
                out[severity] = (try r.stored("n", row: label), try r.stored("late", row: label))
            }
            return out
        }
    }

    package func triageActivity(_ p: ReportPeriod, limit: Int) throws -> [TriageActivity] {
        try read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT t.id, t.finding_id, t.action, t.note, t.by, t.at, f.severity, f.subject_kind, f.subject, f.first_seen
                    FROM triage_event t LEFT JOIN finding f ON f.id = t.finding_id
                    WHERE (t.at >= ? AND t.at < ?) OR (f.first_seen >= ? AND f.first_seen < ?)
                    ORDER BY t.at, t.id LIMIT ?
                    """, arguments: [p.from, p.to, p.from, p.to, limit]
            ).map { r in
                let label = "triage_event row " + FindingStore.keyText(r, "id")
                let severity = try r.stored("severity", Int?.self, row: label)
                return TriageActivity(
                    event: TriageEvent(
                        findingID: try r.stored("finding_id", row: label), action: try r.stored("action", row: label),
                        note: try r.stored("note", String?.self, row: label), by: try r.stored("by", row: label),
                        at: try r.stored("at", row: label)),
                    severity: try severity.map { value in
                        guard let s = Severity(rawValue: value) else {
                            throw StoredValueError(row: label, column: "severity", problem: "holds \(value), not 1 (P1) to 4 (P4)")
                        }
                        return s
                    },
                    subjectKind: try r.stored("subject_kind", String?.self, row: label),
                    subject: try r.stored("subject", String?.self, row: label),
                    firstSeen: try r.stored("first_seen", Int64?.self, row: label))
            }
        }
    }
}
