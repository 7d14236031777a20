/// The weekly review's coverage, triage, expiry, trend and incident sections as HTML. Every
/// string from logs or the policy is escaped; an empty section says "no data" in words.
extension ReportHTML {
    static func statusBadge(_ status: String) -> String {
        switch status {
        case "ok": "<span class=\"badge pass\">ok</span>"
        case "gaps": "<span class=\"badge fail\">gaps</span>"
        case "no_data": "<span class=\"badge na\">no data</span>"
        default: "<span class=\"badge na\">\(MarkupText.html(status))</span>"
        }
    }

    static func coverageSection(_ c: SecurityReport.Coverage) -> String {
        let h = MarkupText.html
        var o = "<section id=\"coverage\"><h2>Data coverage</h2>\n"
        o +=
            "<p class=\"sub\">What the verdicts below rest on: events per source and server, per day and in all; hours with data of the \(c.hoursJudged) judged; hours without data (\(h(c.gapRule))), the runs that read them.</p>\n"
        // A column per day up to two weeks; a longer period has its days in the JSON only.
        let perDay = c.sources.first.map { $0.perDay.count <= 14 } ?? false
        let days = perDay ? c.sources.first?.perDay.map { String($0.time.prefix(10).suffix(5)) } ?? [] : []
        o += "<div class=\"scroll\"><table class=\"coverage\"><thead><tr><th>Source</th><th>Server</th>"
        for d in days { o += "<th class=\"num\">\(h(d))</th>" }
        o +=
            "<th class=\"num\">Total</th><th class=\"num\">Previous</th><th class=\"num\">Hours</th><th>Status</th></tr></thead><tbody>\n"
        if c.sources.isEmpty {
            o +=
                "<tr><td colspan=\"\(days.count + 6)\" class=\"empty\">No data: no events were counted in this period or the previous one.</td></tr>\n"
        }
        for s in c.sources {
            o += "<tr><td><code>\(h(s.source))</code></td><td>\(h(s.server.isEmpty ? "–" : s.server))</td>"
            if perDay { for d in s.perDay { o += "<td class=\"num\">\(NumberText.grouped(d.count))</td>" } }
            o +=
                "<td class=\"num\">\(NumberText.grouped(s.events))</td><td class=\"num\">\(NumberText.grouped(s.previousEvents))</td><td class=\"num\">\(s.hoursWithData)/\(c.hoursJudged)</td><td>\(statusBadge(s.status))</td></tr>\n"
        }
        o += "</tbody></table></div>\n"
        let gapped = c.sources.filter { !$0.gaps.isEmpty }
        if !gapped.isEmpty {
            o += "<h3>Hours without data</h3>\n<ul class=\"lines\">"
            for s in gapped {
                let gaps = s.gaps.prefix(5).map { "\(h(time($0.from))) – \(h(time($0.to))) (\($0.hours) h)" }.joined(separator: "; ")
                let more = s.gaps.count > 5 ? "; and \(s.gaps.count - 5) more" : ""
                o += "<li><code>\(h(s.source))</code> on \(h(s.server.isEmpty ? "–" : s.server)): \(gaps)\(more)</li>"
            }
            o += "</ul>\n"
        }
        if c.sources.contains(where: { $0.status == "sparse" }) {
            o +=
                "<p class=\"sub\">Sparse: events in fewer than half of the hours of this period and the previous one, so empty hours are not judged as gaps.</p>\n"
        }
        if let r = c.runs {
            o +=
                "<p>Runs that read this period's events or started in it: \(r.analyzeRuns) <code>analyze</code>, \(r.tailRuns) <code>tail</code> — \(NumberText.grouped(r.lines)) lines read, \(NumberText.grouped(r.events)) events, <strong>\(NumberText.grouped(r.malformed)) malformed</strong>, \(NumberText.grouped(r.ignored)) ignored (neither events nor malformed: blank or out of scope).</p>\n"
        } else {
            o +=
                "<p class=\"sub\">Runs: no data — no <code>analyze</code> or <code>tail</code> run read events of this period or started in it.</p>\n"
        }
        if c.tailStarts.isEmpty {
            o += "<p class=\"sub\">Tail starts: none in this period.</p>\n"
        } else {
            o += "<p>Tail starts: \(c.tailStarts.count) (\(max(0, c.tailStarts.count - 1)) restarts) — "
            o += c.tailStarts.map {
                "\(h(time($0.startedAt)))\($0.stoppedAt.map { " to \(h(time($0)))" } ?? ", running or stopped unrecorded")"
            }
            .joined(separator: "; ")
            o += ".</p>\n"
        }
        o +=
            "<h3>Inputs</h3>\n<table><thead><tr><th>Input</th><th>Format</th><th class=\"num\">Lines</th><th class=\"num\">Malformed</th><th>Last event</th><th>State</th></tr></thead><tbody>\n"
        if c.inputs.isEmpty {
            o += "<tr><td colspan=\"6\" class=\"empty\">No data: no input had events in this or the previous period.</td></tr>\n"
        }
        for i in c.inputs {
            o +=
                "<tr><td><code>\(h(i.path))</code></td><td class=\"nowrap\">\(h(i.format))</td><td class=\"num\">\(NumberText.grouped(i.lines))</td><td class=\"num\">\(NumberText.grouped(i.malformed))</td><td>\(h(i.lastEvent.map(time) ?? "none"))</td><td>\(i.silent ? "<span class=\"badge fail\">silent</span>" : "<span class=\"badge pass\">ok</span>")</td></tr>\n"
        }
        o += "</tbody></table>\n</section>\n"
        return o
    }

    static func trendSection(_ weeks: [SecurityReport.TrendWeek]) -> String {
        let h = MarkupText.html
        var o = "<section id=\"trend\"><h2>Four-week trend</h2>\n"
        o +=
            "<table><thead><tr><th>Period</th><th class=\"num\">Findings</th><th class=\"num\">P1</th><th class=\"num\">P2</th><th class=\"num\">P3</th><th class=\"num\">P4</th><th class=\"num\">Events</th><th class=\"num\">Requests</th><th class=\"num\">Auth failures</th><th class=\"num\">Rate limited</th></tr></thead><tbody>\n"
        for w in weeks {
            o +=
                "<tr><td>\(h(w.label))</td><td class=\"num\">\(w.findings)</td><td class=\"num\">\(w.p1)</td><td class=\"num\">\(w.p2)</td>"
            o += "<td class=\"num\">\(w.p3)</td><td class=\"num\">\(w.p4)</td>"
            if w.events == 0 {
                o += "<td colspan=\"4\" class=\"empty\">no data: no events counted</td></tr>\n"
            } else {
                o +=
                    "<td class=\"num\">\(NumberText.grouped(w.events))</td><td class=\"num\">\(NumberText.grouped(w.requests))</td><td class=\"num\">\(NumberText.grouped(w.authFailures))</td><td class=\"num\">\(NumberText.grouped(w.rateLimited))</td></tr>\n"
            }
        }
        return o + "</tbody></table></section>\n"
    }

    static func incidentSection(_ i: SecurityReport.Incidents) -> String {
        let h = MarkupText.html
        var o =
            "<section id=\"incidents\"><h2>Incidents</h2>\n<p class=\"sub\">Subjects with several findings that started in this period.</p>\n"
        o +=
            "<table><thead><tr><th>Subject</th><th>Kind</th><th class=\"num\">Findings</th><th class=\"num\">Occurrences</th><th>Worst</th><th>Detectors</th><th>First seen</th><th>Last seen</th></tr></thead><tbody>\n"
        if i.subjects.isEmpty { o += "<tr><td colspan=\"8\" class=\"empty\">None: no subject had more than one finding.</td></tr>\n" }
        for s in i.subjects {
            o +=
                "<tr><td><code>\(h(s.subject))</code></td><td>\(h(s.subjectKind))</td><td class=\"num\">\(s.findings)</td><td class=\"num\">\(s.occurrences)</td>"
            o += "<td>\(sevBadge(s.worstSeverity))</td><td>\(s.detectors.map { "<code>\(h($0))</code>" }.joined(separator: " "))</td>"
            o += "<td>\(h(time(s.firstSeen)))</td><td>\(h(time(s.lastSeen)))</td></tr>\n"
        }
        o += "</tbody></table>\n<h3>Evidence of P1 and P2 findings</h3>\n"
        if i.evidence.isEmpty { o += "<p class=\"sub\">No P1 or P2 finding started in this period.</p>\n" }
        for f in i.evidence {
            o +=
                "<div class=\"evidence\"><p>\(sevBadge(f.severity)) <code>\(h(f.id))</code> <small>\(h(f.detector))/\(h(f.rule))</small> about <code>\(h(f.subject))</code></p>\n"
            if f.lines.isEmpty { o += "<p class=\"sub\">No sample lines kept.</p>\n" }
            o += "<ul class=\"lines\">"
            for l in f.lines { o += "<li><code>\(h(l.at))</code> \(h(l.text))</li>" }
            o += "</ul></div>\n"
        }
        if i.evidenceTotal > i.evidence.count {
            o +=
                "<p class=\"sub\">Showing \(i.evidence.count) of \(i.evidenceTotal) P1/P2 findings; see each with <code>vigil show ID</code>.</p>\n"
        }
        return o + "</section>\n"
    }

    static func sevBadge(_ s: Severity) -> String {
        "<span class=\"sev sev-\(s.description.lowercased())\">\(s)</span>"
    }

    static func triageSection(_ t: SecurityReport.TriageFigures) -> String {
        let h = MarkupText.html
        var o = "<section id=\"response\"><h2>Response times</h2>\n<p class=\"sub\">"
        o += t.targets.map { "\($0.severity): \($0.minutes) minutes (\(h($0.plan)))" }.joined(separator: " · ")
        o += ". Measured from first seen to the first acknowledgement or suppression, or to the end of the period while open.</p>\n"
        o +=
            "<table><thead><tr><th>Severity</th><th class=\"num\">Findings</th><th class=\"num\">Answered in time</th><th class=\"num\">Answered late</th><th class=\"num\">Open, overdue</th><th class=\"num\">Open, in time</th></tr></thead><tbody>\n"
        for c in t.bySeverity {
            o += "<tr><td>\(sevBadge(c.severity))</td>"
            o +=
                c.findings == 0
                ? "<td class=\"num\">0</td><td colspan=\"4\" class=\"empty\">not measured: no \(c.severity) finding started in this period</td></tr>\n"
                : "<td class=\"num\">\(c.findings)</td><td class=\"num\">\(c.answeredInTime)</td><td class=\"num\">\(c.answeredLate)</td><td class=\"num\">\(c.openOverdue)</td><td class=\"num\">\(c.openInTime)</td></tr>\n"
        }
        o += "</tbody></table>\n"
        if !t.overdue.isEmpty {
            o +=
                "<h3>Late or overdue</h3>\n<table><thead><tr><th>Sev</th><th>Finding</th><th>Subject</th><th>First seen</th><th>Answered</th><th class=\"num\">Minutes</th></tr></thead><tbody>\n"
            for f in t.overdue {
                o +=
                    "<tr><td>\(sevBadge(f.severity))</td><td><code>\(h(f.id))</code><br><small>\(h(f.detector))</small></td><td><code>\(h(f.subject))</code></td>"
                o +=
                    "<td>\(h(time(f.firstSeen)))</td><td>\(f.answeredAt.map { h(time($0)) + (f.answeredBy.map { " by " + h($0) } ?? "") } ?? "<strong>open</strong>")</td>"
                o += "<td class=\"num\">\(NumberText.grouped(f.minutes))</td></tr>\n"
            }
            o += "</tbody></table>\n"
            if t.overdueTotal > t.overdue.count { o += "<p class=\"sub\">Showing \(t.overdue.count) of \(t.overdueTotal).</p>\n" }
        }
        o += "<h3>Who acknowledged what</h3>\n"
        if t.activity.isEmpty {
            o += "<p class=\"sub\">No acknowledgements recorded for this period's findings or in it.</p>\n"
        } else {
            o +=
                "<p>"
                + t.reviewers.map { "\(h($0.by)): \($0.acknowledged) acknowledged, \($0.unacknowledged) withdrawn" }.joined(
                    separator: " · ") + "</p>\n"
            o +=
                "<table><thead><tr><th>When</th><th>Who</th><th>Action</th><th>Finding</th><th>Subject</th><th>Note</th></tr></thead><tbody>\n"
            for a in t.activity {
                o += "<tr><td>\(h(time(a.at)))</td><td class=\"nowrap\">\(h(a.by))</td><td>\(h(a.action))</td>"
                o +=
                    "<td>\(a.severity.map { sevBadge($0) + " " } ?? "")<code>\(h(a.findingId))</code></td><td><code>\(h(a.subject ?? "(pruned)"))</code></td><td>\(h(a.note ?? ""))</td></tr>\n"
            }
            o += "</tbody></table>\n"
        }
        return o + "</section>\n"
    }

    static func expiringSection(_ list: [SecurityReport.Expiring]) -> String {
        let h = MarkupText.html
        var o =
            "<section id=\"expiring\"><h2>Expiring soon</h2>\n<p class=\"sub\">Allowlists, allowlist entries and suppressions ending in the period or in the 14 days after it.</p>\n"
        o +=
            "<table><thead><tr><th>Kind</th><th>Name</th><th>Value</th><th>Expires</th><th class=\"num\">Days left</th><th>Owner</th><th>Note</th><th>Where</th></tr></thead><tbody>\n"
        if list.isEmpty { o += "<tr><td colspan=\"8\" class=\"empty\">Nothing expires in the next 14 days.</td></tr>\n" }
        for e in list {
            o +=
                "<tr><td>\(h(e.kind.replacingOccurrences(of: "_", with: " ")))</td><td>\(h(e.name))</td><td><code>\(h(e.value ?? "–"))</code></td>"
            o += "<td>\(h(time(e.expires)))</td><td class=\"num\">\(e.daysLeft < 0 ? "expired" : String(e.daysLeft))</td>"
            o += "<td>\(h(e.owner ?? ""))</td><td>\(h(e.note ?? ""))</td><td class=\"detail\">\(h(e.location ?? ""))</td></tr>\n"
        }
        return o + "</tbody></table></section>\n"
    }
}

