import Foundation

/// The weekly review's coverage, triage, expiry, trend and incident sections (issue 17):
/// what a security lead needs beside the thresholds to judge a week.
extension ReportBuilder {
    /// What these sections read from the store.
    struct ReviewInputs: @unchecked Sendable {
        /// Events per hour, source and server over the previous period and this one.
        var hours: [SourceHour] = []
        var runs: [RunRecord] = []
        var inputs: [InputRecord] = []
        var tail: TailService?
        var incidents: [SubjectIncident] = []
        /// P1/P2 findings that started in the period: how many, and the first
        /// `evidenceFindings` (for their evidence lines).
        var evidence: (total: Int, findings: [Finding]) = (0, [])
        /// P1/P2 findings of the period acknowledged or suppressed (at most `answeredLimit` of
        /// each: people answer them one by one, so there are few).
        var answered: [Finding] = []
        /// Untriaged P1/P2 findings of the period, and how many of them are past their
        /// response target at the period's end (counted in the store: a flood has millions).
        var open: [Severity: (total: Int, overdue: Int)] = [:]
        /// The first untriaged P1/P2 findings past their target.
        var openOverdue: [Finding] = []
        var activity: [TriageActivity] = []
        var logins = LoginHistory()
        /// This period and the three before it, newest first.
        var weeks:
            [(
                period: ReportPeriod, counts: [DailyFindingCount],
                totals: [(source: String, outcome: String, events: Int64, attempts: Int64)]
            )] = []
    }

    /// Acknowledged (and, apart, suppressed) P1/P2 findings read for response times.
    static let answeredLimit = 5000
    /// Triage events read for a period.
    static let activityLimit = 5000
    /// Empty hours in a row that make a gap.
    static let gapHours = 3
    /// An input whose events stop this long before the period's end went silent.
    static let silentAfter = 24 * EventTime.hour
    /// Evidence samples shown per P1/P2 finding, and findings shown with evidence.
    static let evidenceFindings = 20

    static let gapRule =
        "a gap is 3 or more consecutive hours without events, counted only for a source and server that had events in at least half of the hours of this period or of the previous one (otherwise its data is 'sparse' and gaps are not judged)"

    /// Targets from the plan's severity table (§2.2.1).
    static let responseTargets: [SecurityReport.ResponseTarget] = [
        .init(severity: .p1, minutes: 15, plan: "immediate (24/7) in the plan, §2.2.1; taken as 15 minutes"),
        .init(severity: .p2, minutes: 30, plan: "30 minutes (business hours) in the plan, §2.2.1; measured around the clock"),
    ]

    /// A severity's response target in ms (`responseTargets`).
    static func target(_ severity: Severity) -> Int64 {
        Int64(responseTargets.first { $0.severity == severity }?.minutes ?? 0) * EventTime.minute
    }

