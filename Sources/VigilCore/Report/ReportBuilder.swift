import Foundation

/// Builds the weekly security review from the store: summary against the previous period,
/// the platform plan's threshold table, chart series, top offenders and the triage lists.
public struct ReportBuilder {
    public struct Options: Sendable {
        public var mask = false
        /// Secret mixed into hashed user ids, so they cannot be matched against a list of
        /// guesses by someone without it (`$VIGIL_MASK_SALT`).
        public var maskSalt = ""
        public var listLimit = 50
        public var topLimit = 10
        public var now: Int64 = Int64(Date().timeIntervalSince1970 * 1000)
        public var title = "Security review"

        public init() {}
    }

    let store: FindingStore
    let policy: Policy
    let options: Options

    public init(store: FindingStore, policy: Policy, options: Options = Options()) {
        self.store = store
        self.policy = policy
        self.options = options
    }

    public func build(_ period: ReportPeriod) throws -> SecurityReport {
        let previous = period.previous
        let sev = try store.severityCounts(period)
        let prevSev = try store.severityCounts(previous)
        let det = try store.detectorCounts(period)
        let prevDet = try store.detectorCounts(previous)
        let novelty = try store.subjectNovelty(period)
        let totals = try store.eventTotals(period)
        let requests = totals.filter { $0.source != "sshd" }.reduce(Int64(0)) { $0 + $1.events }
        let events = totals.reduce(Int64(0)) { $0 + $1.events }

        var summary = SecurityReport.Summary(
            findings: sev.values.reduce(0, +), previousFindings: prevSev.values.reduce(0, +),
            bySeverity: Severity.allCases.sorted(by: >).map { .init(severity: $0, count: sev[$0] ?? 0, previous: prevSev[$0] ?? 0) },
            byDetector: Set(det.keys).union(prevDet.keys).sorted().map { .init(detector: $0, count: det[$0] ?? 0, previous: prevDet[$0] ?? 0) },
            newSubjects: novelty.total - novelty.recurring, recurringSubjects: novelty.recurring, events: events, requests: requests)
        summary.byDetector.sort { ($0.count, $1.detector) > ($1.count, $0.detector) }

        // Findings per day by severity, every day of the period present.
        var perDay: [Int64: SecurityReport.DayBySeverity] = [:]
        var day = period.from / EventTime.day * EventTime.day
        while day < period.to {
            perDay[day] = .init(day: String(EventTime.format(day).prefix(10)), p1: 0, p2: 0, p3: 0, p4: 0)
            day += EventTime.day
        }
        for (d, s, n) in try store.findingsPerDay(period) {
            var row = perDay[d] ?? .init(day: String(EventTime.format(d).prefix(10)), p1: 0, p2: 0, p3: 0, p4: 0)
            switch s { case .p1: row.p1 += n; case .p2: row.p2 += n; case .p3: row.p3 += n; case .p4: row.p4 += n }
            perDay[d] = row
        }

        let authHourly = try store.outcomeSeries(period, outcome: "auth_failure", bucket: EventTime.hour, attempts: true)
        var authSeries: [SecurityReport.TimeCount] = []
        var h = period.from / EventTime.hour * EventTime.hour
        while h < period.to {
            authSeries.append(.init(time: EventTime.format(h), count: authHourly[h] ?? 0))
            h += EventTime.hour
        }
        let rateDaily = try store.outcomeSeries(period, outcome: "rate_limited", bucket: EventTime.day, attempts: false)
        let rateSeries = perDay.keys.sorted().map { SecurityReport.TimeCount(time: EventTime.format($0), count: rateDaily[$0] ?? 0) }

        let topAddresses = merge(try store.topSubjects(period, kind: "ip", limit: options.topLimit * (options.mask ? 5 : 1)).map(offender))
        let topKeys = try store.topSubjects(period, kind: "api_key", limit: options.topLimit).map(offender)
        let newPlaces = try store.newPlaces(period).map {
            SecurityReport.NewPlace(kind: $0.kind, value: $0.value, firstSeen: EventTime.format($0.firstSeen), findings: $0.findings)
        }

        let inPeriod = "first_seen >= ? AND first_seen < ?"
        let (openTotal, open) = try store.findingList(where: "first_seen < ? AND \(FindingStore.untriaged)", arguments: [period.to],
                                                      order: "severity, first_seen, id", limit: options.listLimit)
        let (ackTotal, acked) = try store.findingList(where: "\(inPeriod) AND acked_at IS NOT NULL", arguments: [period.from, period.to],
                                                      order: "severity, first_seen, id", limit: options.listLimit)
        let (supTotal, sup) = try store.findingList(where: "\(inPeriod) AND \(FindingStore.suppressedClause)", arguments: [period.from, period.to],
                                                    order: "severity, first_seen, id", limit: options.listLimit)

        var notes: [String] = []
        if events == 0 { notes.append("No events were counted in this period: the database holds no analyzed logs for it (or they were analyzed before Vigil counted events per hour).") }
        let report = SecurityReport(
            title: options.title, period: period, previousPeriod: previous, generatedAt: EventTime.format(options.now), masked: options.mask,
            summary: summary, compliance: try compliance(period, totals: totals, requests: requests, rateDaily: rateDaily),
            findingsPerDay: perDay.keys.sorted().map { perDay[$0]! }, authFailuresPerHour: authSeries, rateLimitedPerDay: rateSeries,
            topAddresses: Array(topAddresses.prefix(options.topLimit)), topKeys: topKeys, newPlaces: newPlaces,
            open: .init(total: openTotal, rows: open.map { row($0, end: period.to) }),
            openByAge: try store.openAges(before: period.to).map { .init(label: $0.label, count: $0.count) },
            acknowledged: .init(total: ackTotal, rows: acked.map { row($0, end: period.to) }),
            suppressed: .init(total: supTotal, rows: sup.map { row($0, end: period.to) }),
            suppressions: try store.suppressions().filter { $0.until > period.from }.map(maskSuppression),
            notes: notes)
        return report
    }

