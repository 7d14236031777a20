/// A set of addresses as sorted, disjoint ranges, each allowed until an expiry time.
///
/// Lookup is a binary search: thousands of CIDR blocks cost about a dozen comparisons per
/// event, never a loop over entries. Ranges of entries with different expiries are split so
/// that every address maps to the latest expiry among the blocks that contain it.
struct AddressRangeSet: Sendable {
    private(set) var lows: [UInt128] = []
    private(set) var highs: [UInt128] = []
    private(set) var expiries: [Int64] = []

    var isEmpty: Bool { lows.isEmpty }
    var count: Int { lows.count }

    init() {}

    /// Builds the set from blocks and the event time until which each one allows (`Int64.max`
    /// when it never expires).
    init(_ blocks: [(CIDR, Int64)]) {
        // Latest expiry first: each later group only fills what is not yet covered.
        let groups = Dictionary(grouping: blocks, by: { $0.1 }).sorted { $0.key > $1.key }
        for (expiry, members) in groups {
            let merged = AddressRangeSet.merge(members.map { ($0.0.first.raw, $0.0.last.raw) })
            self = self.union(fillingGapsWith: merged, expiry: expiry)
        }
    }

    /// Sorts and coalesces overlapping or adjacent ranges.
    static func merge(_ ranges: [(UInt128, UInt128)]) -> [(UInt128, UInt128)] {
        let sorted = ranges.sorted { $0.0 < $1.0 }
        var out: [(UInt128, UInt128)] = []
        out.reserveCapacity(sorted.count)
        for r in sorted {
            if let last = out.last, last.1 == .max || r.0 <= last.1 + 1 {
                if r.1 > last.1 { out[out.count - 1].1 = r.1 }
            } else {
                out.append(r)
            }
        }
        return out
    }

    /// This set plus the parts of `ranges` (sorted, disjoint) it does not cover yet.
    private func union(fillingGapsWith ranges: [(UInt128, UInt128)], expiry: Int64) -> AddressRangeSet {
        var pieces: [(UInt128, UInt128, Int64)] = (0..<count).map { (lows[$0], highs[$0], expiries[$0]) }
        var j = 0
        for (lo, hi) in ranges {
            // Existing ranges wholly before this one cannot touch later ones either.
            while j < count && highs[j] < lo { j += 1 }
            var cur = lo
            var done = false
            var k = j
            while k < count && lows[k] <= hi {
                if lows[k] > cur { pieces.append((cur, lows[k] - 1, expiry)) }
                if highs[k] >= hi { done = true; break }
                cur = max(cur, highs[k] + 1)
                k += 1
            }
            if !done && cur <= hi { pieces.append((cur, hi, expiry)) }
        }
        pieces.sort { $0.0 < $1.0 }
        var out = AddressRangeSet()
        out.lows = pieces.map(\.0)
        out.highs = pieces.map(\.1)
        out.expiries = pieces.map(\.2)
        return out
    }

    /// Until when `a` is allowed, or `nil` when no range holds it.
    func expiry(of a: IPAddress) -> Int64? {
        let x = a.raw
        var lo = 0, hi = lows.count
        while lo < hi {
            let mid = (lo + hi) >> 1
            if lows[mid] <= x { lo = mid + 1 } else { hi = mid }
        }
        let i = lo - 1
        guard i >= 0, x <= highs[i] else { return nil }
        return expiries[i]
    }

    /// Whether `a` is in the set at event time `time`.
    func contains(_ a: IPAddress, at time: Int64) -> Bool {
        guard let until = expiry(of: a) else { return false }
        return time < until
    }
}
