/// The weekly report as one self-contained HTML file: inline CSS and SVG, no scripts, no
/// external assets, laid out for screen and print. Every string from logs is escaped.
enum ReportHTML {
    static let severityColor: [Severity: String] = [.p1: "#8c1d18", .p2: "#d3541f", .p3: "#e8a33d", .p4: "#8aa1b4"]

    static func render(_ r: SecurityReport) -> String {
        let h = MarkupText.html
        var o = """
            <!DOCTYPE html>
            <html lang="en">
            <head>
            <meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
            <title>\(h(r.title)) \(h(r.period.label))</title>
            <style>
            \(css)
            </style>
            </head>
            <body>
            <header>
            <h1>\(h(r.title)) <span class="period">\(h(r.period.label))</span></h1>
            <p class="meta">\(h(day(r.period.from))) to \(h(day(r.period.to - 1))) (UTC) · compared with \(h(r.previousPeriod.label)) · generated \(h(String(r.generatedAt.prefix(16)).replacingOccurrences(of: "T", with: " "))) UTC by Vigil\(r.masked ? " · client addresses masked to /24 and /48, user ids replaced by keyed pseudonyms" + (r.pseudonymKey == "one-off" ? " (one-off key: they do not match other reports)" : "") : "")\(r.judgedWith.map { " · thresholds judged with \(h($0))" } ?? "")</p>
            </header>

            """
        // Summary cards.
        o += "<section class=\"cards\">\n"
        o += card("Findings", r.summary.findings, r.summary.previousFindings, cls: "total")
        for s in r.summary.bySeverity {
            o += card(
                s.severity.description + " " + severityName(s.severity), s.count, s.previous,
                cls: "card-\(s.severity.description.lowercased())")
        }
        o +=
            "<div class=\"card\"><div class=\"label\">Subjects</div><div class=\"value\">\(r.summary.newSubjects + r.summary.recurringSubjects)</div>"
        o += "<div class=\"delta\">\(r.summary.newSubjects) new · \(r.summary.recurringSubjects) recurring</div></div>\n"
        o +=
            "<div class=\"card\"><div class=\"label\">Events analyzed</div><div class=\"value\">\(NumberText.grouped(r.summary.events))</div>"
        o += "<div class=\"delta\">\(NumberText.grouped(r.summary.requests)) requests</div></div>\n"
        o += "</section>\n"

        for n in r.notes { o += "<p class=\"note\">\(h(n))</p>\n" }
        o += coverageSection(r.coverage)

        // Threshold compliance.
        o +=
            "<section><h2>Security thresholds</h2>\n<p class=\"sub\">Targets from the platform's monitoring plan (§1.4), measured from the events Vigil counted this period.</p>\n"
        o +=
            "<table class=\"compliance\"><thead><tr><th>Metric</th><th>Target</th><th>This period</th><th>Status</th><th>Detail</th></tr></thead><tbody>\n"
        for c in r.compliance {
            let badge =
                c.status == .pass
                ? "<span class=\"badge pass\">pass</span>"
                : c.status == .fail ? "<span class=\"badge fail\">fail</span>" : "<span class=\"badge na\">not measured</span>"
            o +=
                "<tr><td>\(h(c.metric))</td><td>\(h(c.target))</td><td class=\"num\">\(h(c.measured))</td><td>\(badge)</td><td class=\"detail\">\(h(c.detail))</td></tr>\n"
        }
        o += "</tbody></table></section>\n"

        // Findings by detector.
        o +=
            "<section><h2>Findings by detector</h2>\n<table><thead><tr><th>Detector</th><th class=\"num\">This period</th><th class=\"num\">Previous</th><th class=\"num\">Change</th></tr></thead><tbody>\n"
        if r.summary.byDetector.isEmpty { o += "<tr><td colspan=\"4\" class=\"empty\">No findings in either period.</td></tr>\n" }
        for d in r.summary.byDetector {
            o +=
                "<tr><td><code>\(h(d.detector))</code></td><td class=\"num\">\(d.count)</td><td class=\"num\">\(d.previous)</td><td class=\"num\">\(arrow(d.count, d.previous))</td></tr>\n"
        }
        o += "</tbody></table></section>\n"

        o += trendSection(r.trend)

        // Charts.
        o += "<section class=\"charts\"><h2>Activity</h2>\n"
        o += "<figure><figcaption>Findings per day by severity</figcaption>\n"
        o += SVGChart.bars(
            Severity.allCases.map { s in
                SVGChart.Series(
                    name: s.description, color: severityColor[s]!,
                    values: r.findingsPerDay.map { Double(s == .p1 ? $0.p1 : s == .p2 ? $0.p2 : s == .p3 ? $0.p3 : $0.p4) })
            }, labels: r.findingsPerDay.map { String($0.day.suffix(5)) }, title: "Findings per day by severity")
        o += "</figure>\n"
        o += "<figure><figcaption>Authentication failures per hour</figcaption>\n"
        o += SVGChart.bars(
            [SVGChart.Series(name: "failures", color: "#5b6b7a", values: r.authFailuresPerHour.map { Double($0.count) })],
            labels: r.authFailuresPerHour.map { hourLabel($0.time) }, title: "Authentication failures per hour", maxLabels: 7)
        o += "</figure>\n"
        o += "<figure><figcaption>Requests answered 429 (rate limited) per day — target under 10</figcaption>\n"
        o += SVGChart.bars(
            [SVGChart.Series(name: "429", color: "#7a5b9a", values: r.rateLimitedPerDay.map { Double($0.count) })],
            labels: r.rateLimitedPerDay.map { String($0.time.prefix(10).suffix(5)) }, title: "Rate-limited requests per day", height: 160)
        o += "</figure>\n</section>\n"

        o += incidentSection(r.incidents)
        o += loginSection(r.logins)

        // Top offenders.
        o += "<section><h2>Top offending addresses</h2>\n"
        o += SVGChart.horizontal(
            r.topAddresses.map { ($0.subject + ($0.country.map { " (\($0))" } ?? ""), Double($0.occurrences)) },
            title: "Top offending addresses by occurrences")
        o += offenderTable(r.topAddresses, geo: true)
        o += "</section>\n"
        o += "<section><h2>Top API keys in findings</h2>\n"
        o += "<p class=\"sub\">Keys behind unauthorized, over-limit or anomalous requests.</p>\n"
        o += offenderTable(r.topKeys, geo: false)
        for k in r.keyBaselines {
            o += "<figure><figcaption>Requests per hour of <code>\(h(k.key))</code> against its baseline</figcaption>\n"
            o += SVGChart.barsWithLine(
                observed: k.observed.map(Double.init), expected: k.expected,
                labels: k.hours.map { String($0.dropFirst(11).prefix(5)) }, title: "Requests per hour of \(k.key) against its baseline")
            o += "</figure>\n"
        }
        o += "</section>\n"

        o +=
            "<section><h2>New countries and networks</h2>\n<p class=\"sub\">Countries and AS numbers of finding subjects never seen in earlier findings.</p>\n"
        o += "<table><thead><tr><th>Kind</th><th>Value</th><th>First seen</th><th class=\"num\">Findings</th></tr></thead><tbody>\n"
        if r.newPlaces.isEmpty { o += "<tr><td colspan=\"4\" class=\"empty\">None.</td></tr>\n" }
        for p in r.newPlaces {
            o +=
                "<tr><td>\(h(p.kind))</td><td>\(h(p.value))</td><td>\(h(time(p.firstSeen)))</td><td class=\"num\">\(p.findings)</td></tr>\n"
        }
        o += "</tbody></table></section>\n"

        // Triage.
        o += "<section><h2>Open findings</h2>\n<p class=\"sub\">Not acknowledged and not suppressed, by age at the end of the period: "
        o += r.openByAge.map { "\(h($0.label)): <strong>\($0.count)</strong>" }.joined(separator: " · ") + "</p>\n"
        o += findingTable(r.open, empty: "Nothing open.")
        o += "</section>\n"
        o += triageSection(r.triageFigures)
        o += "<section><h2>Acknowledged this period</h2>\n" + findingTable(r.acknowledged, empty: "None.", notes: true) + "</section>\n"
        o += "<section><h2>Suppressed this period</h2>\n" + findingTable(r.suppressed, empty: "None.", notes: true)
        if !r.suppressions.isEmpty {
            o +=
                "<h3>Suppressions in force</h3>\n<table><thead><tr><th>#</th><th>Detector</th><th>Subject</th><th>Until</th><th>Note</th></tr></thead><tbody>\n"
            for s in r.suppressions {
                o +=
                    "<tr><td>\(s.id)</td><td><code>\(h(s.detector))</code></td><td>\(h(s.subject))</td><td>\(h(day(s.until - 1)))</td><td>\(h(s.note))</td></tr>\n"
            }
            o += "</tbody></table>\n"
        }
        o += "</section>\n"
        o += expiringSection(r.expiringSoon)
        o +=
            "<footer>Vigil \(h(Vigil.version)) · counts are episodes of findings (one per subject, rule and cooldown) unless stated · times UTC</footer>\n"
        o += "</body>\n</html>\n"
        return o
    }

