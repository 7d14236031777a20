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
        if count > 0 && h < base { count = 0 }  // hours only move forward; start over if not
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