    func reviewTasks(_ period: ReportPeriod, into box: LockedBox<Inputs>) -> [@Sendable () throws -> Void] {
        let store = self.store
        let listLimit = options.listLimit
        let end = judgedEnd(period)
        return [
            {
                let hours = try store.sourceHours(ReportPeriod(from: period.previous.from, to: period.to, label: ""))
                let runs = try store.runs(startedIn: period)
                let inputs = try store.inputRecords()
                let tail = try store.tailService()
                box.update {
                    $0.review.hours = hours; $0.review.runs = runs; $0.review.inputs = inputs; $0.review.tail = tail
                }
            },
            {
                let incidents = try store.incidentSubjects(period, limit: listLimit)
                let evidence = try store.findingPage(
                    FindingPageQuery(startedIn: period, minimumSeverity: .p2, limit: ReportBuilder.evidenceFindings))
                let activity = try store.triageActivity(period, limit: ReportBuilder.activityLimit)
                let logins = try store.logins(period)
                box.update {
                    $0.review.incidents = incidents; $0.review.evidence = evidence; $0.review.activity = activity
                    $0.review.logins = logins
                }
            },
            {
                let limit = ReportBuilder.answeredLimit
                let acked = try store.findingPage(
                    FindingPageQuery(startedIn: period, minimumSeverity: .p2, triage: .acknowledged, limit: limit))
                let suppressed = try store.findingPage(
                    FindingPageQuery(startedIn: period, minimumSeverity: .p2, triage: .suppressed, limit: limit))
                var seen = Set<String>()
                let answered = (acked.findings + suppressed.findings).filter { seen.insert($0.id).inserted }
                // Untriaged findings started before `end - target` are past their target.
                let p1Cut = end - ReportBuilder.target(.p1), p2Cut = end - ReportBuilder.target(.p2)
                let open = try store.openCounts(period, cuts: [.p1: p1Cut, .p2: p2Cut])
                let overdueRows =
                    p1Cut > period.from
                    ? try store.findingPage(
                        FindingPageQuery(
                            startedFrom: period.from, startedBefore: min(p1Cut, period.to), minimumSeverity: .p2, triage: .untriaged,
                            limit: listLimit)
                    ).findings.filter { $0.severity == .p1 || $0.firstSeen < p2Cut } : []
                box.update {
                    $0.review.answered = answered; $0.review.open = open; $0.review.openOverdue = overdueRows
                }
            },
            {
                // This period's and the previous one's finding counts are read for the summary
                // already (a scan of a million findings each); only the events of the previous
                // one and the two weeks before it are read here.
                let previousTotals = try store.eventTotals(period.previous).map { ($0.source, $0.outcome, $0.events, $0.attempts) }
                var weeks: [(ReportPeriod, [DailyFindingCount], [(String, String, Int64, Int64)])] = [
                    (period, [], []), (period.previous, [], previousTotals),
                ]
                var week = period.previous.previous
                for _ in 0..<2 {
                    weeks.append(
                        (
                            week, try store.findingCounts(week),
                            try store.eventTotals(week).map { ($0.source, $0.outcome, $0.events, $0.attempts) }
                        ))
                    week = week.previous
                }
                box.update { inputs in
                    inputs.review.weeks = weeks.map {
                        (period: $0.0, counts: $0.1, totals: $0.2.map { (source: $0.0, outcome: $0.1, events: $0.2, attempts: $0.3) })
                    }
                }
            },
        ]
    }

    // MARK: coverage

    /// The hour starts from `from` (rounded up to an hour) to `to`.
    static func hourStarts(from: Int64, to: Int64) -> [Int64] {
        var out: [Int64] = []
        var hour = (from + EventTime.hour - 1) / EventTime.hour * EventTime.hour
        while hour < to {
            out.append(hour)
            hour += EventTime.hour
        }
        return out
    }

    /// The end of what can have data: the period's end, or "now" (rounded up to the hour) when
    /// that is earlier.
    func judgedEnd(_ period: ReportPeriod) -> Int64 {
        let now = (options.now + EventTime.hour - 1) / EventTime.hour * EventTime.hour
        return max(period.from, min(period.to, now))
    }