    static func card(_ label: String, _ value: Int, _ previous: Int, cls: String) -> String {
        "<div class=\"card \(cls)\"><div class=\"label\">\(MarkupText.html(label))</div><div class=\"value\">\(value)</div><div class=\"delta\">\(arrow(value, previous)) vs \(previous)</div></div>\n"
    }

    /// `▲ +3`, `▼ −2` or `= 0`; more findings is worse, so up is marked.
    static func arrow(_ now: Int, _ before: Int) -> String {
        if now > before { return "<span class=\"up\">▲ +\(now - before)</span>" }
        if now < before { return "<span class=\"down\">▼ −\(before - now)</span>" }
        return "<span class=\"same\">= 0</span>"
    }

    static func severityName(_ s: Severity) -> String {
        switch s {
        case .p1: "critical";
        case .p2: "high";
        case .p3: "medium";
        case .p4: "low"
        }
    }

    static func offenderTable(_ list: [SecurityReport.Offender], geo: Bool) -> String {
        let h = MarkupText.html
        var o = "<table><thead><tr><th>Subject</th>" + (geo ? "<th>Country</th><th>Network</th>" : "")
        o += "<th class=\"num\">Findings</th><th class=\"num\">Occurrences</th><th>Worst</th><th>Detectors</th></tr></thead><tbody>\n"
        if list.isEmpty { o += "<tr><td colspan=\"\(geo ? 7 : 5)\" class=\"empty\">None.</td></tr>\n" }
        for x in list {
            o += "<tr><td><code>\(h(x.subject))</code></td>"
            if geo {
                o += "<td>\(h(x.country ?? "–"))</td><td>\(h([x.asn, x.asOrganization].compactMap { $0 }.joined(separator: " ")))</td>"
            }
            o +=
                "<td class=\"num\">\(x.findings)</td><td class=\"num\">\(x.occurrences)</td><td><span class=\"sev sev-\(x.worstSeverity.description.lowercased())\">\(x.worstSeverity)</span></td>"
            o += "<td>\(x.detectors.map { "<code>\(h($0))</code>" }.joined(separator: " "))</td></tr>\n"
        }
        return o + "</tbody></table>\n"
    }

