#if canImport(Glibc)
    import Glibc
#endif

/// Small byte-matching helpers for decoders. All work on a buffer view without copying.
extension UnsafeRawBufferPointer {
    @inline(__always)
    func hasPrefix(_ literal: StaticString, at index: Int = 0) -> Bool {
        let n = literal.utf8CodeUnitCount
        guard index >= 0, index + n <= count else { return false }
        return memcmp(baseAddress! + index, literal.utf8Start, n) == 0
    }

    /// First index of `literal` at or after `from`, searching up to `to`.
    @inline(__always)
    func find(_ literal: StaticString, from: Int = 0, to: Int? = nil) -> Int? {
        let end = to ?? count
        let n = literal.utf8CodeUnitCount
        guard from >= 0, end - from >= n, n > 0 else { return nil }
        let first = Int32(literal.utf8Start[0])
        var i = from
        let last = end - n
        while i <= last {
            guard let p = memchr(baseAddress! + i, first, last - i + 1) else { return nil }
            let at = baseAddress!.distance(to: UnsafeRawPointer(p))
            if memcmp(baseAddress! + at, literal.utf8Start, n) == 0 { return at }
            i = at + 1
        }
        return nil
    }

    /// Last index of `literal` that ends at or before `to`.
    func findLast(_ literal: StaticString, before to: Int? = nil, from: Int = 0) -> Int? {
        let end = to ?? count
        let n = literal.utf8CodeUnitCount
        var i = end - n
        let lit = UnsafeRawBufferPointer(start: literal.utf8Start, count: n)
        while i >= from {
            if self[i] == lit[0] && memcmp(baseAddress! + i, literal.utf8Start, n) == 0 { return i }
            i -= 1
        }
        return nil
    }

    @inline(__always)
    func index(of byte: UInt8, from: Int, to: Int? = nil) -> Int? {
        let end = to ?? count
        guard from < end else { return nil }
        guard let p = memchr(baseAddress! + from, Int32(byte), end - from) else { return nil }
        return baseAddress!.distance(to: UnsafeRawPointer(p))
    }

    @inline(__always)
    func slice(_ from: Int, _ to: Int) -> UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(rebasing: self[from..<to])
    }

    /// Parses an unsigned decimal in `[from, to)`; `nil` if empty, not all digits, or too long.
    func decimal(_ from: Int, _ to: Int) -> Int? {
        guard from < to, to - from <= 18 else { return nil }
        var v = 0
        for i in from..<to {
            let c = self[i]
            guard c >= 48 && c <= 57 else { return nil }
            v = v * 10 + Int(c - 48)
        }
        return v
    }
}