    func coverage(_ period: ReportPeriod, _ review: ReviewInputs) -> SecurityReport.Coverage {
        let previous = period.previous
        let judged = ReportBuilder.hourStarts(from: period.from, to: judgedEnd(period))
        let previousHours = ReportBuilder.hourStarts(from: previous.from, to: previous.to)
        struct Key: Hashable, Comparable {
            var source: String
            var server: String
            static func < (a: Key, b: Key) -> Bool { (a.source, a.server) < (b.source, b.server) }
        }
        var now: [Key: [Int64: Int64]] = [:], before: [Key: [Int64: Int64]] = [:]
        for h in review.hours where h.events > 0 {
            let key = Key(source: h.source, server: h.server)
            if h.hour >= period.from {
                now[key, default: [:]][h.hour, default: 0] += h.events
            } else {
                before[key, default: [:]][h.hour, default: 0] += h.events
            }
        }
        var days: [Int64] = []
        var day = period.from / EventTime.day * EventTime.day
        while day < period.to {
            days.append(day)
            day += EventTime.day
        }
        let sources = Set(now.keys).union(before.keys).sorted().map { key -> SecurityReport.SourceCoverage in
            let hours = now[key] ?? [:], previousByHour = before[key] ?? [:]
            let withData = judged.filter { (hours[$0] ?? 0) > 0 }.count
            let usual =
                (!previousHours.isEmpty && previousByHour.count * 2 >= previousHours.count)
                || (!judged.isEmpty && withData * 2 >= judged.count)
            var gaps: [SecurityReport.Gap] = []
            if usual {
                var start: Int64?
                for hour in judged + [Int64.max] {
                    let empty = hour != .max && (hours[hour] ?? 0) == 0
                    if empty, start == nil { start = hour }
                    if !empty, let s = start {
                        let end = hour == .max ? judged.last! + EventTime.hour : hour
                        let length = Int((end - s) / EventTime.hour)
                        if length >= ReportBuilder.gapHours {
                            gaps.append(.init(from: EventTime.format(s), to: EventTime.format(end), hours: length))
                        }
                        start = nil
                    }
                }
            }
            var perDay: [Int64: Int64] = [:]
            for (hour, n) in hours { perDay[hour / EventTime.day * EventTime.day, default: 0] += n }
            let events = hours.values.reduce(0, +)
            return .init(
                source: key.source, server: key.server, events: events, previousEvents: previousByHour.values.reduce(0, +),
                perDay: days.map { .init(time: EventTime.format($0), count: perDay[$0] ?? 0) }, hoursWithData: withData,
                usuallyActive: usual, gaps: gaps, status: events == 0 ? "no_data" : !usual ? "sparse" : gaps.isEmpty ? "ok" : "gaps")
        }

        var runs: SecurityReport.RunTotals?
        if !review.runs.isEmpty {
            var totals = SecurityReport.RunTotals(analyzeRuns: 0, tailRuns: 0, lines: 0, events: 0, malformed: 0, ignored: 0)
            for r in review.runs {
                if r.command == "tail" { totals.tailRuns += 1 } else { totals.analyzeRuns += 1 }
                totals.lines += r.lines
                totals.events += r.events
                totals.malformed += r.malformed
                totals.ignored += max(0, r.lines - r.events - r.malformed)
            }
            runs = totals
        }
        // A policy reload ends a tail's run row and opens the next at the same instant: that
        // is not a start.
        let tailRuns = review.runs.filter { $0.command == "tail" }
        let reloads = Set(tailRuns.compactMap(\.finishedAt))
        var starts = tailRuns.filter { !reloads.contains($0.startedAt) }.map { (start: $0.startedAt, stop: $0.finishedAt) }
        if let tail = review.tail, tail.startedAt >= period.from, tail.startedAt < period.to,
            !starts.contains(where: { $0.start == tail.startedAt })
        {
            starts.append((tail.startedAt, tail.stoppedAt))
        }
        let tailStarts = starts.sorted { $0.start < $1.start }.map {
            SecurityReport.TailStart(startedAt: EventTime.format($0.start), stoppedAt: $0.stop.map(EventTime.format))
        }

        let end = judgedEnd(period)
        let recent = review.inputs.filter { input in
            (input.lastEventTime.map { $0 >= previous.from && $0 < period.to } ?? false)
                || (input.updatedAt >= period.from && input.updatedAt < period.to)
        }
        let newestByFormat = Dictionary(grouping: review.inputs, by: \.format).mapValues { $0.compactMap(\.lastEventTime).max() ?? .min }
        let inputs = recent.sorted { $0.path < $1.path }.map { input -> SecurityReport.InputCoverage in
            var silent = false
            if let last = input.lastEventTime, input.lines > 0, last >= previous.from, last < end - ReportBuilder.silentAfter {
                silent = (newestByFormat[input.format] ?? .min) <= last
            }
            return .init(
                path: input.path, format: input.format, lines: input.lines, malformed: input.malformed,
                lastEvent: input.lastEventTime.map(EventTime.format), silent: silent)
        }
        return .init(
            hoursJudged: judged.count, gapRule: ReportBuilder.gapRule, sources: sources, runs: runs, tailStarts: tailStarts, inputs: inputs,
            silentInputs: inputs.filter(\.silent).count)
    }

    // MARK: triage figures

    func maskedSubject(kind: String, _ subject: String) -> String {
        kind == "ip" || kind == "network" ? maskAddress(subject) : kind == "user" ? maskUser(subject) : subject
    }

