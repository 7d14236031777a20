/// The weekly report as GitHub-flavoured Markdown, for a wiki page or a pull request.
/// Charts become small tables; every string from logs is escaped (no links, HTML or
/// emphasis can be smuggled in through a user name or a path).
enum ReportMarkdown {
    static func render(_ r: SecurityReport) -> String {
        let m = MarkupText.markdown
        var o = "# \(m(r.title)) \(m(r.period.label))\n\n"
        o +=
            "\(m(String(r.period.from > 0 ? ReportHTML.day(r.period.from) : ""))) to \(m(ReportHTML.day(r.period.to - 1))) (UTC), compared with \(m(r.previousPeriod.label)). "
        o += "Generated \(m(ReportHTML.time(r.generatedAt))) UTC by Vigil."
        if r.masked {
            o += " Client addresses masked to /24 and /48, user ids replaced by keyed pseudonyms"
            o += r.pseudonymKey == "one-off" ? " (one-off key: they do not match other reports)." : "."
        }
        if let judgedWith = r.judgedWith { o += " Thresholds judged with \(m(judgedWith))." }
        o += "\n\n"
        for n in r.notes { o += "> \(m(n))\n\n" }

        o += "## Summary\n\n| | This period | Previous | Change |\n|---|---:|---:|---:|\n"
        o +=
            "| Findings | \(r.summary.findings) | \(r.summary.previousFindings) | \(arrow(r.summary.findings, r.summary.previousFindings)) |\n"
        for s in r.summary.bySeverity {
            o += "| \(s.severity) \(ReportHTML.severityName(s.severity)) | \(s.count) | \(s.previous) | \(arrow(s.count, s.previous)) |\n"
        }
        o += "\nSubjects: \(r.summary.newSubjects) new, \(r.summary.recurringSubjects) recurring. "
        o += "Events analyzed: \(NumberText.grouped(r.summary.events)) (\(NumberText.grouped(r.summary.requests)) requests).\n\n"

        o += coverageSection(r.coverage)
        o += "## Security thresholds\n\n| Metric | Target | This period | Status | Detail |\n|---|---|---:|---|---|\n"
        for c in r.compliance {
            let status = c.status == .pass ? "✅ pass" : c.status == .fail ? "❌ **fail**" : "➖ not measured"
            o += "| \(m(c.metric)) | \(m(c.target)) | \(m(c.measured)) | \(status) | \(m(c.detail)) |\n"
        }

        o += "\n## Findings by detector\n\n| Detector | This period | Previous | Change |\n|---|---:|---:|---:|\n"
        if r.summary.byDetector.isEmpty { o += "| _none_ | 0 | 0 | = 0 |\n" }
        for d in r.summary.byDetector {
            o += "| `\(d.detector.filter { $0 != "`" })` | \(d.count) | \(d.previous) | \(arrow(d.count, d.previous)) |\n"
        }

        o += trendSection(r.trend)
        o += "\n## Findings per day\n\n| Day | P1 | P2 | P3 | P4 | Total |\n|---|---:|---:|---:|---:|---:|\n"
        for d in r.findingsPerDay { o += "| \(m(d.day)) | \(d.p1) | \(d.p2) | \(d.p3) | \(d.p4) | \(d.total) |\n" }

        o += incidentSection(r.incidents)
        o += loginSection(r.logins)
        o +=
            "\n## Top offending addresses\n\n| Address | Country | Network | Findings | Occurrences | Worst | Detectors |\n|---|---|---|---:|---:|---|---|\n"
        if r.topAddresses.isEmpty { o += "| _none_ | | | | | | |\n" }
        for x in r.topAddresses {
            o +=
                "| \(m(x.subject)) | \(m(x.country ?? "")) | \(m([x.asn, x.asOrganization].compactMap { $0 }.joined(separator: " "))) | \(x.findings) | \(x.occurrences) | \(x.worstSeverity) | \(m(x.detectors.joined(separator: ", "))) |\n"
        }
        o += "\n## Top API keys in findings\n\n| Key | Findings | Occurrences | Worst | Detectors |\n|---|---:|---:|---|---|\n"
        if r.topKeys.isEmpty { o += "| _none_ | | | | |\n" }
        for x in r.topKeys {
            o += "| \(m(x.subject)) | \(x.findings) | \(x.occurrences) | \(x.worstSeverity) | \(m(x.detectors.joined(separator: ", "))) |\n"
        }

        for k in r.keyBaselines {
            o +=
                "\nRequests per hour of \(m(k.key)) against its baseline (last hours before its latest volume anomaly):\n\n| Hour | Observed | Expected |\n|---|---:|---:|\n"
            for i in k.hours.indices.suffix(6) where i < k.observed.count && i < k.expected.count {
                o += "| \(m(ReportHTML.time(k.hours[i]))) | \(k.observed[i]) | \(String(format: "%.1f", k.expected[i])) |\n"
            }
        }
        o += "\n## New countries and networks\n\n"
        if r.newPlaces.isEmpty {
            o += "None.\n"
        } else {
            o += "| Kind | Value | First seen | Findings |\n|---|---|---|---:|\n"
            for p in r.newPlaces { o += "| \(m(p.kind)) | \(m(p.value)) | \(m(ReportHTML.time(p.firstSeen))) | \(p.findings) |\n" }
        }

        o += "\n## Open findings\n\nBy age: " + r.openByAge.map { "\(m($0.label)) **\($0.count)**" }.joined(separator: ", ") + ".\n\n"
        o += table(r.open, notes: false)
        o += triageSection(r.triageFigures)
        o += "\n## Acknowledged this period\n\n" + table(r.acknowledged, notes: true)
        o += "\n## Suppressed this period\n\n" + table(r.suppressed, notes: true)
        if !r.suppressions.isEmpty {
            o += "\nSuppressions in force:\n\n| # | Detector | Subject | Until | Note |\n|---:|---|---|---|---|\n"
            for s in r.suppressions {
                o += "| \(s.id) | \(m(s.detector)) | \(m(s.subject)) | \(m(ReportHTML.day(s.until - 1))) | \(m(s.note)) |\n"
            }
        }
        o += expiringSection(r.expiringSoon)
        return o
    }

    static func table(_ list: SecurityReport.FindingList, notes: Bool) -> String {
        let m = MarkupText.markdown
        if list.rows.isEmpty { return "None.\n" }
        var o = "| Sev | Finding | Subject | First seen | Age | Count | What happened |" + (notes ? " Note |" : "") + "\n"
        o += "|---|---|---|---|---:|---:|---|" + (notes ? "---|" : "") + "\n"
        for f in list.rows {
            o +=
                "| \(f.severity) | \(m(f.id)) \(m(f.detector))/\(m(f.rule)) | \(m(f.subject)) | \(m(ReportHTML.time(f.firstSeen))) | \(f.ageDays) d | \(f.count) | \(m(f.message)) |"
            if notes { o += " \(m(f.note ?? "")) |" }
            o += "\n"
        }
        if list.total > list.rows.count { o += "\nShowing \(list.rows.count) of \(list.total); list them all with `vigil findings`.\n" }
        return o
    }

    static func arrow(_ now: Int, _ before: Int) -> String {
        now > before ? "▲ +\(now - before)" : now < before ? "▼ −\(before - now)" : "= 0"
    }
}