    // MARK: threshold compliance (plan §1.4)

    func compliance(_ p: ReportPeriod, totals: [(source: String, outcome: String, events: Int64, attempts: Int64)], requests: Int64,
                    rateDaily: [Int64: Int64]) throws -> [SecurityReport.ComplianceRow] {
        func sum(_ outcome: String, requestsOnly: Bool, attempts: Bool = false) -> Int64 {
            totals.filter { $0.outcome == outcome && (!requestsOnly || $0.source != "sshd") }.reduce(0) { $0 + (attempts ? $1.attempts : $1.events) }
        }
        func pct(_ n: Int64, _ d: Int64) -> String { String(format: "%.3f%%", d == 0 ? 0 : Double(n) * 100 / Double(d)) }
        var rows: [SecurityReport.ComplianceRow] = []

        let forbidden = sum("forbidden", requestsOnly: false)
        let ua = try store.detectorTotals(p, detector: "unauthorized_access")
        rows.append(.init(metric: "Unauthorized access attempts", target: "0", measured: "\(forbidden)", status: forbidden == 0 ? .pass : .fail,
                          detail: "\(forbidden) forbidden requests or logins; \(ua.findings) unauthorized_access findings"))

        let authReq = sum("auth_failure", requestsOnly: true, attempts: true)
        let sshFailed = totals.filter { $0.outcome == "auth_failure" && $0.source == "sshd" }.reduce(Int64(0)) { $0 + $1.attempts }
        if requests > 0 {
            let ok = Double(authReq) / Double(requests) < 0.0001
            rows.append(.init(metric: "Authentication failures", target: "< 0.01% of requests", measured: pct(authReq, requests), status: ok ? .pass : .fail,
                              detail: "\(authReq) of \(requests) requests; SSH: \(sshFailed) failed login attempts (not requests, not in the rate)"))
        } else {
            rows.append(.init(metric: "Authentication failures", target: "< 0.01% of requests", measured: "no requests", status: .notMeasured,
                              detail: "no request logs (MCP or HTTP) in this period; SSH: \(sshFailed) failed login attempts"))
        }

        rows.append(.init(metric: "API key usage anomalies", target: "none unexplained", measured: "not measured", status: .notMeasured,
                          detail: "the API-key baseline detector is not built yet; unauthorized use by keys appears under unauthorized access"))

        let days = rateDaily.keys.sorted()
        let worst = rateDaily.values.max() ?? 0
        let perDay = days.map { "\(EventTime.format($0).prefix(10)): \(rateDaily[$0]!)" }.joined(separator: ", ")
        rows.append(.init(metric: "Rate-limit violations", target: "< 10 per day", measured: "\(rateDaily.values.reduce(0, +)) (worst day \(worst))",
                          status: worst < 10 ? .pass : .fail,
                          detail: (perDay.isEmpty ? "none" : perDay) + " — requests the servers answered with 429"))

        if policy.allowlists.isEmpty {
            rows.append(.init(metric: "IP allowlist violations", target: "0", measured: "not measured", status: .notMeasured,
                              detail: "the policy has no allowlists"))
        } else {
            let v = try store.detectorTotals(p, detector: "allowlist_violation")
            rows.append(.init(metric: "IP allowlist violations", target: "0", measured: "\(v.occurrences)", status: v.occurrences == 0 ? .pass : .fail,
                              detail: "\(v.occurrences) requests from outside the allowlists in \(v.findings) findings"))
        }

        let invalid = sum("invalid_input", requestsOnly: true)
        if requests > 0 {
            let ok = Double(invalid) / Double(requests) < 0.005
            rows.append(.init(metric: "Input validation failures", target: "< 0.5%", measured: pct(invalid, requests), status: ok ? .pass : .fail,
                              detail: "\(invalid) of \(requests) requests"))
        } else {
            rows.append(.init(metric: "Input validation failures", target: "< 0.5%", measured: "no requests", status: .notMeasured,
                              detail: "no request logs (MCP or HTTP) in this period"))
        }
        return rows
    }