    func triageFigures(_ period: ReportPeriod, _ review: ReviewInputs, suppressions: [Suppression]) -> SecurityReport.TriageFigures {
        var firstAck: [String: (at: Int64, by: String)] = [:]
        for a in review.activity where a.event.action == "ack" {
            if let seen = firstAck[a.event.findingID], seen.at <= a.event.at { continue }
            firstAck[a.event.findingID] = (a.event.at, a.event.by)
        }
        let suppressionStart = Dictionary(suppressions.map { ($0.id, $0.createdAt) }, uniquingKeysWith: min)
        let end = judgedEnd(period)
        var counts: [Severity: SecurityReport.ResponseCount] = [:]
        for t in ReportBuilder.responseTargets {
            let open = review.open[t.severity] ?? (0, 0)
            counts[t.severity] = .init(
                severity: t.severity, findings: open.total, answeredInTime: 0, answeredLate: 0, openOverdue: open.overdue,
                openInTime: open.total - open.overdue)
        }
        func row(_ f: Finding, answered: (at: Int64, by: String?)?, minutes: Int64) -> SecurityReport.OverdueFinding {
            .init(
                id: f.id, severity: f.severity, detector: f.detector, subjectKind: f.subjectKind,
                subject: maskedSubject(kind: f.subjectKind, f.subject), firstSeen: EventTime.format(f.firstSeen),
                answeredAt: answered.map { EventTime.format($0.at) }, answeredBy: answered?.by.map(maskUser), minutes: minutes,
                state: answered == nil ? "open_overdue" : "answered_late")
        }
        var overdue: [SecurityReport.OverdueFinding] = []
        for f in review.answered where counts[f.severity] != nil {
            var answered: (at: Int64, by: String?)?
            if let ack = firstAck[f.id] { answered = (ack.at, ack.by) } else if let at = f.triage?.ackedAt { answered = (at, nil) }
            if let id = f.triage?.suppressionID, let at = suppressionStart[id], at < answered?.at ?? .max {
                answered = (at, "suppression #\(id)")
            }
            let elapsed = max(0, (answered?.at ?? end) - f.firstSeen)
            counts[f.severity]!.findings += 1
            if elapsed > ReportBuilder.target(f.severity) {
                counts[f.severity]!.answeredLate += 1
                overdue.append(row(f, answered: answered, minutes: elapsed / EventTime.minute))
            } else {
                counts[f.severity]!.answeredInTime += 1
            }
        }
        let late = overdue.count
        overdue += review.openOverdue.map { row($0, answered: nil, minutes: max(0, end - $0.firstSeen) / EventTime.minute) }
        overdue.sort { ($0.severity.rawValue, $0.firstSeen, $0.id) < ($1.severity.rawValue, $1.firstSeen, $1.id) }
        let overdueTotal = late + counts.values.reduce(0) { $0 + $1.openOverdue }
        var reviewers: [String: SecurityReport.ReviewerCount] = [:]
        for a in review.activity {
            let by = maskUser(a.event.by)
            var r = reviewers[by] ?? .init(by: by, acknowledged: 0, unacknowledged: 0)
            if a.event.action == "ack" { r.acknowledged += 1 } else { r.unacknowledged += 1 }
            reviewers[by] = r
        }
        let activity = review.activity.suffix(options.listLimit).map { a in
            SecurityReport.TriageRow(
                at: EventTime.format(a.event.at), by: maskUser(a.event.by), action: a.event.action, findingId: a.event.findingID,
                severity: a.severity, subject: a.subject.map { maskedSubject(kind: a.subjectKind ?? "", $0) },
                note: a.event.note.map { maskText($0, users: a.subjectKind == "user" ? [a.subject ?? ""] : []) })
        }
        return .init(
            targets: ReportBuilder.responseTargets, bySeverity: ReportBuilder.responseTargets.map { counts[$0.severity]! },
            overdue: Array(overdue.prefix(options.listLimit)), overdueTotal: overdueTotal,
            reviewers: reviewers.values.sorted {
                ($0.acknowledged + $0.unacknowledged, $1.by) > ($1.acknowledged + $1.unacknowledged, $0.by)
            },
            activity: Array(activity))
    }