extension ReportHTML {
    static func loginSection(_ l: SecurityReport.Logins) -> String {
        let h = MarkupText.html
        var o = "<section id=\"logins\"><h2>Successful logins</h2>\n"
        if let note = l.note {
            o += "<p class=\"sub\">\(l.measured ? "" : "Not measured: ")\(h(note)).</p>\n"
            if !l.measured { return o + "</section>\n" }
        }
        o +=
            "<p>\(NumberText.grouped(l.total)) SSH logins by \(l.users) users from \(l.sources) addresses · <strong>\(NumberText.grouped(l.rootLogins)) as root</strong> · \(l.firstTimeSources.count) first-time sources\(l.notItemized > 0 ? " · \(NumberText.grouped(l.notItemized)) not itemized (over the per-checkpoint bound)" : "").</p>\n"
        if !l.firstTimeSources.isEmpty {
            o += "<h3>First-time sources</h3>\n<ul class=\"lines\">"
            for s in l.firstTimeSources {
                o += "<li><code>\(h(s.user))</code> from <code>\(h(s.address))</code>, first at \(h(time(s.firstSeen)))</li>"
            }
            o += "</ul>\n"
        }
        o +=
            "<div class=\"scroll\"><table class=\"compact\"><thead><tr><th>User</th><th>Method</th><th>Source</th><th>Server</th><th class=\"num\">Logins</th><th>First seen</th><th>Last seen</th><th>Note</th></tr></thead><tbody>\n"
        if l.rows.isEmpty { o += "<tr><td colspan=\"8\" class=\"empty\">No successful login in this period.</td></tr>\n" }
        for r in l.rows {
            let flags = [
                r.root ? "<span class=\"badge fail\">root</span>" : "",
                r.firstTimeSource ? "<span class=\"badge na\">new source</span>" : "",
            ]
            .filter { !$0.isEmpty }.joined(separator: " ")
            o +=
                "<tr><td><code>\(h(r.user))</code></td><td>\(h(r.method))</td><td><code>\(h(r.address))</code></td><td>\(h(r.server.isEmpty ? "–" : r.server))</td>"
            o +=
                "<td class=\"num\">\(NumberText.grouped(r.logins))</td><td>\(h(time(r.firstSeen)))</td><td>\(h(time(r.lastSeen)))</td><td>\(flags)</td></tr>\n"
        }
        o += "</tbody></table></div>\n"
        if l.rowsTotal > l.rows.count {
            o += "<p class=\"sub\">Showing \(l.rows.count) of \(l.rowsTotal) rows (JSON has the same cut).</p>\n"
        }
        return o + "</section>\n"
    }
}
