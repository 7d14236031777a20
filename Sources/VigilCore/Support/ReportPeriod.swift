/// The time span a report covers: `[from, to)` in ms (UTC), with a label such as `2026-W47`.
package struct ReportPeriod: Sendable, Equatable, Codable {
    package var from: Int64
    package var to: Int64
    package var label: String

    package init(from: Int64, to: Int64, label: String) {
        self.from = from
        self.to = to
        self.label = label
    }

    /// The span of the same length just before this one, for week-on-week comparison.
    var previous: ReportPeriod {
        let len = to - from
        let p = ReportPeriod(from: from - len, to: from, label: "")
        if label.contains("-W") { return ReportPeriod(from: p.from, to: p.to, label: ReportPeriod.isoWeekLabel(p.from)) }
        return ReportPeriod(
            from: p.from, to: p.to, label: "\(EventTime.format(p.from).prefix(10)) – \(EventTime.format(p.to - 1).prefix(10))")
    }

    /// `2026-W47`, `last` (the last full ISO week before `now`) or `this` (the week holding `now`).
    package static func week(_ text: String, now: Int64) -> ReportPeriod? {
        let monday: Int64
        switch text.lowercased() {
        case "this", "current": monday = mondayOf(now)
        case "last", "previous": monday = mondayOf(now) - 7 * EventTime.day
        default:
            let parts = text.uppercased().split(separator: "-")
            guard parts.count == 2, parts[1].hasPrefix("W"), let year = Int(parts[0]), let week = Int(parts[1].dropFirst()),
                (1970...9999).contains(year), (1...53).contains(week)
            else { return nil }
            let jan4 = EventTime.daysFromCivil(year, 1, 4)
            let week1 = (jan4 - weekday(jan4)) * EventTime.day
            monday = week1 + Int64(week - 1) * 7 * EventTime.day
            // Week 53 exists only in some years.
            if isoWeekLabel(monday) != "\(year)-W\(week < 10 ? "0" : "")\(week)" { return nil }
        }
        return ReportPeriod(from: monday, to: monday + 7 * EventTime.day, label: isoWeekLabel(monday))
    }

    /// `--from 2026-11-01 --to 2026-11-30`: a date-only `to` includes that whole day.
    package static func range(from: String, to: String?, now: Int64) -> ReportPeriod? {
        guard let start = EventTime.parseUserTime(from, now: now) else { return nil }
        var end = now
        if let to {
            guard let t = EventTime.parseUserEnd(to, now: now) else { return nil }
            end = t
        }
        guard end > start else { return nil }
        return ReportPeriod(from: start, to: end, label: "\(EventTime.format(start).prefix(10)) – \(EventTime.format(end - 1).prefix(10))")
    }

    /// 0 = Monday … 6 = Sunday (1970-01-01 was a Thursday).
    static func weekday(_ days: Int64) -> Int64 { ((days % 7) + 7 + 3) % 7 }

    static func mondayOf(_ t: Int64) -> Int64 {
        let days = t >= 0 ? t / EventTime.day : (t - EventTime.day + 1) / EventTime.day
        return (days - weekday(days)) * EventTime.day
    }

    /// The ISO 8601 week of the week starting at `monday`.
    static func isoWeekLabel(_ monday: Int64) -> String {
        // The ISO year is the year of the week's Thursday.
        let thursday = monday / EventTime.day + 3
        let (year, _, _) = EventTime.civil(fromDays: thursday)
        let jan4 = EventTime.daysFromCivil(year, 1, 4)
        let week1 = jan4 - weekday(jan4)
        let week = (thursday - 3 - week1) / 7 + 1
        return "\(year)-W\(week < 10 ? "0" : "")\(week)"
    }
}