    // MARK: rows and masking

    func offender(_ r: FindingStore.SubjectRow) -> SecurityReport.Offender {
        .init(subject: r.kind == "ip" ? maskAddress(r.subject) : r.kind == "user" ? maskUser(r.subject) : r.subject,
              subjectKind: r.kind, findings: r.findings, occurrences: r.occurrences, worstSeverity: r.worst, detectors: r.detectors,
              country: r.country, asn: r.asn.map { "AS\($0)" }, asOrganization: r.asOrganization)
    }

    /// With `--mask`, several addresses of one network become one row.
    func merge(_ list: [SecurityReport.Offender]) -> [SecurityReport.Offender] {
        guard options.mask else { return list }
        var out: [SecurityReport.Offender] = []
        for o in list {
            if let i = out.firstIndex(where: { $0.subject == o.subject }) {
                out[i].findings += o.findings
                out[i].occurrences += o.occurrences
                out[i].worstSeverity = max(out[i].worstSeverity, o.worstSeverity)
                out[i].detectors = Array(Set(out[i].detectors + o.detectors)).sorted()
            } else {
                out.append(o)
            }
        }
        return out.sorted { ($0.occurrences, $1.subject) > ($1.occurrences, $0.subject) }
    }

    func row(_ f: Finding, end: Int64) -> SecurityReport.FindingRow {
        var subject = f.subject
        if f.subjectKind == "ip" { subject = maskAddress(subject) } else if f.subjectKind == "user" { subject = maskUser(subject) }
        let note = f.triage.flatMap { t in t.ackNote ?? t.suppressionNote }
        return .init(id: f.id, severity: f.severity, detector: f.detector, rule: f.rule, subjectKind: f.subjectKind, subject: subject,
                     server: f.server, firstSeen: EventTime.format(f.firstSeen), lastSeen: EventTime.format(f.lastSeen), count: f.count,
                     message: maskText(f.message, users: f.evidence.users + (f.subjectKind == "user" ? [f.subject] : [])),
                     ageDays: Int(max(0, end - f.firstSeen) / EventTime.day), note: note)
    }

    func maskSuppression(_ s: Suppression) -> Suppression {
        var s = s
        s.subject = maskAddress(s.subject)
        return s
    }

    /// `203.0.113.7` → `203.0.113.0/24`, `2001:db8:1:2::5` → `2001:db8:1::/48`; other text unchanged.
    func maskAddress(_ text: String) -> String {
        guard options.mask, let a = IPAddress(text) else { return text }
        return CIDR(network: a, prefix: a.isV4 ? 24 : 48).description
    }

    /// A user id as `user-` and 8 hex digits of a salted stable hash.
    func maskUser(_ user: String) -> String {
        guard options.mask else { return user }
        return "user-" + StableHash.hex(of: [options.maskSalt, user], digits: 8)
    }

    /// Masks every address in free text (messages quote subjects and injected text alike)
    /// and the given user ids.
    func maskText(_ text: String, users: [String]) -> String {
        guard options.mask else { return text }
        var out = text
        for u in users.sorted(by: { $0.count > $1.count }) where !u.isEmpty { out = out.replacingOccurrences(of: u, with: maskUser(u)) }
        var result = ""
        var token = ""
        func flush() {
            // A sentence may end right after an address: keep trailing dots and colons apart.
            var tail = ""
            while let last = token.last, last == "." || last == ":", IPAddress(token) == nil {
                tail.insert(last, at: tail.startIndex)
                token.removeLast()
            }
            if !token.isEmpty { result += IPAddress(token) != nil ? maskAddress(token) : token }
            result += tail
            token = ""
        }
        for c in out {
            if c.isHexDigit || c == "." || c == ":" { token.append(c) } else { flush(); result.append(c) }
        }
        flush()
        return result
    }
}
