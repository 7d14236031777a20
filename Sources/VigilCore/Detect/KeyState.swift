/// What `APIKeyAnomalyDetector` knows about one API key, kept well under 1 KB: scalars for the
/// baseline, one small array of known values, and the last 24 judged hours stored inline.
///
/// Layout matters at 10,000s of keys: four separate sets and a growing array of hours cost
/// five allocations (and their headers) a key, and the open hour's evidence sample (100 bytes)
/// lives in the detector's list of active keys instead of here.
final class KeyState {
    var firstSeen: Int64
    var lastSeen: Int64
    var total: Int64 = 0
    /// The open hour these counts belong to.
    var hour: Int64 = .min
    var lastTime: Int64 = 0
    var lastClosedHour: Int64 = .min
    var lastAuthFailure: Int64 = 0
    var toolsHour: Int64 = .min
    /// Tools called in `toolsHour`: a 64-bit sketch by symbol id.
    var toolsThisHour: UInt64 = 0
    // Baselines.
    var level = 0.0
    var dispersion = 1.0
    var errorMean = 0.0
    var count: UInt32 = 0
    var errors: UInt32 = 0
    var levelHours: Int32 = 0
    var errorHours: Int32 = 0
    /// Index in the detector's active keys (and their samples) while `hour` is open.
    var activeSlot: Int32 = -1
    // Fast path: the last two addresses, with the minute they were checked.
    var lastIPMinutes: (UInt32, UInt32) = (0, 0)
    var lastIPCount: UInt8 = 0
    var lastIPs: (UInt128, UInt128) = (0, 0)
    /// Countries, AS numbers, networks and tools, with first and last use.
    var known = KnownValues()
    struct Place {
        var lat: Double
        var lon: Double
        var time: Int64
        var city: String?
    }
    var place: Place?
    var recentRules: [(rule: UInt8, time: Int64)] = []
    /// The last 24 judged hours: requests and expected requests.
    var recent = RecentHours()

    init(firstSeen: Int64) {
        self.firstSeen = firstSeen
        lastSeen = firstSeen
    }

    static let recentHours = RecentHours.capacity

    /// Whether `ip` is one of the last two addresses, checked less than an hour ago.
    @inline(__always)
    func recentlyChecked(_ ip: UInt128, minute: UInt32) -> Bool {
        if lastIPCount > 0 && ip == lastIPs.0 && minute &- lastIPMinutes.0 < 60 { return true }
        if lastIPCount > 1 && ip == lastIPs.1 && minute &- lastIPMinutes.1 < 60 { return true }
        return false
    }

    func noteChecked(_ ip: UInt128, minute: UInt32) {
        lastIPs = (ip, lastIPs.0)
        lastIPMinutes = (minute, lastIPMinutes.0)
        lastIPCount = min(lastIPCount + 1, 2)
    }
}

/// One judged hour of a key: which hour, requests, expected requests.
struct RecentHour {
    var hour: Int64
    var observed: UInt32
    var expected: Float

    init(hour: Int64, observed: UInt32, expected: Double) {
        self.hour = hour
        self.observed = observed
        self.expected = Float(expected)
    }
}

/// A key's last judged hours (only hours with requests are judged), oldest first, in a ring
/// stored inline: 10 bytes an hour (requests, expected as a `Float`, and the hour as an offset
/// from the oldest one), no allocation.
struct RecentHours {
    static let capacity = 24
    private var values: InlineArray<24, UInt64> = .init(repeating: 0)
    private var offsets: InlineArray<24, UInt16> = .init(repeating: 0)
    /// Hour number (since 1970; 32 bits last until the year 491,970) of the oldest entry.
    private var base: UInt32 = 0
    private var start: UInt8 = 0
    private(set) var count: UInt8 = 0

    var isEmpty: Bool { count == 0 }

    /// Adds the newest judged hour, dropping the oldest when full (or when it is more than
    /// 65,535 hours older than the new one, which its 16-bit offset cannot say).
    mutating func append(hour: Int64, observed: UInt32, expected: Double) {
        let h = UInt32(clamping: max(hour, 0))
        if count > 0 && h < base { count = 0 }   // hours only move forward; start over if not
        if count == UInt8(RecentHours.capacity) { dropOldest() }
        while count > 0 && h - base > UInt32(UInt16.max) { dropOldest() }
        if count == 0 { base = h; start = 0 }
        let i = (Int(start) + Int(count)) % RecentHours.capacity
        values[i] = UInt64(Float(expected).bitPattern) << 32 | UInt64(observed)
        offsets[i] = UInt16(h - base)
        count += 1
    }

