/// The weekly review's coverage, triage, expiry, trend and incident sections as Markdown;
/// every string from logs or the policy goes through `MarkupText.markdown`.
extension ReportMarkdown {
    static func coverageSection(_ c: SecurityReport.Coverage) -> String {
        let m = MarkupText.markdown
        var o = "## Data coverage\n\n"
        o += "Hours without data: \(m(c.gapRule)); \(c.hoursJudged) hours judged.\n\n"
        if c.sources.isEmpty {
            o += "No data: no events were counted in this period or the previous one.\n\n"
        } else {
            // A column per day up to two weeks; a longer period has its days in the JSON only.
            let perDay = c.sources[0].perDay.count <= 14
            let days = perDay ? c.sources[0].perDay.map { String($0.time.prefix(10).suffix(5)) } : []
            o += "| Source | Server | " + days.map { m($0) + " | " }.joined() + "Total | Previous | Hours with data | Status |\n"
            o += "|---|---|" + String(repeating: "---:|", count: days.count + 3) + "---|\n"
            for s in c.sources {
                o +=
                    "| \(m(s.source)) | \(m(s.server.isEmpty ? "–" : s.server)) | "
                    + (perDay ? s.perDay.map { "\($0.count) | " }.joined() : "")
                o +=
                    "\(s.events) | \(s.previousEvents) | \(s.hoursWithData)/\(c.hoursJudged) | \(s.status == "no_data" ? "no data" : s.status) |\n"
            }
            o += "\n"
            for s in c.sources where !s.gaps.isEmpty {
                let gaps = s.gaps.prefix(5).map { "\(m(ReportHTML.time($0.from))) – \(m(ReportHTML.time($0.to))) (\($0.hours) h)" }
                o += "- Hours without data, \(m(s.source)) on \(m(s.server.isEmpty ? "–" : s.server)): " + gaps.joined(separator: "; ")
                o += (s.gaps.count > 5 ? "; and \(s.gaps.count - 5) more" : "") + "\n"
            }
            if c.sources.contains(where: { !$0.gaps.isEmpty }) { o += "\n" }
            if c.sources.contains(where: { $0.status == "sparse" }) {
                o +=
                    "Sparse: events in fewer than half of the hours of this period and the previous one, so empty hours are not judged as gaps.\n\n"
            }
        }
        if let r = c.runs {
            o +=
                "Runs that read this period's events or started in it: \(r.analyzeRuns) analyze, \(r.tailRuns) tail — \(r.lines) lines read, \(r.events) events, **\(r.malformed) malformed**, \(r.ignored) ignored (neither events nor malformed).\n\n"
        } else {
            o += "Runs: no data — no analyze or tail run read events of this period or started in it.\n\n"
        }
        o +=
            c.tailStarts.isEmpty
            ? "Tail starts: none in this period.\n\n"
            : "Tail starts: \(c.tailStarts.count) (\(max(0, c.tailStarts.count - 1)) restarts): "
                + c.tailStarts.map {
                    "\(m(ReportHTML.time($0.startedAt)))\($0.stoppedAt.map { " to \(m(ReportHTML.time($0)))" } ?? ", running or stopped unrecorded")"
                }
                .joined(separator: "; ") + ".\n\n"
        if c.inputs.isEmpty {
            o += "Inputs: no data — no input had events in this or the previous period.\n\n"
        } else {
            o += "| Input | Format | Lines | Malformed | Last event | State |\n|---|---|---:|---:|---|---|\n"
            for i in c.inputs {
                o +=
                    "| \(m(i.path)) | \(m(i.format)) | \(i.lines) | \(i.malformed) | \(m(i.lastEvent.map(ReportHTML.time) ?? "none")) | \(i.silent ? "**silent**" : "ok") |\n"
            }
            o += "\n"
        }
        return o
    }

    static func trendSection(_ weeks: [SecurityReport.TrendWeek]) -> String {
        let m = MarkupText.markdown
        var o =
            "\n## Four-week trend\n\n| Period | Findings | P1 | P2 | P3 | P4 | Events | Requests | Auth failures | Rate limited |\n|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n"
        for w in weeks {
            o += "| \(m(w.label)) | \(w.findings) | \(w.p1) | \(w.p2) | \(w.p3) | \(w.p4) | "
            o += w.events == 0 ? "no data | | | |\n" : "\(w.events) | \(w.requests) | \(w.authFailures) | \(w.rateLimited) |\n"
        }
        return o
    }

    static func incidentSection(_ i: SecurityReport.Incidents) -> String {
        let m = MarkupText.markdown
        var o = "\n## Incidents\n\nSubjects with several findings that started in this period.\n\n"
        if i.subjects.isEmpty {
            o += "None: no subject had more than one finding.\n"
        } else {
            o +=
                "| Subject | Kind | Findings | Occurrences | Worst | Detectors | First seen | Last seen |\n|---|---|---:|---:|---|---|---|---|\n"
            for s in i.subjects {
                o +=
                    "| \(m(s.subject)) | \(m(s.subjectKind)) | \(s.findings) | \(s.occurrences) | \(s.worstSeverity) | \(m(s.detectors.joined(separator: ", "))) | \(m(ReportHTML.time(s.firstSeen))) | \(m(ReportHTML.time(s.lastSeen))) |\n"
            }
        }
        o += "\n### Evidence of P1 and P2 findings\n\n"
        if i.evidence.isEmpty { o += "No P1 or P2 finding started in this period.\n" }
        for f in i.evidence {
            o += "- **\(f.severity)** \(m(f.id)) \(m(f.detector))/\(m(f.rule)) about \(m(f.subject))\n"
            if f.lines.isEmpty { o += "  - no sample lines kept\n" }
            for l in f.lines { o += "  - \(m(l.at)) \(m(l.text))\n" }
        }
        if i.evidenceTotal > i.evidence.count {
            o += "\nShowing \(i.evidence.count) of \(i.evidenceTotal) P1/P2 findings; see each with `vigil show ID`.\n"
        }
        return o
    }

