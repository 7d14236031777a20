import Foundation
import GRDB

/// The aggregate queries behind the weekly report. Each is one SQL statement over indexed
/// columns, so a week with a million findings is summarized without loading them.
extension FindingStore {
    struct SubjectRow {
        var subject: String
        var kind: String
        var findings: Int
        var occurrences: Int
        var worst: Severity
        var detectors: [String]
        var country: String?
        var asn: Int64?
        var asOrganization: String?
    }

    /// Every hourly count row, in key order (for tests and export).
    func hourlyCounts() throws -> [HourlyCount] {
        try pool.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM event_hourly ORDER BY hour, source, server, outcome").map {
                HourlyCount(hour: $0["hour"], source: $0["source"], server: $0["server"], outcome: $0["outcome"], events: $0["events"], attempts: $0["attempts"])
            }
        }
    }

    /// `finding` rows not acknowledged and not covered by a suppression.
    static let untriaged = "acked_at IS NULL AND NOT EXISTS (SELECT 1 FROM suppression s WHERE (s.detector = finding.detector OR s.detector = '*') AND s.subject = finding.subject AND finding.first_seen < s.until)"
    static let suppressedClause = "EXISTS (SELECT 1 FROM suppression s WHERE (s.detector = finding.detector OR s.detector = '*') AND s.subject = finding.subject AND finding.first_seen < s.until)"

    func severityCounts(_ p: ReportPeriod) throws -> [Severity: Int] {
        try pool.read { db in
            var out: [Severity: Int] = [:]
            for r in try Row.fetchAll(db, sql: "SELECT severity, count(*) AS n FROM finding WHERE first_seen >= ? AND first_seen < ? GROUP BY severity",
                                      arguments: [p.from, p.to]) {
                if let s = Severity(rawValue: r["severity"]) { out[s] = r["n"] }
            }
            return out
        }
    }

    func detectorCounts(_ p: ReportPeriod) throws -> [String: Int] {
        try pool.read { db in
            var out: [String: Int] = [:]
            for r in try Row.fetchAll(db, sql: "SELECT detector, count(*) AS n FROM finding WHERE first_seen >= ? AND first_seen < ? GROUP BY detector",
                                      arguments: [p.from, p.to]) {
                out[r["detector"]] = r["n"]
            }
            return out
        }
    }

    /// Distinct subjects of the period, and how many of them had findings before it.
    func subjectNovelty(_ p: ReportPeriod) throws -> (total: Int, recurring: Int) {
        try pool.read { db in
            let row = try Row.fetchOne(db, sql: """
                SELECT count(*) AS total,
                       sum(EXISTS (SELECT 1 FROM finding g WHERE g.subject_kind = d.subject_kind AND g.subject = d.subject AND g.first_seen < ?)) AS recurring
                FROM (SELECT DISTINCT subject_kind, subject FROM finding WHERE first_seen >= ? AND first_seen < ?) d
                """, arguments: [p.from, p.from, p.to])
            return (row?["total"] ?? 0, row?["recurring"] ?? 0)
        }
    }

    func findingsPerDay(_ p: ReportPeriod) throws -> [(day: Int64, severity: Severity, count: Int)] {
        try pool.read { db in
            try Row.fetchAll(db, sql: """
                SELECT first_seen / 86400000 AS day, severity, count(*) AS n FROM finding
                WHERE first_seen >= ? AND first_seen < ? GROUP BY day, severity ORDER BY day
                """, arguments: [p.from, p.to]).compactMap { r in
                Severity(rawValue: r["severity"]).map { (Int64(r["day"] as Int64) * EventTime.day, $0, r["n"]) }
            }
        }
    }

    /// Event and attempt totals of the period by source format and outcome.
    func eventTotals(_ p: ReportPeriod) throws -> [(source: String, outcome: String, events: Int64, attempts: Int64)] {
        try pool.read { db in
            try Row.fetchAll(db, sql: """
                SELECT source, outcome, sum(events) AS e, sum(attempts) AS a FROM event_hourly
                WHERE hour >= ? AND hour < ? GROUP BY source, outcome
                """, arguments: [p.from, p.to]).map { ($0["source"], $0["outcome"], $0["e"], $0["a"]) }
        }
    }

    /// Per hour (or day, `bucket`) totals of one outcome: events, or attempts for authentication.
    func outcomeSeries(_ p: ReportPeriod, outcome: String, bucket: Int64, attempts: Bool) throws -> [Int64: Int64] {
        try pool.read { db in
            var out: [Int64: Int64] = [:]
            for r in try Row.fetchAll(db, sql: """
                SELECT hour / ? AS b, sum(\(attempts ? "attempts" : "events")) AS n FROM event_hourly
                WHERE hour >= ? AND hour < ? AND outcome = ? GROUP BY b
                """, arguments: [bucket, p.from, p.to, outcome]) {
                out[(r["b"] as Int64) * bucket] = r["n"]
            }
            return out
        }
    }

    func detectorTotals(_ p: ReportPeriod, detector: String) throws -> (findings: Int, occurrences: Int) {
        try pool.read { db in
            let r = try Row.fetchOne(db, sql: "SELECT count(*) AS n, coalesce(sum(count), 0) AS c FROM finding WHERE detector = ? AND first_seen >= ? AND first_seen < ?",
                                     arguments: [detector, p.from, p.to])
            return (r?["n"] ?? 0, r?["c"] ?? 0)
        }
    }

    /// The subjects of one kind with the most occurrences in the period.
    func topSubjects(_ p: ReportPeriod, kind: String, limit: Int) throws -> [SubjectRow] {
        try pool.read { db in
            try Row.fetchAll(db, sql: """
                SELECT subject, count(*) AS n, sum(count) AS c, min(severity) AS worst, group_concat(DISTINCT detector) AS detectors,
                       max(country) AS country, max(asn) AS asn
                FROM finding WHERE subject_kind = ? AND first_seen >= ? AND first_seen < ?
                GROUP BY subject ORDER BY c DESC, subject LIMIT ?
                """, arguments: [kind, p.from, p.to, limit]).map { r in
                let org = try String.fetchOne(db, sql: """
                    SELECT json_extract(evidence, '$.attributes.as_org') FROM finding
                    WHERE subject_kind = ? AND subject = ? AND asn IS NOT NULL ORDER BY last_seen DESC LIMIT 1
                    """, arguments: [kind, r["subject"] as String])
                let detectors = (r["detectors"] as String?)?.split(separator: ",").map(String.init).sorted() ?? []
                return SubjectRow(subject: r["subject"], kind: kind, findings: r["n"], occurrences: r["c"],
                                  worst: Severity(rawValue: r["worst"]) ?? .p4, detectors: detectors, country: r["country"], asn: r["asn"],
                                  asOrganization: org)
            }
        }
    }

    /// Countries and AS numbers of finding subjects first seen in this period.
    func newPlaces(_ p: ReportPeriod) throws -> [(kind: String, value: String, firstSeen: Int64, findings: Int)] {
        try pool.read { db in
            let countries = try Row.fetchAll(db, sql: """
                SELECT country AS v, min(first_seen) AS f, sum(first_seen >= ? AND first_seen < ?) AS n FROM finding
                WHERE country IS NOT NULL AND first_seen < ? GROUP BY country HAVING f >= ? ORDER BY f
                """, arguments: [p.from, p.to, p.to, p.from]).map { ("country", $0["v"] as String, $0["f"] as Int64, $0["n"] as Int) }
            let asns = try Row.fetchAll(db, sql: """
                SELECT asn AS v, min(first_seen) AS f, sum(first_seen >= ? AND first_seen < ?) AS n FROM finding
                WHERE asn IS NOT NULL AND first_seen < ? GROUP BY asn HAVING f >= ? ORDER BY f
                """, arguments: [p.from, p.to, p.to, p.from]).map { ("asn", "AS\($0["v"] as Int64)", $0["f"] as Int64, $0["n"] as Int) }
            return countries + asns
        }
    }

    /// Findings matching `clause`: how many, and the first `limit` in `order`.
    func findingList(where clause: String, arguments: [any DatabaseValueConvertible], order: String, limit: Int) throws -> (Int, [Finding]) {
        let sups = Dictionary(uniqueKeysWithValues: try suppressions().map { ($0.id, $0) })
        return try pool.read { db in
            let args = StatementArguments(arguments.map { $0.databaseValue })
            let total = try Int.fetchOne(db, sql: "SELECT count(*) FROM finding WHERE \(clause)", arguments: args) ?? 0
            let rows = try Row.fetchAll(db, sql: "SELECT finding.*, \(FindingStore.suppressionColumns) FROM finding WHERE \(clause) ORDER BY \(order) LIMIT \(limit)",
                                        arguments: args)
            return (total, try rows.map { try FindingStore.finding($0, suppressions: sups) })
        }
    }

    /// Untriaged findings that started before `end`, counted by age at `end`.
    func openAges(before end: Int64) throws -> [(label: String, count: Int)] {
        try pool.read { db in
            let r = try Row.fetchOne(db, sql: """
                SELECT sum(? - first_seen < 86400000) AS d1, sum(? - first_seen >= 86400000 AND ? - first_seen < 604800000) AS d7,
                       sum(? - first_seen >= 604800000 AND ? - first_seen < 2592000000) AS d30, sum(? - first_seen >= 2592000000) AS older
                FROM finding WHERE first_seen < ? AND \(FindingStore.untriaged)
                """, arguments: [end, end, end, end, end, end, end])
            return [("under 1 day", r?["d1"] ?? 0), ("1–7 days", r?["d7"] ?? 0), ("7–30 days", r?["d30"] ?? 0), ("over 30 days", r?["older"] ?? 0)]
        }
    }
}