    // MARK: expiring soon

    /// Days the review looks ahead past the period's end for expiring allowlists and suppressions.
    static let expiryLookahead = 14 * EventTime.day

    func expiring(_ period: ReportPeriod, suppressions: [Suppression]) -> [SecurityReport.Expiring] {
        let window = period.from..<(period.to + ReportBuilder.expiryLookahead)
        func daysLeft(_ t: Int64) -> Int { Int((Double(t - period.to) / Double(EventTime.day)).rounded(.down)) }
        var out: [(Int64, SecurityReport.Expiring)] = []
        for list in policy.allowlists {
            if let e = list.expires, window.contains(e) {
                out.append(
                    (
                        e,
                        .init(
                            kind: "allowlist", name: list.name, value: nil, expires: EventTime.format(e), daysLeft: daysLeft(e),
                            owner: list.owner,
                            note: list.note, location: list.location.description)
                    ))
            }
            func entry<Value>(_ e: Allowlist.Entry<Value>, _ text: String) {
                // An entry that ends with its allowlist is listed once, as the allowlist.
                guard let t = e.expires, window.contains(t), t < list.expires ?? .max else { return }
                out.append(
                    (
                        t,
                        .init(
                            kind: "allowlist_entry", name: list.name, value: text, expires: EventTime.format(t), daysLeft: daysLeft(t),
                            owner: list.owner, note: e.note, location: e.location.description)
                    ))
            }
            for e in list.cidrs { entry(e, e.value.description) }
            for e in list.countries { entry(e, e.value) }
            for e in list.asns { entry(e, "AS\(e.value)") }
        }
        for s in suppressions where window.contains(s.until) {
            out.append(
                (
                    s.until,
                    .init(
                        kind: "suppression", name: "#\(s.id) \(s.detector)", value: maskAddress(s.subject),
                        expires: EventTime.format(s.until),
                        daysLeft: daysLeft(s.until), owner: nil, note: maskText(s.note, users: []), location: nil)
                ))
        }
        return out.sorted { ($0.0, $0.1.kind, $0.1.name) < ($1.0, $1.1.kind, $1.1.name) }.map(\.1)
    }

    // MARK: trend

    func trend(_ input: Inputs) -> [SecurityReport.TrendWeek] {
        input.review.weeks.enumerated().reversed().map { index, week in
            // The first two are this period and the previous one, counted for the summary.
            let counts = index == 0 ? input.counts : index == 1 ? input.prevCounts : week.counts
            let totals = index == 0 ? input.totals : week.totals
            var bySeverity: [Severity: Int] = [:]
            for c in counts { bySeverity[c.severity, default: 0] += c.count }
            func sum(_ outcome: String?, sshd: Bool = true, attempts: Bool = false) -> Int64 {
                totals.filter { (outcome == nil || $0.outcome == outcome) && (sshd || $0.source != "sshd") }.reduce(0) {
                    $0 + (attempts ? $1.attempts : $1.events)
                }
            }
            return .init(
                label: week.period.label, from: EventTime.format(week.period.from), to: EventTime.format(week.period.to),
                findings: bySeverity.values.reduce(0, +), p1: bySeverity[.p1] ?? 0, p2: bySeverity[.p2] ?? 0, p3: bySeverity[.p3] ?? 0,
                p4: bySeverity[.p4] ?? 0, events: sum(nil), requests: sum(nil, sshd: false),
                authFailures: sum("auth_failure", attempts: true), rateLimited: sum("rate_limited"))
        }
    }

    // MARK: incidents

    func incidents(_ review: ReviewInputs) -> SecurityReport.Incidents {
        let subjects = review.incidents.map { i in
            SecurityReport.Incident(
                subjectKind: i.kind, subject: maskedSubject(kind: i.kind, i.subject), findings: i.findings, occurrences: i.occurrences,
                worstSeverity: i.worst, detectors: i.detectors, firstSeen: EventTime.format(i.firstSeen),
                lastSeen: EventTime.format(i.lastSeen))
        }
        let evidence = review.evidence.findings.map { f in
            let users = f.evidence.users + (f.subjectKind == "user" ? [f.subject] : [])
            return SecurityReport.FindingEvidence(
                id: f.id, severity: f.severity, detector: f.detector, rule: f.rule, subjectKind: f.subjectKind,
                subject: maskedSubject(kind: f.subjectKind, f.subject),
                lines: f.evidence.samples.map { s in
                    .init(at: s.at, text: maskText(ReportBuilder.sampleText(s), users: users + (s.user.map { [$0] } ?? [])))
                })
        }
        return .init(subjects: subjects, evidence: Array(evidence), evidenceTotal: review.evidence.total)
    }