    static func findingTable(_ list: SecurityReport.FindingList, empty: String, notes: Bool = false) -> String {
        let h = MarkupText.html
        var o =
            "<table class=\"findings\"><thead><tr><th>Sev</th><th>Finding</th><th>Subject</th><th>First seen</th><th class=\"num\">Age</th><th class=\"num\">Count</th><th>What happened</th>"
        if notes { o += "<th>Note</th>" }
        o += "</tr></thead><tbody>\n"
        if list.rows.isEmpty { o += "<tr><td colspan=\"\(notes ? 8 : 7)\" class=\"empty\">\(h(empty))</td></tr>\n" }
        for f in list.rows {
            o += "<tr><td><span class=\"sev sev-\(f.severity.description.lowercased())\">\(f.severity)</span></td>"
            o += "<td><code>\(h(f.id))</code><br><small>\(h(f.detector))/\(h(f.rule))</small></td>"
            o += "<td><code>\(h(f.subject))</code>\(f.server.map { "<br><small>on \(h($0))</small>" } ?? "")</td>"
            o +=
                "<td>\(h(time(f.firstSeen)))</td><td class=\"num\">\(f.ageDays) d</td><td class=\"num\">\(f.count)</td><td>\(h(f.message))</td>"
            if notes { o += "<td>\(h(f.note ?? ""))</td>" }
            o += "</tr>\n"
        }
        o += "</tbody></table>\n"
        if list.total > list.rows.count {
            o += "<p class=\"sub\">Showing \(list.rows.count) of \(list.total); list them all with <code>vigil findings</code>.</p>\n"
        }
        return o
    }

    static func day(_ ms: Int64) -> String { String(EventTime.format(ms).prefix(10)) }
    static func time(_ iso: String) -> String { String(iso.prefix(16)).replacingOccurrences(of: "T", with: " ") }
    static func hourLabel(_ iso: String) -> String {
        // Label each day's midnight bar with the date; other bars need no label.
        iso.dropFirst(11).hasPrefix("00") ? String(iso.prefix(10).suffix(5)) : ""
    }

