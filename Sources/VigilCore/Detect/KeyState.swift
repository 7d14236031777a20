/// What `APIKeyAnomalyDetector` knows about one API key. Kept compact (well under 1 KB):
/// scalars for the baseline, small capped sets of known values, the last 24 hours' counts.
final class KeyState {
    var firstSeen: Int64
    var lastSeen: Int64
    var total: Int64 = 0
    // The open hour.
    var hour: Int64 = .min
    var count: UInt32 = 0
    var errors: UInt32 = 0
    var lastTime: Int64 = 0
    var sample: SampleRef?
    var sampleHour: Int64 = .min
    // Baselines.
    var level = 0.0
    var levelHours: Int32 = 0
    var lastClosedHour: Int64 = .min
    var dispersion = 1.0
    var errorMean = 0.0
    var errorHours: Int32 = 0
    var lastAuthFailure: Int64 = 0
    // Known values, with first and last use.
    var countries = SeenSet(capacity: 8)
    var asns = SeenSet(capacity: 8)
    var networks = SeenSet(capacity: 12)
    var tools = SeenSet(capacity: 16)
    struct Place {
        var lat: Double
        var lon: Double
        var time: Int64
        var city: String?
    }
    var place: Place?
    var recentRules: [(rule: UInt8, time: Int64)] = []
    // Fast paths: the last two addresses and the last tool, with the minute they were checked.
    var lastIPs: (IPAddress?, IPAddress?) = (nil, nil)
    var lastIPMinutes: (UInt32, UInt32) = (0, 0)
    var toolsHour: Int64 = .min
    var toolsThisHour: UInt64 = 0
    /// The last 24 judged hours: hour number, requests, expected requests (12 bytes each,
    /// allocated once at their final size: a growing array of 16-byte tuples cost 530 bytes a key).
    var recent: ContiguousArray<RecentHour> = []

    init(firstSeen: Int64) {
        self.firstSeen = firstSeen
        lastSeen = firstSeen
    }

    static let recentHours = 24

    func recordRecent(hour: Int64, observed: UInt32, expected: Double) {
        // Only hours with requests are recorded (judged hours): at most one a day is dropped.
        if recent.isEmpty { recent.reserveCapacity(KeyState.recentHours) }
        if recent.count >= KeyState.recentHours { recent.removeFirst() }
        recent.append(RecentHour(hour: hour, observed: observed, expected: expected))
    }
}

/// One judged hour of a key: which hour (hours since 1970 fit 32 bits until the year 491,970),
/// requests, expected requests.
struct RecentHour {
    private var hourNumber: UInt32
    var observed: UInt32
    var expected: Float

    init(hour: Int64, observed: UInt32, expected: Double) {
        hourNumber = UInt32(clamping: hour)
        self.observed = observed
        self.expected = Float(expected)
    }

    var hour: Int64 { Int64(hourNumber) }
}

/// A small set of values (countries, AS numbers, networks, tool symbols) with the minute each
/// was first and last used. When full, the value unused longest makes room (its slot is
/// overwritten in place); values unused for the forget period count as new again.
struct SeenSet {
    struct Entry {
        var value: UInt64
        var first: UInt32
        var last: UInt32
    }

    private(set) var items: ContiguousArray<Entry> = []
    private let limit: UInt8

    init(capacity: Int) { limit = UInt8(capacity) }

    var capacity: Int { Int(limit) }

    var count: Int { items.count }
    var values: [UInt64] { items.map(\.value) }

    func contains(_ value: UInt64) -> Bool { items.contains { $0.value == value } }

    /// Records a use; `true` when the value is new (never seen, or forgotten).
    mutating func touch(_ value: UInt64, minute: UInt32, forgetMinutes: UInt32) -> Bool {
        var oldest = 0
        for i in items.indices {
            if items[i].value == value {
                let forgotten = minute > items[i].last && minute - items[i].last > forgetMinutes
                if forgotten { items[i].first = minute }
                if minute > items[i].last { items[i].last = minute }
                return forgotten
            }
            if items[i].last < items[oldest].last { oldest = i }
        }
        if items.count >= capacity {
            items[oldest] = Entry(value: value, first: minute, last: minute)
        } else {
            grow()
            items.append(Entry(value: value, first: minute, last: minute))
        }
        return true
    }

    /// Room for one more, two at a time: most keys use one to three countries, networks or
    /// tools, and doubling would leave up to half of each set's storage unused.
    private mutating func grow() {
        if items.count == items.capacity { items.reserveCapacity(min(capacity, items.count + 2)) }
    }

    mutating func restore(_ v: UInt64, first f: UInt32, last l: UInt32) {
        guard items.count < capacity else { return }
        grow()
        items.append(Entry(value: v, first: f, last: l))
    }

    var entries: [(value: UInt64, first: UInt32, last: UInt32)] { items.map { ($0.value, $0.first, $0.last) } }
}

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
