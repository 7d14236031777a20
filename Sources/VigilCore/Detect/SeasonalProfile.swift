/// The fleet's rhythm: requests by hour of day and by day of week, as multiplicative factors
/// learned from judged hours. A key's expected volume is its own level times these factors,
/// so quiet nights and weekends are expected to be quiet.
struct SeasonalProfile: Codable {
    var hourOfDay = [Double](repeating: 0, count: 24)
    var hourSeen = [Bool](repeating: false, count: 24)
    var dayOfWeek = [Double](repeating: 0, count: 7)
    var daySeen = [Bool](repeating: false, count: 7)
    var dayTotal = 0.0

    func factor(hourNumber: Int64) -> Double {
        let h = Int(hourNumber % 24)
        let d = Int(ReportPeriod.weekday(hourNumber / 24))
        var f = 1.0
        if hourSeen.allSatisfy({ $0 }) {
            let mean = hourOfDay.reduce(0, +) / 24
            if mean > 0 { f *= hourOfDay[h] / mean }
        }
        if daySeen.allSatisfy({ $0 }) {
            let mean = dayOfWeek.reduce(0, +) / 7
            if mean > 0 { f *= dayOfWeek[d] / mean }
        }
        return min(max(f, 0.05), 20)
    }

    mutating func learn(hourNumber: Int64, total: Double) {
        let h = Int(hourNumber % 24)
        hourOfDay[h] = hourSeen[h] ? hourOfDay[h] + 0.2 * (total - hourOfDay[h]) : total
        hourSeen[h] = true
        dayTotal += total
        if h == 23 {
            let d = Int(ReportPeriod.weekday(hourNumber / 24))
            dayOfWeek[d] = daySeen[d] ? dayOfWeek[d] + 0.3 * (dayTotal - dayOfWeek[d]) : dayTotal
            daySeen[d] = true
            dayTotal = 0
        }
    }
}
