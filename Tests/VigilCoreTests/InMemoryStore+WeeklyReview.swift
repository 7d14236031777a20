import Foundation

@testable import VigilCore

/// `WeeklyReviewQueries` over the arrays: the hourly counts and findings it holds; no runs,
/// inputs or tail (the double records none), and acknowledgements as `ack` events by nobody.
extension InMemoryStore {
    func sourceHours(_ p: ReportPeriod) throws -> [SourceHour] {
        Dictionary(grouping: hourly.filter { $0.hour >= p.from && $0.hour < p.to }) { "\($0.hour)\t\($0.source)\t\($0.server)" }
            .values.map { g in SourceHour(hour: g[0].hour, source: g[0].source, server: g[0].server, events: g.reduce(0) { $0 + $1.events })
            }
    }

    func runs(startedIn period: ReportPeriod) throws -> [RunRecord] { [] }

    func inputRecords() throws -> [InputRecord] { [] }

    func tailService() throws -> TailService? { nil }

    func incidentSubjects(_ p: ReportPeriod, limit: Int) throws -> [SubjectIncident] {
        let groups = Dictionary(grouping: findings.filter { $0.firstSeen >= p.from && $0.firstSeen < p.to }) {
            "\($0.subjectKind)\t\($0.subject)"
        }.values.filter { $0.count > 1 }
        let rows = groups.map { g in
            SubjectIncident(
                kind: g[0].subjectKind, subject: g[0].subject, findings: g.count, occurrences: g.reduce(0) { $0 + $1.count },
                worst: g.map(\.severity).max()!, detectors: Set(g.map(\.detector)).sorted(), firstSeen: g.map(\.firstSeen).min()!,
                lastSeen: g.map(\.lastSeen).max()!)
        }
        return Array(
            rows.sorted { a, b in
                if a.worst != b.worst { return a.worst > b.worst }
                if a.findings != b.findings { return a.findings > b.findings }
                if a.occurrences != b.occurrences { return a.occurrences > b.occurrences }
                return a.subject < b.subject
            }.prefix(limit))
    }

    func triageActivity(_ p: ReportPeriod, limit: Int) throws -> [TriageActivity] {
        let rows = findings.compactMap { f -> TriageActivity? in
            guard let at = f.triage?.ackedAt, (at >= p.from && at < p.to) || (f.firstSeen >= p.from && f.firstSeen < p.to) else {
                return nil
            }
            return TriageActivity(
                event: TriageEvent(findingID: f.id, action: "ack", note: f.triage?.ackNote, by: "", at: at), severity: f.severity,
                subjectKind: f.subjectKind, subject: f.subject, firstSeen: f.firstSeen)
        }
        return Array(rows.sorted { $0.event.at < $1.event.at }.prefix(limit))
    }

    /// The double stores no logins.
    func logins(_ period: ReportPeriod) throws -> LoginHistory { LoginHistory() }

    func openCounts(_ p: ReportPeriod, cuts: [Severity: Int64]) throws -> [Severity: (total: Int, overdue: Int)] {
        var out: [Severity: (total: Int, overdue: Int)] = [:]
        for (severity, cut) in cuts {
            let open = findings.filter { $0.severity == severity && $0.firstSeen >= p.from && $0.firstSeen < p.to && isOpen($0) }
            out[severity] = (open.count, open.filter { $0.firstSeen < cut }.count)
        }
        return out
    }

    private func isOpen(_ f: Finding) -> Bool {
        f.triage?.ackedAt == nil
            && !suppressionRules.contains {
                ($0.detector == f.detector || $0.detector == "*") && $0.subject == f.subject && f.firstSeen < $0.until
            }
    }
}
