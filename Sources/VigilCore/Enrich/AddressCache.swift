/// A map from addresses to small integers (the enricher's cache), with open addressing and a
/// multiply-shift hash: `Dictionary`'s per-process-seeded SipHash of a 128-bit key was 4% of an
/// MCP analysis, one lookup per request.
struct AddressCache {
    private var keys: [UInt128]
    /// -1 marks an empty slot.
    private var values: [Int32]
    private var mask: Int
    private(set) var count = 0

    init(capacity: Int = 1024) {
        var n = 16
        while n < capacity * 2 { n <<= 1 }
        keys = [UInt128](repeating: 0, count: n)
        values = [Int32](repeating: -1, count: n)
        mask = n - 1
    }

    @inline(__always)
    private static func slot(_ k: UInt128, _ mask: Int) -> Int {
        let lo = UInt64(truncatingIfNeeded: k), hi = UInt64(truncatingIfNeeded: k >> 64)
        var h = (lo ^ (hi &* 0x9E37_79B9_7F4A_7C15)) &* 0xBF58_476D_1CE4_E5B9
        h ^= h >> 31
        return Int(truncatingIfNeeded: h) & mask
    }

    @inline(__always)
    func find(_ k: UInt128) -> Int32? {
        var i = AddressCache.slot(k, mask)
        while true {
            let v = values[i]
            if v < 0 { return nil }
            if keys[i] == k { return v }
            i = (i + 1) & mask
        }
    }

    /// Adds a key that is not present.
    mutating func insert(_ k: UInt128, _ v: Int32) {
        if (count + 1) * 2 > values.count { grow() }
        var i = AddressCache.slot(k, mask)
        while values[i] >= 0 { i = (i + 1) & mask }
        keys[i] = k
        values[i] = v
        count += 1
    }

    mutating func removeAll() {
        for i in values.indices { values[i] = -1 }
        count = 0
    }

    private mutating func grow() {
        let oldKeys = keys, oldValues = values
        keys = [UInt128](repeating: 0, count: oldKeys.count * 2)
        values = [Int32](repeating: -1, count: oldKeys.count * 2)
        mask = keys.count - 1
        count = 0
        for i in oldValues.indices where oldValues[i] >= 0 { insert(oldKeys[i], oldValues[i]) }
    }
}