    static func triageSection(_ t: SecurityReport.TriageFigures) -> String {
        let m = MarkupText.markdown
        var o = "\n## Response times\n\n"
        o += t.targets.map { "\($0.severity): \($0.minutes) minutes (\(m($0.plan)))" }.joined(separator: "; ")
        o += ". Measured from first seen to the first acknowledgement or suppression, or to the end of the period while open.\n\n"
        o += "| Severity | Findings | Answered in time | Answered late | Open, overdue | Open, in time |\n|---|---:|---:|---:|---:|---:|\n"
        for c in t.bySeverity {
            o +=
                c.findings == 0
                ? "| \(c.severity) | 0 | not measured | | | |\n"
                : "| \(c.severity) | \(c.findings) | \(c.answeredInTime) | \(c.answeredLate) | \(c.openOverdue) | \(c.openInTime) |\n"
        }
        if !t.overdue.isEmpty {
            o += "\nLate or overdue:\n\n| Sev | Finding | Subject | First seen | Answered | Minutes |\n|---|---|---|---|---|---:|\n"
            for f in t.overdue {
                let answered = f.answeredAt.map { m(ReportHTML.time($0)) + (f.answeredBy.map { " by " + m($0) } ?? "") } ?? "**open**"
                o +=
                    "| \(f.severity) | \(m(f.id)) \(m(f.detector)) | \(m(f.subject)) | \(m(ReportHTML.time(f.firstSeen))) | \(answered) | \(f.minutes) |\n"
            }
            if t.overdueTotal > t.overdue.count { o += "\nShowing \(t.overdue.count) of \(t.overdueTotal).\n" }
        }
        o += "\n### Who acknowledged what\n\n"
        if t.activity.isEmpty { return o + "No acknowledgements recorded for this period's findings or in it.\n" }
        o +=
            t.reviewers.map { "\(m($0.by)): \($0.acknowledged) acknowledged, \($0.unacknowledged) withdrawn" }.joined(separator: "; ")
            + ".\n\n"
        o += "| When | Who | Action | Finding | Subject | Note |\n|---|---|---|---|---|---|\n"
        for a in t.activity {
            o +=
                "| \(m(ReportHTML.time(a.at))) | \(m(a.by)) | \(m(a.action)) | \(a.severity.map { "\($0) " } ?? "")\(m(a.findingId)) | \(m(a.subject ?? "(pruned)")) | \(m(a.note ?? "")) |\n"
        }
        return o
    }

    static func expiringSection(_ list: [SecurityReport.Expiring]) -> String {
        let m = MarkupText.markdown
        var o = "\n## Expiring soon\n\nAllowlists, allowlist entries and suppressions ending in the period or in the 14 days after it.\n\n"
        if list.isEmpty { return o + "Nothing expires in the next 14 days.\n" }
        o += "| Kind | Name | Value | Expires | Days left | Owner | Note | Where |\n|---|---|---|---|---:|---|---|---|\n"
        for e in list {
            o +=
                "| \(m(e.kind.replacingOccurrences(of: "_", with: " "))) | \(m(e.name)) | \(m(e.value ?? "–")) | \(m(ReportHTML.time(e.expires))) | \(e.daysLeft < 0 ? "expired" : String(e.daysLeft)) | \(m(e.owner ?? "")) | \(m(e.note ?? "")) | \(m(e.location ?? "")) |\n"
        }
        return o
    }
}

extension ReportMarkdown {
    static func loginSection(_ l: SecurityReport.Logins) -> String {
        let m = MarkupText.markdown
        var o = "\n## Successful logins\n\n"
        if let note = l.note {
            o += "\(l.measured ? "" : "Not measured: ")\(m(note)).\n"
            if !l.measured { return o }
            o += "\n"
        }
        o +=
            "\(l.total) SSH logins by \(l.users) users from \(l.sources) addresses; **\(l.rootLogins) as root**; \(l.firstTimeSources.count) first-time sources"
        o += (l.notItemized > 0 ? "; \(l.notItemized) not itemized (over the per-checkpoint bound)" : "") + ".\n\n"
        if !l.firstTimeSources.isEmpty {
            for s in l.firstTimeSources {
                o += "- First-time source: \(m(s.user)) from \(m(s.address)), first at \(m(ReportHTML.time(s.firstSeen)))\n"
            }
            o += "\n"
        }
        if l.rows.isEmpty { return o + "No successful login in this period.\n" }
        o += "| User | Method | Source | Server | Logins | First seen | Last seen | Note |\n|---|---|---|---|---:|---|---|---|\n"
        for r in l.rows {
            let flags = [r.root ? "**root**" : "", r.firstTimeSource ? "new source" : ""].filter { !$0.isEmpty }.joined(separator: ", ")
            o +=
                "| \(m(r.user)) | \(m(r.method)) | \(m(r.address)) | \(m(r.server.isEmpty ? "–" : r.server)) | \(r.logins) | \(m(ReportHTML.time(r.firstSeen))) | \(m(ReportHTML.time(r.lastSeen))) | \(flags) |\n"
        }
        if l.rowsTotal > l.rows.count { o += "\nShowing \(l.rows.count) of \(l.rowsTotal) rows.\n" }
        return o
    }
}
