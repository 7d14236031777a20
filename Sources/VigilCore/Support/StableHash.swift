/// Hashes whose values never change between processes or platforms.
///
/// Swift's `Hasher` is seeded per process, so anything that must be stable — finding ids,
/// input fingerprints — goes through FNV-1a here instead.
public enum StableHash {
    public static let offset: UInt64 = 0xcbf2_9ce4_8422_2325
    static let prime: UInt64 = 0x0000_0100_0000_01b3

    public static func fnv1a(_ bytes: UnsafeRawBufferPointer, seed: UInt64 = offset) -> UInt64 {
        var h = seed
        for b in bytes {
            h ^= UInt64(b)
            h = h &* prime
        }
        return h
    }

    public static func fnv1a(_ string: String, seed: UInt64 = offset) -> UInt64 {
        var s = string
        return s.withUTF8 { fnv1a(UnsafeRawBufferPointer($0), seed: seed) }
    }

    /// Hashes several fields with a separator that cannot occur in text, as lowercase hex.
    public static func hex(of fields: [String], digits: Int = 12) -> String {
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
