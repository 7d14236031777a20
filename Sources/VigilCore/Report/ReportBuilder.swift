import Foundation

/// Builds the weekly security review from the store: summary against the previous period,
/// the platform plan's threshold table, chart series, top offenders and the triage lists.
package struct ReportBuilder {
    package struct Options: Sendable {
        package var mask = false
        /// The keyed pseudonyms of user ids (`--mask-secret-file`, `$VIGIL_MASK_SECRET`); by
        /// default a one-off random key, never a guessable one.
        package var pseudonyms = Pseudonymizer.oneOff()
        var listLimit = 50
        var topLimit = 10
        package var now: Int64 = Int64(Date().timeIntervalSince1970 * 1000)
        package var title = "Security review"

        package init() {}
    }

    let store: any ReportQueries
    let policy: Policy
    let options: Options

    package init(store: any ReportQueries, policy: Policy, options: Options = Options()) {
        self.store = store
        self.policy = policy
        self.options = options
    }

    /// Everything read from the store for one report.
    struct Inputs: @unchecked Sendable {
        var counts: [DailyFindingCount] = []
        var prevCounts: [DailyFindingCount] = []
        var novelty = (total: 0, recurring: 0)
        var totals: [(source: String, outcome: String, events: Int64, attempts: Int64)] = []
        var authHourly: [Int64: Int64] = [:]
        var rateDaily: [Int64: Int64] = [:]
        var topAddresses: [SubjectActivity] = []
        var topKeys: [SubjectActivity] = []
        var newPlaces: [(kind: String, value: String, firstSeen: Int64, findings: Int)] = []
        var ages: [(label: String, count: Int)] = []
        var open: (Int, [Finding]) = (0, [])
        var acked: (Int, [Finding]) = (0, [])
        var suppressed: (Int, [Finding]) = (0, [])
        var suppressions: [Suppression] = []
        var series: [(key: String, hours: String, observed: String, expected: String)] = []
        var anomalyTriage = (total: 0, open: 0)
        var review = ReviewInputs()
    }

    /// Runs the report's queries, several at a time: each is one index scan on its own reader
    /// connection (WAL lets readers run in parallel), so a large week takes the time of the
    /// slowest scans rather than their sum.
    func read(_ period: ReportPeriod) throws -> Inputs {
        let store = self.store
        let previous = period.previous
        let topIP = options.topLimit * (options.mask ? 5 : 1), topLimit = options.topLimit, listLimit = options.listLimit
        let box = LockedBox(Inputs())
        let tasks: [@Sendable () throws -> Void] = [
            // Beside the aggregates, not before them: it is a scan of the same index (a quarter
            // of a large report's time), and whatever it finds fails the report all the same.
            { try store.checkStoredRows() },
            {
                let v = try store.findingCounts(period); box.update { $0.counts = v }
            },
            {
                let v = try store.topSubjects(period, kind: "ip", limit: topIP); box.update { $0.topAddresses = v }
            },
            {
                let v = try store.subjectNovelty(period); box.update { $0.novelty = v }
            },
            {
                let v = try store.newPlaces(period); box.update { $0.newPlaces = v }
            },
            {
                let ages = try store.openAges(before: period.to)
                let open = try store.findingPage(
                    FindingPageQuery(
                        startedBefore: period.to, triage: .untriaged, limit: listLimit,
                        knownTotal: ages.reduce(0) { $0 + $1.count }))
                box.update {
                    $0.ages = ages; $0.open = open
                }
            },
            {
                let keys = try store.topSubjects(period, kind: "api_key", limit: topLimit)
                let prev = try store.findingCounts(previous)
                let totals = try store.eventTotals(period)
                let auth = try store.outcomeSeries(period, outcome: "auth_failure", bucket: EventTime.hour, attempts: true)
                let rate = try store.outcomeSeries(period, outcome: "rate_limited", bucket: EventTime.day, attempts: false)
                box.update {
                    $0.topKeys = keys; $0.prevCounts = prev; $0.totals = totals; $0.authHourly = auth; $0.rateDaily = rate
                }
            },
            {
                let acked = try store.findingPage(FindingPageQuery(startedIn: period, triage: .acknowledged, limit: listLimit))
                let sup = try store.findingPage(FindingPageQuery(startedIn: period, triage: .suppressed, limit: listLimit))
                let all = try store.suppressions()
                let series = try store.anomalySeries(period, limit: 3)
                let anomalies = try store.findingPage(
                    FindingPageQuery(startedIn: period, detector: "api_key_anomaly", minimumSeverity: .p3, limit: 0))
                let openAnomalies = try store.findingPage(
                    FindingPageQuery(
                        startedIn: period, detector: "api_key_anomaly", minimumSeverity: .p3,
                        triage: .untriaged, limit: 0))
                box.update {
                    $0.acked = acked; $0.suppressed = sup; $0.suppressions = all; $0.series = series
                    $0.anomalyTriage = (anomalies.0, openAnomalies.0)
                }
            },
        ]
        let all = tasks + reviewTasks(period, into: box)
        let errors = LockedBox<[(task: Int, error: Error)]>([])
        DispatchQueue.concurrentPerform(iterations: all.count) { i in
            do { try all[i]() } catch { errors.update { $0.append((i, error)) } }
        }
        // The check's error first: it names the bad row, where an aggregate tripping on the
        // same row can only name its own result column.
        if let first = errors.value.min(by: { $0.task < $1.task }) { throw first.error }
        return box.value
    }

    package func build(_ period: ReportPeriod) throws -> SecurityReport {
        let previous = period.previous
        let input = try read(period)
        let counts = input.counts
        var sev: [Severity: Int] = [:], prevSev: [Severity: Int] = [:], det: [String: Int] = [:], prevDet: [String: Int] = [:]
        var occurrences: [String: Int] = [:]
        for c in counts {
            sev[c.severity, default: 0] += c.count; det[c.detector, default: 0] += c.count;
            occurrences[c.detector, default: 0] += c.occurrences
        }
        for c in input.prevCounts { prevSev[c.severity, default: 0] += c.count; prevDet[c.detector, default: 0] += c.count }
        let novelty = input.novelty
        let totals = input.totals
        let requests = totals.filter { $0.source != "sshd" }.reduce(Int64(0)) { $0 + $1.events }
        let events = totals.reduce(Int64(0)) { $0 + $1.events }

        var summary = SecurityReport.Summary(
            findings: sev.values.reduce(0, +), previousFindings: prevSev.values.reduce(0, +),
            bySeverity: Severity.allCases.sorted(by: >).map { .init(severity: $0, count: sev[$0] ?? 0, previous: prevSev[$0] ?? 0) },
            byDetector: Set(det.keys).union(prevDet.keys).sorted().map {
                .init(detector: $0, count: det[$0] ?? 0, previous: prevDet[$0] ?? 0)
            },
            newSubjects: novelty.total - novelty.recurring, recurringSubjects: novelty.recurring, events: events, requests: requests)
        summary.byDetector.sort { ($0.count, $1.detector) > ($1.count, $0.detector) }

        // Findings per day by severity, every day of the period present.
        var perDay: [Int64: SecurityReport.DayBySeverity] = [:]
        var day = period.from / EventTime.day * EventTime.day
        while day < period.to {
            perDay[day] = .init(day: String(EventTime.format(day).prefix(10)), p1: 0, p2: 0, p3: 0, p4: 0)
            day += EventTime.day
        }
        for c in counts {
            var row = perDay[c.day] ?? .init(day: String(EventTime.format(c.day).prefix(10)), p1: 0, p2: 0, p3: 0, p4: 0)
            switch c.severity {
            case .p1: row.p1 += c.count;
            case .p2: row.p2 += c.count;
            case .p3: row.p3 += c.count;
            case .p4: row.p4 += c.count
            }
            perDay[c.day] = row
        }

        var authSeries: [SecurityReport.TimeCount] = []
        var h = period.from / EventTime.hour * EventTime.hour
        while h < period.to {
            authSeries.append(.init(time: EventTime.format(h), count: input.authHourly[h] ?? 0))
            h += EventTime.hour
        }
        let rateSeries = perDay.keys.sorted().map { SecurityReport.TimeCount(time: EventTime.format($0), count: input.rateDaily[$0] ?? 0) }

        var notes: [String] = []
        if events == 0 {
            notes.append(
                "No events were counted in this period: the database holds no analyzed logs for it (or they were analyzed before Vigil counted events per hour)."
            )
        }
        let detectorTotals = { (d: String) in (findings: det[d] ?? 0, occurrences: occurrences[d] ?? 0) }
        return SecurityReport(
            title: options.title, period: period, previousPeriod: previous, generatedAt: EventTime.format(options.now),
            masked: options.mask,
            summary: summary,
            coverage: coverage(period, input.review),
            compliance: compliance(
                totals: totals, requests: requests, rateDaily: input.rateDaily, detectorTotals: detectorTotals,
                anomalies: input.anomalyTriage),
            findingsPerDay: perDay.keys.sorted().map { perDay[$0]! }, authFailuresPerHour: authSeries, rateLimitedPerDay: rateSeries,
            topAddresses: Array(merge(input.topAddresses.map(offender)).prefix(options.topLimit)), topKeys: input.topKeys.map(offender),
            keyBaselines: input.series.map { s in
                .init(
                    key: s.key,
                    hours: s.hours.split(separator: ",").compactMap { Int64($0) }.filter {
                        (0...EventTime.maxTime / EventTime.hour).contains($0)
                    }.map { EventTime.format($0 * EventTime.hour) },
                    observed: s.observed.split(separator: ",").compactMap { Int($0) },
                    expected: s.expected.split(separator: ",").compactMap { Double($0) })
            },
            newPlaces: input.newPlaces.map {
                .init(kind: $0.kind, value: $0.value, firstSeen: EventTime.format($0.firstSeen), findings: $0.findings)
            },
            open: .init(total: input.open.0, rows: input.open.1.map { row($0, end: period.to) }),
            openByAge: input.ages.map { .init(label: $0.label, count: $0.count) },
            acknowledged: .init(total: input.acked.0, rows: input.acked.1.map { row($0, end: period.to) }),
            suppressed: .init(total: input.suppressed.0, rows: input.suppressed.1.map { row($0, end: period.to) }),
            suppressions: input.suppressions.filter { $0.until > period.from }.map(maskSuppression),
            triageFigures: triageFigures(period, input.review, suppressions: input.suppressions),
            expiringSoon: expiring(period, suppressions: input.suppressions),
            trend: trend(input),
            incidents: incidents(input.review),
            logins: logins(period, input.review, sshEvents: totals.filter { $0.source == LogFormat.sshd.rawValue }),
            notes: notes)
    }

    // MARK: threshold compliance (plan §1.4)

    func compliance(
        totals: [(source: String, outcome: String, events: Int64, attempts: Int64)], requests: Int64,
        rateDaily: [Int64: Int64], detectorTotals: (String) -> (findings: Int, occurrences: Int),
        anomalies: (total: Int, open: Int)
    ) -> [SecurityReport.ComplianceRow] {
        func sum(_ outcome: String, requestsOnly: Bool, attempts: Bool = false) -> Int64 {
            totals.filter { $0.outcome == outcome && (!requestsOnly || $0.source != "sshd") }.reduce(0) {
                $0 + (attempts ? $1.attempts : $1.events)
            }
        }
        func pct(_ n: Int64, _ d: Int64) -> String { String(format: "%.3f%%", d == 0 ? 0 : Double(n) * 100 / Double(d)) }
        var rows: [SecurityReport.ComplianceRow] = []

        // "Pass" needs data: a threshold with no events of the kind it judges is not measured.
        let events = totals.reduce(Int64(0)) { $0 + $1.events }
        let noEvents = "no events were analyzed in this period"
        let forbidden = sum("forbidden", requestsOnly: false)
        let ua = detectorTotals("unauthorized_access")
        rows.append(
            events == 0 && ua.findings == 0
                ? .init(
                    metric: "Unauthorized access attempts", target: "0", measured: "not measured", status: .notMeasured, detail: noEvents)
                : .init(
                    metric: "Unauthorized access attempts", target: "0", measured: "\(forbidden)", status: forbidden == 0 ? .pass : .fail,
                    detail: "\(forbidden) forbidden requests or logins; \(ua.findings) unauthorized_access findings"))

        let authReq = sum("auth_failure", requestsOnly: true, attempts: true)
        let sshFailed = totals.filter { $0.outcome == "auth_failure" && $0.source == "sshd" }.reduce(Int64(0)) { $0 + $1.attempts }
        /// A share of requests against a limit, or "not measured" without request logs.
        func share(
            _ metric: String, _ target: String, _ n: Int64, below limit: Double, detail: String, none: String
        ) -> SecurityReport.ComplianceRow {
            guard requests > 0 else {
                return .init(metric: metric, target: target, measured: "no requests", status: .notMeasured, detail: none)
            }
            return .init(
                metric: metric, target: target, measured: pct(n, requests), status: Double(n) / Double(requests) < limit ? .pass : .fail,
                detail: detail)
        }
        rows.append(
            share(
                "Authentication failures", "< 0.01% of requests", authReq, below: 0.0001,
                detail: "\(authReq) of \(requests) requests; SSH: \(sshFailed) failed login attempts (not requests, not in the rate)",
                none: "no request logs (MCP or HTTP) in this period; SSH: \(sshFailed) failed login attempts"))

        let noRequests = "no request logs (MCP or HTTP) in this period"
        // API keys come only in MCP logs: an access log alone measures nothing here.
        let mcpRequests = totals.filter { $0.source == LogFormat.mcpJSON.rawValue }.reduce(Int64(0)) { $0 + $1.events }
        if policy.detectors.apiKeyAnomaly.enabled && mcpRequests == 0 && detectorTotals("api_key_anomaly").findings == 0 {
            rows.append(
                .init(
                    metric: "API key usage anomalies", target: "none unexplained", measured: "not measured", status: .notMeasured,
                    detail: "no MCP request logs in this period: no API key was seen"))
        } else if policy.detectors.apiKeyAnomaly.enabled {
            let low = detectorTotals("api_key_anomaly").findings - anomalies.total
            rows.append(
                .init(
                    metric: "API key usage anomalies", target: "none unexplained", measured: "\(anomalies.total) (\(anomalies.open) open)",
                    status: anomalies.open == 0 ? .pass : .fail,
                    detail:
                        "api_key_anomaly findings at P3 or worse, against each key's own baseline; open = neither acknowledged nor suppressed; \(low) more at P4 (new networks or tools)"
                ))
        } else {
            rows.append(
                .init(
                    metric: "API key usage anomalies", target: "none unexplained", measured: "not measured", status: .notMeasured,
                    detail: "the api_key_anomaly detector is turned off in the policy"))
        }

        let days = rateDaily.keys.sorted()
        let worst = rateDaily.values.max() ?? 0
        let perDay = days.map { "\(EventTime.format($0).prefix(10)): \(rateDaily[$0]!)" }.joined(separator: ", ")
        let breaches = detectorTotals("rate_limit_breach")
        rows.append(
            requests == 0 && worst == 0
                ? .init(
                    metric: "Rate-limit violations", target: "< 10 per day", measured: "not measured", status: .notMeasured,
                    detail: noRequests)
                : .init(
                    metric: "Rate-limit violations", target: "< 10 per day",
                    measured: "\(rateDaily.values.reduce(0, +)) (worst day \(worst))",
                    status: worst < 10 ? .pass : .fail,
                    detail: (perDay.isEmpty ? "none" : perDay)
                        + " — requests the servers answered with 429; \(breaches.occurrences) breaches (429s and requests over the policy's limits) in \(breaches.findings) rate_limit_breach findings"
                ))

        if events == 0 && detectorTotals("allowlist_violation").findings == 0 {
            rows.append(
                .init(metric: "IP allowlist violations", target: "0", measured: "not measured", status: .notMeasured, detail: noEvents))
        } else if policy.allowlists.isEmpty {
            rows.append(
                .init(
                    metric: "IP allowlist violations", target: "0", measured: "not measured", status: .notMeasured,
                    detail: "the policy has no allowlists"))
        } else {
            let v = detectorTotals("allowlist_violation")
            rows.append(
                .init(
                    metric: "IP allowlist violations", target: "0", measured: "\(v.occurrences)",
                    status: v.occurrences == 0 ? .pass : .fail,
                    detail: "\(v.occurrences) requests from outside the allowlists in \(v.findings) findings"))
        }

        // The input_validation detector's share (0.5% in the plan, settable in the policy).
        let invalid = sum("invalid_input", requestsOnly: true)
        let limit = policy.detectors.inputValidation.threshold
        rows.append(
            share(
                "Input validation failures", "< " + String(format: "%g", limit * 100) + "%", invalid, below: limit,
                detail: "\(invalid) of \(requests) requests", none: "no request logs (MCP or HTTP) in this period"))
        return rows
    }

    // MARK: rows and masking

    func offender(_ r: SubjectActivity) -> SecurityReport.Offender {
        .init(
            subject: r.kind == "ip" || r.kind == "network" ? maskAddress(r.subject) : r.kind == "user" ? maskUser(r.subject) : r.subject,
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
        if f.subjectKind == "ip" || f.subjectKind == "network" {
            subject = maskAddress(subject)
        } else if f.subjectKind == "user" {
            subject = maskUser(subject)
        }
        let note = f.triage.flatMap { t in t.ackNote ?? t.suppressionNote }
        return .init(
            id: f.id, severity: f.severity, detector: f.detector, rule: f.rule, subjectKind: f.subjectKind, subject: subject,
            server: f.server, firstSeen: EventTime.format(f.firstSeen), lastSeen: EventTime.format(f.lastSeen), count: f.count,
            message: maskText(f.message, users: f.evidence.users + (f.subjectKind == "user" ? [f.subject] : [])),
            ageDays: Int(max(0, end - f.firstSeen) / EventTime.day), note: note)
    }

    /// A suppression's subject is a whole value: an address (cut to /24, /48), a block (cut to
    /// at most /24, /48: a /32 is one address) or a name (its pseudonym).
    func maskSuppression(_ s: Suppression) -> Suppression {
        guard options.mask else { return s }
        var s = s
        if IPAddress(s.subject) != nil {
            s.subject = maskAddress(s.subject)
        } else if case let .success(block) = CIDR.parse(s.subject) {
            let widest = block.network.isV4 ? 24 : 48
            s.subject = block.prefix > widest ? CIDR(network: block.network, prefix: widest).description : block.description
        } else {
            s.subject = maskUser(s.subject)
        }
        return s
    }

    /// `203.0.113.7` → `203.0.113.0/24`, `2001:db8:1:2::5` → `2001:db8:1::/48`; other text unchanged.
    func maskAddress(_ text: String) -> String {
        guard options.mask else { return text }
        if let a = IPAddress(text) { return CIDR(network: a, prefix: a.isV4 ? 24 : 48).description }
        // A network subject (`2001:db8:1:2::/64`, the SSH detectors' IPv6 client) is cut the same.
        guard case let .success(block) = CIDR.parse(text) else { return text }
        let widest = block.network.isV4 ? 24 : 48
        return block.prefix > widest ? CIDR(network: block.network, prefix: widest).description : block.description
    }

    /// A user id as `user-` and 12 hex digits of its HMAC-SHA-256 under the mask key (see
    /// `Pseudonymizer`): the whole value, so `alice` and `alicf` get unrelated pseudonyms.
    func maskUser(_ user: String) -> String {
        guard options.mask else { return user }
        return options.pseudonyms.pseudonym(user)
    }

    /// Replaces each whole word of `text` that is one of `users` by its pseudonym. Whole words
    /// only: user `a` must not turn "authentication" into "user-…uthentic…" (substring
    /// replacement did). A word is a run of letters, digits and `_ - $ @ \ .`, without a
    /// sentence's final dot.
    func maskWholeNames(_ text: String, _ users: Set<String>) -> String {
        guard !users.isEmpty else { return text }
        func isNameCharacter(_ c: Character) -> Bool { c.isLetter || c.isNumber || "_-$@\\.".contains(c) }
        var result = ""
        var word = ""
        func flush() {
            var tail = ""
            while word.count > 1, word.last == ".", !users.contains(word) {
                tail.append(".")
                word.removeLast()
            }
            result += users.contains(word) ? maskUser(word) : word
            result += tail
            word = ""
        }
        for c in text {
            if isNameCharacter(c) { word.append(c) } else { flush(); result.append(c) }
        }
        flush()
        return result
    }

    /// Masks every address in free text (messages quote subjects and injected text alike)
    /// and the given user ids.
    func maskText(_ text: String, users: [String]) -> String {
        guard options.mask else { return text }
        let out = maskWholeNames(text, Set(users.filter { !$0.isEmpty }))
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