    /// A sample as one line of what Vigil read: time, outcome, then the fields it has.
    static func sampleText(_ s: EvidenceSample) -> String {
        var parts = [s.time, s.outcome]
        if let u = s.user { parts.append("user=\(u)") }
        if let o = s.operation { parts.append("operation=\(o)") }
        if let t = s.target { parts.append("target=\(t)") }
        if let st = s.status { parts.append("status=\(st)") }
        if let a = s.attempts, a > 1 { parts.append("attempts=\(a)") }
        if let r = s.requestId { parts.append("request=\(r)") }
        return parts.joined(separator: " ")
    }

    // MARK: logins

    func logins(
        _ period: ReportPeriod, _ review: ReviewInputs, sshEvents: [(source: String, outcome: String, events: Int64, attempts: Int64)]
    ) -> SecurityReport.Logins {
        let history = review.logins
        let ssh = sshEvents.reduce(Int64(0)) { $0 + $1.events }
        let accepted = sshEvents.filter { $0.outcome == Outcome.success.name }.reduce(Int64(0)) { $0 + $1.events }
        var note: String?
        if ssh == 0 && history.rows.isEmpty {
            note = "no SSH logs in this period"
        } else if accepted > 0 && history.rows.isEmpty {
            note =
                "the period has \(accepted) successful SSH events but no login counts: its logs were analyzed before Vigil counted logins; run vigil reanalyze"
        }
        struct Key: Hashable {
            var user: String, method: String, address: String, server: String
        }
        var grouped: [Key: (logins: Int64, first: Int64, last: Int64)] = [:]
        var notItemized: Int64 = 0
        for r in history.rows {
            guard r.isItemized else { notItemized += r.logins; continue }
            let key = Key(user: r.user, method: r.method, address: r.address, server: r.server)
            let old = grouped[key] ?? (0, .max, .min)
            grouped[key] = (old.logins + r.logins, min(old.first, r.firstSeen), max(old.last, r.lastSeen))
        }
        func isFirstTime(_ k: Key) -> Bool {
            guard let first = history.firstEver[.init(user: k.user, address: k.address)] else { return false }
            return first >= period.from
        }
        let rows = grouped.sorted { a, b in
            (a.value.logins, b.key.user, b.key.address) > (b.value.logins, a.key.user, a.key.address)
        }.map { k, v in
            SecurityReport.LoginRow(
                user: maskUser(k.user), method: k.method, address: maskAddress(k.address), server: k.server, logins: v.logins,
                firstSeen: EventTime.format(v.first), lastSeen: EventTime.format(v.last), firstTimeSource: isFirstTime(k),
                root: k.user == "root")
        }
        var firstTime: [LoginHistory.Source: Int64] = [:]
        for k in grouped.keys where isFirstTime(k) {
            firstTime[.init(user: k.user, address: k.address)] = history.firstEver[.init(user: k.user, address: k.address)]
        }
        return .init(
            measured: note == nil, note: note, total: rows.reduce(0) { $0 + $1.logins } + notItemized,
            users: Set(grouped.keys.map(\.user)).count, sources: Set(grouped.keys.map(\.address)).count,
            rows: Array(rows.prefix(options.listLimit)), rowsTotal: rows.count,
            firstTimeSources: firstTime.sorted { ($0.value, $0.key.user, $0.key.address) < ($1.value, $1.key.user, $1.key.address) }.map {
                .init(user: maskUser($0.key.user), address: maskAddress($0.key.address), firstSeen: EventTime.format($0.value))
            },
            rootLogins: grouped.filter { $0.key.user == "root" }.reduce(0) { $0 + $1.value.logins }, notItemized: notItemized)
    }
}