    static let css = """
        :root { --ink: #1d2329; --muted: #5d6873; --line: #d8dde2; --bg: #ffffff; --soft: #f4f6f8; }
        * { box-sizing: border-box; }
        body { font: 14px/1.45 -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; color: var(--ink); background: var(--bg); margin: 0 auto; max-width: 1100px; padding: 24px 32px 48px; }
        h1 { font-size: 24px; margin: 0 0 4px; } h1 .period { color: var(--muted); font-weight: 500; }
        h2 { font-size: 17px; margin: 28px 0 8px; border-bottom: 2px solid var(--ink); padding-bottom: 4px; }
        h3 { font-size: 14px; margin: 16px 0 6px; }
        .meta, .sub, footer { color: var(--muted); font-size: 12.5px; }
        .note { background: #fff6e0; border-left: 4px solid #e8a33d; padding: 8px 12px; }
        .cards { display: grid; grid-template-columns: repeat(7, 1fr); gap: 10px; margin-top: 18px; }
        .card { border: 1px solid var(--line); border-radius: 6px; padding: 10px 12px; background: var(--soft); }
        .card .label { font-size: 12px; color: var(--muted); } .card .value { font-size: 24px; font-weight: 650; }
        .card .delta { font-size: 12px; color: var(--muted); }
        .card.card-p1 { border-top: 4px solid #8c1d18; } .card.card-p2 { border-top: 4px solid #d3541f; }
        .card.card-p3 { border-top: 4px solid #e8a33d; } .card.card-p4 { border-top: 4px solid #8aa1b4; }
        table.findings td:nth-child(2) { min-width: 150px; } table.findings td:nth-child(3) { min-width: 150px; }
        table.findings td:nth-child(4) { min-width: 90px; }
        .up { color: #b3261e; font-weight: 600; } .down { color: #1e7b34; font-weight: 600; } .same { color: var(--muted); }
        table { border-collapse: collapse; width: 100%; margin: 6px 0 4px; font-size: 13px; }
        th, td { text-align: left; padding: 5px 8px; border-bottom: 1px solid var(--line); vertical-align: top; overflow-wrap: anywhere; }
        th { background: var(--soft); font-weight: 600; font-size: 12px; }
        td.num, th.num { text-align: right; white-space: nowrap; font-variant-numeric: tabular-nums; }
        td.detail { color: var(--muted); font-size: 12px; } td.empty { color: var(--muted); font-style: italic; }
        code { font: 12px ui-monospace, "SFMono-Regular", Menlo, Consolas, monospace; }
        .badge { display: inline-block; padding: 1px 8px; border-radius: 10px; font-size: 11.5px; font-weight: 700; text-transform: uppercase; }
        .badge.pass { background: #d7f0dc; color: #1e5e2d; } .badge.fail { background: #f9d6d2; color: #8c1d18; } .badge.na { background: #e6e9ec; color: #4a5560; }
        .sev { display: inline-block; min-width: 26px; text-align: center; border-radius: 3px; color: #fff; font-weight: 700; font-size: 11.5px; padding: 0 4px; }
        .sev-p1 { background: #8c1d18; } .sev-p2 { background: #d3541f; } .sev-p3 { background: #e8a33d; color: #1d2329; } .sev-p4 { background: #8aa1b4; color: #1d2329; }
        figure { margin: 10px 0 18px; } figcaption { font-weight: 600; font-size: 13px; margin-bottom: 4px; }
        svg.chart { width: 100%; height: auto; } svg .grid { stroke: #e3e7ea; stroke-width: 1; } svg .axis { font-size: 10.5px; fill: #5d6873; }
        th { overflow-wrap: normal; word-break: normal; hyphens: none; }
        .badge, .sev, .nowrap { white-space: nowrap; }
        div.scroll { overflow-x: auto; } table.coverage { font-size: 12px; } table.coverage th, table.coverage td { padding: 4px 5px; overflow-wrap: normal; } table.compact td { overflow-wrap: normal; } table.compliance td { overflow-wrap: normal; }
        ul.lines { margin: 2px 0 10px; padding-left: 18px; font-size: 12.5px; } ul.lines li { overflow-wrap: anywhere; }
        .evidence p { margin: 8px 0 2px; }
        footer { margin-top: 32px; border-top: 1px solid var(--line); padding-top: 8px; }
        @media print { body { padding: 0; max-width: none; font-size: 11px; } section { break-inside: avoid-page; } .cards { grid-template-columns: repeat(7, 1fr); } h2 { break-after: avoid; } table.findings { break-inside: auto; } tr { break-inside: avoid; } }
        """
}
