/// Hashes whose values never change between processes or platforms.
///
/// Swift's `Hasher` is seeded per process, so anything that must be stable — finding ids,
/// input fingerprints — goes through FNV-1a here instead.
package enum StableHash {
    package static let offset: UInt64 = 0xcbf2_9ce4_8422_2325
    static let prime: UInt64 = 0x0000_0100_0000_01b3

    package static func fnv1a(_ bytes: UnsafeRawBufferPointer, seed: UInt64 = offset) -> UInt64 {
        var h = seed
        for b in bytes {
            h ^= UInt64(b)
            h = h &* prime
        }
        return h
    }

    package static func fnv1a(_ string: String, seed: UInt64 = offset) -> UInt64 {
        var s = string
        return s.withUTF8 { fnv1a(UnsafeRawBufferPointer($0), seed: seed) }
    }

    /// A fast hash of a short byte string for in-memory tables, eight bytes at a time (FNV-1a's
    /// byte-at-a-time multiply chain was most of interning's cost: five strings a line).
    /// Deterministic, but not for persisting: fingerprints and ids keep FNV-1a.
    @inline(__always)
    static func table(_ bytes: UnsafeRawBufferPointer) -> UInt64 {
        let n = bytes.count
        var h: UInt64 = 0x9E37_79B9_7F4A_7C15 ^ UInt64(n)
        var i = 0
        while i + 8 <= n {
            h = (h ^ bytes.loadUnaligned(fromByteOffset: i, as: UInt64.self)) &* 0xBF58_476D_1CE4_E5B9
            h ^= h >> 29
            i += 8
        }
        if i < n {
            var w: UInt64 = 0
            if n >= 8 {
                // The last eight bytes, overlapping what was already mixed.
                w = bytes.loadUnaligned(fromByteOffset: n - 8, as: UInt64.self)
            } else {
                var shift: UInt64 = 0
                while i < n { w |= UInt64(bytes[i]) << shift; shift += 8; i += 1 }
            }
            h = (h ^ w) &* 0xBF58_476D_1CE4_E5B9
        }
        // Final avalanche (splitmix64), so the low bits that pick a slot depend on every byte.
        h ^= h >> 31
        h = h &* 0x94D0_49BB_1331_11EB
        h ^= h >> 29
        return h
    }

    /// Hashes several fields with a separator that cannot occur in text, as lowercase hex.
    static func hex(of fields: [String], digits: Int = 12) -> String {
        var h = offset
        for f in fields {
            h = fnv1a(f, seed: h)
            h ^= 0xff
            h = h &* prime
        }
        let full = String(h, radix: 16)
        let padded = String(repeating: "0", count: max(0, 16 - full.count)) + full
        return String(padded.prefix(digits))
    }
}
