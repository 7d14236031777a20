import Foundation
import GRDB

/// `ReportQueries`: the aggregate queries behind the weekly report. Each is one SQL statement
/// over indexed columns, so a week with a million findings is summarized without loading them.
extension FindingStore {
    /// Every hourly count row, in key order (for tests and export).
    func hourlyCounts() throws -> [HourlyCount] {
        try read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM event_hourly ORDER BY hour, source, server, outcome").map { r in
                let label = "event_hourly row"
                try FindingStore.check(r, FindingStore.hourlyColumns, row: label)
                return HourlyCount(
                    hour: try r.stored("hour", row: label), source: try r.stored("source", row: label),
                    server: try r.stored("server", row: label), outcome: try r.stored("outcome", row: label),
                    events: try r.stored("events", row: label), attempts: try r.stored("attempts", row: label))
            }
        }
    }

    /// The latest volume anomalies' hourly series of the keys with most anomaly findings.
    package func anomalySeries(_ p: ReportPeriod, limit: Int) throws -> [(key: String, hours: String, observed: String, expected: String)] {
        try read { db in
            let keys = try String.fetchAll(
                db,
                sql: """
                    SELECT subject FROM finding INDEXED BY finding_period WHERE detector = 'api_key_anomaly' AND first_seen >= ? AND first_seen < ?
                    GROUP BY subject ORDER BY count(*) DESC, subject LIMIT ?
                    """, arguments: [p.from, p.to, limit * 3])
            var out: [(String, String, String, String)] = []
            for k in keys where out.count < limit {
                let row = try Row.fetchOne(
                    db,
                    sql: """
                        SELECT id, typeof(evidence) = 'text' AND json_valid(evidence) AS valid,
                            CASE WHEN typeof(evidence) = 'text' AND json_valid(evidence) THEN json_extract(evidence, '$.attributes.series_hours') END AS h,
                            CASE WHEN typeof(evidence) = 'text' AND json_valid(evidence) THEN json_extract(evidence, '$.attributes.series_observed') END AS o,
                            CASE WHEN typeof(evidence) = 'text' AND json_valid(evidence) THEN json_extract(evidence, '$.attributes.series_expected') END AS e
                        FROM finding WHERE subject_kind = 'api_key' AND subject = ? AND detector = 'api_key_anomaly' AND rule = 'volume'
                            AND first_seen >= ? AND first_seen < ? ORDER BY first_seen DESC LIMIT 1
                        """, arguments: [k, p.from, p.to])
                guard let row else { continue }
                // The evidence is JSON Vigil wrote; anything else (or a series that is not text)
                // stops the report naming the finding, as a bad row anywhere else does.
                let label = FindingStore.findingLabel(row)
                guard try row.stored("valid", Bool.self, row: label) else {
                    throw StoredValueError(row: label, column: "evidence", problem: "is not the evidence JSON Vigil writes")
                }
                do {
                    if let h = try row.stored("h", String?.self, row: label), let o = try row.stored("o", String?.self, row: label),
                        let e = try row.stored("e", String?.self, row: label)
                    {
                        out.append((k, h, o, e))
                    }
                } catch let error as StoredValueError {
                    throw StoredValueError(row: label, column: "evidence", problem: "has a series that is not text (\(error.problem))")
                }
            }
            return out
        }
    }

    /// `finding` rows not acknowledged and not covered by a suppression.
    static let untriaged =
        "acked_at IS NULL AND NOT EXISTS (SELECT 1 FROM suppression s WHERE (s.detector = finding.detector OR s.detector = '*') AND s.subject = finding.subject AND finding.first_seen < s.until)"
    private static let suppressedClause =
        "EXISTS (SELECT 1 FROM suppression s WHERE (s.detector = finding.detector OR s.detector = '*') AND s.subject = finding.subject AND finding.first_seen < s.until)"

    /// Findings that started in the period, by day, severity and detector (one index scan).
    package func findingCounts(_ p: ReportPeriod) throws -> [DailyFindingCount] {
        try read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT first_seen / 86400000 AS day, severity, detector, count(*) AS n, sum(count) AS c FROM finding INDEXED BY finding_period
                    WHERE first_seen >= ? AND first_seen < ? GROUP BY day, severity, detector
                    """, arguments: [p.from, p.to]
            ).map { r in
                let value: Int = try r.stored("severity")
                guard let severity = Severity(rawValue: value) else {
                    throw StoredValueError(row: "findings by day", column: "severity", problem: "holds \(value), not 1 (P1) to 4 (P4)")
                }
                return DailyFindingCount(
                    day: (try r.stored("day", Int64.self)) * EventTime.day, severity: severity, detector: try r.stored("detector"),
                    count: try r.stored("n"), occurrences: try r.stored("c"))
            }
        }
    }

    /// Distinct subjects of the period, and how many of them had findings before it.
    package func subjectNovelty(_ p: ReportPeriod) throws -> (total: Int, recurring: Int) {
        try read { db in
            let row = try Row.fetchOne(
                db,
                sql: """
                    SELECT count(*) AS total, coalesce(sum(first < ?), 0) AS recurring FROM (
                        SELECT min(first_seen) AS first, max(first_seen) AS last FROM finding
                        WHERE first_seen < ? GROUP BY subject_kind, subject) WHERE last >= ?
                    """, arguments: [p.from, p.to, p.from])
            guard let row else { return (0, 0) }
            return (try row.stored("total"), try row.stored("recurring"))
        }
    }

    /// Event and attempt totals of the period by source format and outcome.
    package func eventTotals(_ p: ReportPeriod) throws -> [(source: String, outcome: String, events: Int64, attempts: Int64)] {
        try read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT source, outcome, sum(events) AS e, sum(attempts) AS a FROM event_hourly
                    WHERE hour >= ? AND hour < ? GROUP BY source, outcome
                    """, arguments: [p.from, p.to]
            ).map { r in (try r.stored("source"), try r.stored("outcome"), try r.stored("e"), try r.stored("a")) }
        }
    }

    /// Per hour (or day, `bucket`) totals of one outcome: events, or attempts for authentication.
    package func outcomeSeries(_ p: ReportPeriod, outcome: String, bucket: Int64, attempts: Bool) throws -> [Int64: Int64] {
        try read { db in
            var out: [Int64: Int64] = [:]
            for r in try Row.fetchAll(
                db,
                sql: """
                    SELECT hour / ? AS b, sum(\(attempts ? "attempts" : "events")) AS n FROM event_hourly
                    WHERE hour >= ? AND hour < ? AND outcome = ? GROUP BY b
                    """, arguments: [bucket, p.from, p.to, outcome])
            {
                out[(try r.stored("b", Int64.self)) * bucket] = try r.stored("n")
            }
            return out
        }
    }

    /// The subjects of one kind with the most occurrences in the period.
    package func topSubjects(_ p: ReportPeriod, kind: String, limit: Int) throws -> [SubjectActivity] {
        try read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT subject, count(*) AS n, sum(count) AS c, min(severity) AS worst, group_concat(DISTINCT detector) AS detectors,
                           max(country) AS country, max(asn) AS asn
                    FROM finding INDEXED BY finding_period WHERE subject_kind = ? AND first_seen >= ? AND first_seen < ?
                    GROUP BY subject ORDER BY c DESC, subject LIMIT ?
                    """, arguments: [kind, p.from, p.to, limit]
            ).map { r in
                let orgRow = try Row.fetchOne(
                    db,
                    sql: """
                        SELECT id, CASE WHEN typeof(evidence) = 'text' AND json_valid(evidence) THEN json_extract(evidence, '$.attributes.as_org') END AS org,
                            typeof(evidence) = 'text' AND json_valid(evidence) AS valid
                        FROM finding WHERE subject_kind = ? AND subject = ? AND asn IS NOT NULL ORDER BY last_seen DESC LIMIT 1
                        """, arguments: [kind, try r.stored("subject", String.self)])
                var org: String?
                if let orgRow {
                    let label = FindingStore.findingLabel(orgRow)
                    guard try orgRow.stored("valid", Bool.self, row: label) else {
                        throw StoredValueError(row: label, column: "evidence", problem: "is not the evidence JSON Vigil writes")
                    }
                    // An AS name that is not text is shown as none; it is only a label.
                    org = (orgRow["org"] as DatabaseValue).storage.value as? String
                }
                let detectors = (try r.stored("detectors", String?.self))?.split(separator: ",").map(String.init).sorted() ?? []
                return SubjectActivity(
                    subject: try r.stored("subject"), kind: kind, findings: try r.stored("n"), occurrences: try r.stored("c"),
                    worst: Severity(rawValue: try r.stored("worst")) ?? .p4, detectors: detectors, country: try r.stored("country"),
                    asn: try r.stored("asn"),
                    asOrganization: org)
            }
        }
    }

    /// Countries and AS numbers of finding subjects first seen in this period (one index scan
    /// grouped by country and AS number together, reduced here).
    package func newPlaces(_ p: ReportPeriod) throws -> [(kind: String, value: String, firstSeen: Int64, findings: Int)] {
        let rows = try read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT country, asn, min(first_seen) AS f, sum(first_seen >= ?) AS n FROM finding INDEXED BY finding_period
                    WHERE first_seen < ? AND (country IS NOT NULL OR asn IS NOT NULL) GROUP BY country, asn
                    """, arguments: [p.from, p.to]
            ).map { r in
                (
                    country: try r.stored("country", String?.self), asn: try r.stored("asn", Int64?.self),
                    first: try r.stored("f", Int64.self), n: try r.stored("n", Int.self)
                )
            }
        }
        var countries: [String: (Int64, Int)] = [:], asns: [Int64: (Int64, Int)] = [:]
        for r in rows {
            if let c = r.country { let o = countries[c] ?? (.max, 0); countries[c] = (min(o.0, r.first), o.1 + r.n) }
            if let a = r.asn { let o = asns[a] ?? (.max, 0); asns[a] = (min(o.0, r.first), o.1 + r.n) }
        }
        let newCountries = countries.filter { $0.value.0 >= p.from }.map { ("country", $0.key, $0.value.0, $0.value.1) }
        let newASNs = asns.filter { $0.value.0 >= p.from }.map { ("asn", "AS\($0.key)", $0.value.0, $0.value.1) }
        return newCountries.sorted { ($0.2, $0.1) < ($1.2, $1.1) } + newASNs.sorted { ($0.2, $0.1) < ($1.2, $1.1) }
    }

    package func findingPage(_ q: FindingPageQuery) throws -> (total: Int, findings: [Finding]) {
        var clauses: [String] = []
        var arguments: [any DatabaseValueConvertible] = []
        if let from = q.startedFrom { clauses.append("first_seen >= ?"); arguments.append(from) }
        clauses.append("first_seen < ?"); arguments.append(q.startedBefore)
        if let detector = q.detector { clauses.append("detector = ?"); arguments.append(detector) }
        if let s = q.minimumSeverity { clauses.append("severity <= ?"); arguments.append(s.rawValue) }
        switch q.triage {
        case .any: break
        case .untriaged: clauses.append(FindingStore.untriaged)
        case .acknowledged: clauses.append("acked_at IS NOT NULL")
        case .suppressed: clauses.append(FindingStore.suppressedClause)
        }
        return try findingList(where: clauses.joined(separator: " AND "), arguments: arguments, limit: q.limit, total: q.knownTotal)
    }

    /// Findings matching `clause`: how many, and the first `limit` by severity and first seen.
    /// Matching and ordering run on the covering index; only the rows shown are read.
    private func findingList(
        where clause: String, arguments: [any DatabaseValueConvertible], limit: Int, total knownTotal: Int?
    ) throws -> (Int, [Finding]) {
        let sups = Dictionary(uniqueKeysWithValues: try suppressions().map { ($0.id, $0) })
        return try read { db in
            let args = StatementArguments(arguments.map { $0.databaseValue })
            let total =
                try knownTotal ?? Int.fetchOne(
                    db, sql: "SELECT count(*) FROM finding INDEXED BY finding_period WHERE \(clause)", arguments: args) ?? 0
            let ids = try Int64.fetchAll(
                db,
                sql:
                    "SELECT rowid FROM finding INDEXED BY finding_period WHERE \(clause) ORDER BY severity, first_seen, rowid LIMIT \(limit)",
                arguments: args)
            guard !ids.isEmpty else { return (total, []) }
            var byRowID: [Int64: Finding] = [:]
            for row in try Row.fetchAll(
                db,
                sql:
                    "SELECT rowid AS rid, finding.*, \(FindingStore.suppressionColumns) FROM finding WHERE rowid IN (\(ids.map(String.init).joined(separator: ",")))"
            ) {
                byRowID[try row.stored("rid", Int64.self)] = try FindingStore.finding(row, suppressions: sups)
            }
            return (total, ids.compactMap { byRowID[$0] })
        }
    }

    /// Untriaged findings that started before `end`, counted by age at `end`.
    package func openAges(before end: Int64) throws -> [(label: String, count: Int)] {
        try read { db in
            let r = try Row.fetchOne(
                db,
                sql: """
                    SELECT sum(? - first_seen < 86400000) AS d1, sum(? - first_seen >= 86400000 AND ? - first_seen < 604800000) AS d7,
                           sum(? - first_seen >= 604800000 AND ? - first_seen < 2592000000) AS d30, sum(? - first_seen >= 2592000000) AS older
                    FROM finding INDEXED BY finding_period WHERE first_seen < ? AND \(FindingStore.untriaged)
                    """, arguments: [end, end, end, end, end, end, end])
            func count(_ column: String) throws -> Int { try r?.stored(column, Int?.self) ?? 0 }
            return [
                ("under 1 day", try count("d1")), ("1–7 days", try count("d7")), ("7–30 days", try count("d30")),
                ("over 30 days", try count("older")),
            ]
        }
    }
}
