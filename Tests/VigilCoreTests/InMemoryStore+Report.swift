import Foundation

@testable import VigilCore

/// `ReportQueries` over the arrays, by the rules the protocol states.
extension InMemoryStore {
    private struct DayKey: Hashable {
        var day: Int64
        var severity: Severity
        var detector: String
    }

    private func started(in p: ReportPeriod) -> [Finding] {
        findings.filter { $0.firstSeen >= p.from && $0.firstSeen < p.to }
    }

    private func isSuppressed(_ f: Finding) -> Bool {
        suppressionRules.contains { ($0.detector == f.detector || $0.detector == "*") && $0.subject == f.subject && f.firstSeen < $0.until }
    }

    private func isUntriaged(_ f: Finding) -> Bool {
        f.triage?.ackedAt == nil && !isSuppressed(f)
    }

    /// The arrays hold typed values: nothing a reader could trap on.
    func checkStoredRows() throws {}

    func findingCounts(_ p: ReportPeriod) throws -> [DailyFindingCount] {
        Dictionary(grouping: started(in: p)) {
            DayKey(day: $0.firstSeen / EventTime.day * EventTime.day, severity: $0.severity, detector: $0.detector)
        }
        .map { key, group in
            DailyFindingCount(
                day: key.day, severity: key.severity, detector: key.detector, count: group.count,
                occurrences: group.reduce(0) { $0 + $1.count })
        }
    }

    func topSubjects(_ p: ReportPeriod, kind: String, limit: Int) throws -> [SubjectActivity] {
        let rows = Dictionary(grouping: started(in: p).filter { $0.subjectKind == kind }, by: \.subject).map { subject, group in
            SubjectActivity(
                subject: subject, kind: kind, findings: group.count, occurrences: group.reduce(0) { $0 + $1.count },
                worst: group.map(\.severity).max()!, detectors: Set(group.map(\.detector)).sorted(),
                country: group.compactMap { $0.evidence.attributes["country"] }.max(),
                asn: group.compactMap { $0.evidence.attributes["asn"].flatMap { Int64($0.dropFirst(2)) } }.max(), asOrganization: nil)
        }
        return Array(rows.sorted { ($0.occurrences, $1.subject) > ($1.occurrences, $0.subject) }.prefix(limit))
    }

    func subjectNovelty(_ p: ReportPeriod) throws -> (total: Int, recurring: Int) {
        let bySubject = Dictionary(grouping: findings.filter { $0.firstSeen < p.to }) { "\($0.subjectKind) \($0.subject)" }
        let active = bySubject.values.filter { $0.map(\.firstSeen).max()! >= p.from }
        return (active.count, active.filter { $0.map(\.firstSeen).min()! < p.from }.count)
    }

    func newPlaces(_ p: ReportPeriod) throws -> [(kind: String, value: String, firstSeen: Int64, findings: Int)] { [] }

    func eventTotals(_ p: ReportPeriod) throws -> [(source: String, outcome: String, events: Int64, attempts: Int64)] {
        Dictionary(grouping: hourly.filter { $0.hour >= p.from && $0.hour < p.to }) { "\($0.source)\t\($0.outcome)" }
            .sorted { $0.key < $1.key }
            .map { _, g in (g[0].source, g[0].outcome, g.reduce(0) { $0 + $1.events }, g.reduce(0) { $0 + $1.attempts }) }
    }

    func outcomeSeries(_ p: ReportPeriod, outcome: String, bucket: Int64, attempts: Bool) throws -> [Int64: Int64] {
        var out: [Int64: Int64] = [:]
        for h in hourly where h.hour >= p.from && h.hour < p.to && h.outcome == outcome {
            out[h.hour / bucket * bucket, default: 0] += attempts ? h.attempts : h.events
        }
        return out
    }

    func openAges(before end: Int64) throws -> [(label: String, count: Int)] {
        let ages = findings.filter { $0.firstSeen < end && isUntriaged($0) }.map { end - $0.firstSeen }
        return [
            ("under 1 day", ages.filter { $0 < EventTime.day }.count),
            ("1–7 days", ages.filter { $0 >= EventTime.day && $0 < 7 * EventTime.day }.count),
            ("7–30 days", ages.filter { $0 >= 7 * EventTime.day && $0 < 30 * EventTime.day }.count),
            ("over 30 days", ages.filter { $0 >= 30 * EventTime.day }.count),
        ]
    }

    func findingPage(_ q: FindingPageQuery) throws -> (total: Int, findings: [Finding]) {
        let matches = findings.enumerated().filter { _, f in
            guard f.firstSeen >= q.startedFrom ?? .min, f.firstSeen < q.startedBefore else { return false }
            if let d = q.detector, f.detector != d { return false }
            if let s = q.minimumSeverity, f.severity < s { return false }
            switch q.triage {
            case .any: return true
            case .untriaged: return isUntriaged(f)
            case .acknowledged: return f.triage?.ackedAt != nil
            case .suppressed: return isSuppressed(f)
            }
        }
        let ordered = matches.sorted { a, b in
            (a.element.severity.rawValue, a.element.firstSeen, a.offset) < (b.element.severity.rawValue, b.element.firstSeen, b.offset)
        }
        return (q.knownTotal ?? matches.count, ordered.prefix(q.limit).map(\.element))
    }

    func suppressions() throws -> [Suppression] { suppressionRules }

    func anomalySeries(_ p: ReportPeriod, limit: Int) throws -> [(key: String, hours: String, observed: String, expected: String)] { [] }
}