    private mutating func dropOldest() {
        start = UInt8((Int(start) + 1) % RecentHours.capacity)
        count -= 1
        guard count > 0 else { return }
        let shift = offsets[Int(start)]
        base += UInt32(shift)
        for j in 0..<Int(count) { offsets[(Int(start) + j) % RecentHours.capacity] -= shift }
    }

    /// Oldest first.
    var hours: [RecentHour] {
        (0..<Int(count)).map { j in
            let i = (Int(start) + j) % RecentHours.capacity
            var r = RecentHour(hour: Int64(base) + Int64(offsets[i]), observed: UInt32(truncatingIfNeeded: values[i]), expected: 0)
            r.expected = Float(bitPattern: UInt32(truncatingIfNeeded: values[i] >> 32))
            return r
        }
    }
}

/// The values a key has used (countries, AS numbers, /24 or /48 networks, tool symbols), each
/// with the minute it was first and last used, in one small buffer: the kind rides in two bits
/// of the value that no kind uses (bits 60–61; IPv6 networks use bit 63 and bits 0–47).
///
/// Each kind has its own cap. When a kind is full, its value unused longest makes room (its
/// slot is overwritten in place); values unused for the forget period count as new again.
///
/// Not copyable, over a raw buffer: it is checked on every request, and an array there cost a
/// retain and a release per check (and a 32-byte header per key).
struct KnownValues: ~Copyable {
    enum Kind: UInt64 {
        case country = 0, asn, network, tool

        var capacity: Int {
            switch self {
            case .country, .asn: return 8
            case .network: return 12
            case .tool: return 16
            }
        }
    }

    struct Entry {
        var tagged: UInt64
        var first: UInt32
        var last: UInt32
    }

    private var base: UnsafeMutablePointer<Entry>?
    private(set) var total: UInt8 = 0
    private var allocated: UInt8 = 0
    private static let kindMask: UInt64 = 3 << 60

    init() {}

    deinit { base?.deallocate() }

    @inline(__always)
    private static func tag(_ kind: Kind, _ value: UInt64) -> UInt64 { value & ~kindMask | kind.rawValue << 60 }

    @inline(__always)
    private static func isKind(_ e: Entry, _ kind: Kind) -> Bool { e.tagged & kindMask == kind.rawValue << 60 }

    func contains(_ kind: Kind, _ value: UInt64) -> Bool {
        let t = KnownValues.tag(kind, value)
        for i in 0..<Int(total) where base![i].tagged == t { return true }
        return false
    }

    func count(_ kind: Kind) -> Int {
        var n = 0
        for i in 0..<Int(total) where KnownValues.isKind(base![i], kind) { n += 1 }
        return n
    }

    func values(_ kind: Kind) -> [UInt64] { entries(kind).map(\.value) }

    /// The kind's values in slot order.
    func entries(_ kind: Kind) -> [(value: UInt64, first: UInt32, last: UInt32)] {
        var out: [(value: UInt64, first: UInt32, last: UInt32)] = []
        for i in 0..<Int(total) where KnownValues.isKind(base![i], kind) {
            out.append((base![i].tagged & ~KnownValues.kindMask, base![i].first, base![i].last))
        }
        return out
    }

    /// Records a use; `true` when the value is new (never seen, or forgotten).
    mutating func touch(_ kind: Kind, _ value: UInt64, minute: UInt32, forgetMinutes: UInt32) -> Bool {
        let t = KnownValues.tag(kind, value)
        var oldest = -1
        var n = 0
        for i in 0..<Int(total) {
            let e = base![i]
            if e.tagged == t {
                let forgotten = minute > e.last && minute - e.last > forgetMinutes
                if forgotten { base![i].first = minute }
                if minute > e.last { base![i].last = minute }
                return forgotten
            }
            if KnownValues.isKind(e, kind) {
                n += 1
                if oldest < 0 || e.last < base![oldest].last { oldest = i }
            }
        }
        if n >= kind.capacity {
            base![oldest] = Entry(tagged: t, first: minute, last: minute)
        } else {
            append(Entry(tagged: t, first: minute, last: minute))
        }
        return true
    }

    /// Room for two more at a time: most keys use a handful of values in all, and doubling
    /// would leave up to half of the storage unused.
    private mutating func append(_ e: Entry) {
        if total == allocated {
            let bigger = UnsafeMutablePointer<Entry>.allocate(capacity: Int(allocated) + 2)
            if let old = base {
                bigger.moveInitialize(from: old, count: Int(total))
                old.deallocate()
            }
            base = bigger
            allocated += 2
        }
        (base! + Int(total)).initialize(to: e)
        total += 1
    }

    mutating func restore(_ kind: Kind, _ v: UInt64, first f: UInt32, last l: UInt32) {
        guard count(kind) < kind.capacity else { return }
        append(Entry(tagged: KnownValues.tag(kind, v), first: f, last: l))
    }
}
