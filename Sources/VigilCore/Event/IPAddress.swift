#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// An IP address as one 128-bit integer.
///
/// IPv4 is stored IPv4-mapped (`::ffff:a.b.c.d`), so an IPv4 address and its `::ffff:`-mapped
/// IPv6 spelling are the same value, and one sorted range set or trie covers both families.
/// Being an integer, it hashes and compares without allocating.
package struct IPAddress: Hashable, Comparable, Sendable, CustomStringConvertible {
    var raw: UInt128

    package init(raw: UInt128) { self.raw = raw }

    package init(v4 value: UInt32) { raw = (UInt128(0xffff) << 32) | UInt128(value) }

    var isV4: Bool { raw >> 32 == 0xffff }

    package static func < (a: IPAddress, b: IPAddress) -> Bool { a.raw < b.raw }

    /// Parses a textual address strictly: dotted-quad IPv4 without leading zeros, or IPv6 through
    /// `inet_pton` (which rejects the legacy hex/octal forms that `getaddrinfo` would accept).
    package init?(_ text: String) {
        var text = text
        let parsed: IPAddress? = text.withUTF8 { IPAddress.parse(UnsafeRawBufferPointer($0)) }
        guard let parsed else { return nil }
        self = parsed
    }

    /// Parses the whole buffer as an address; `nil` when it is anything else.
    static func parse(_ bytes: UnsafeRawBufferPointer) -> IPAddress? {
        let n = bytes.count
        if n == 0 || n > 45 { return nil }
        if let v4 = parseV4(bytes) { return IPAddress(v4: v4) }
        // IPv6 needs a colon; copy into a NUL-terminated scratch buffer for inet_pton.
        guard bytes.firstIndex(of: UInt8(ascii: ":")) != nil else { return nil }
        var scratch = (UInt64(0), UInt64(0), UInt64(0), UInt64(0), UInt64(0), UInt64(0))  // 48 bytes
        var out = (UInt64(0), UInt64(0))
        let ok: Bool = withUnsafeMutableBytes(of: &scratch) { s in
            s.copyMemory(from: bytes)
            s[n] = 0
            return withUnsafeMutableBytes(of: &out) { o in
                inet_pton(AF_INET6, s.baseAddress!.assumingMemoryBound(to: CChar.self), o.baseAddress) == 1
            }
        }
        guard ok else { return nil }
        var value: UInt128 = 0
        withUnsafeBytes(of: &out) { o in
            for b in o { value = (value << 8) | UInt128(b) }
        }
        return IPAddress(raw: value)
    }

    /// Strict dotted quad: four decimal octets 0...255, no leading zeros, nothing else.
    static func parseV4(_ bytes: UnsafeRawBufferPointer) -> UInt32? {
        var value: UInt32 = 0
        var octet: UInt32 = 0
        var digits = 0
        var dots = 0
        var leadingZero = false
        for b in bytes {
            if b >= 48 && b <= 57 {
                if digits == 0 { leadingZero = (b == 48) } else if leadingZero { return nil }
                octet = octet * 10 + UInt32(b - 48)
                digits += 1
                if digits > 3 || octet > 255 { return nil }
            } else if b == UInt8(ascii: ".") {
                if digits == 0 || dots == 3 { return nil }
                value = (value << 8) | octet
                octet = 0; digits = 0; dots += 1
            } else {
                return nil
            }
        }
        if dots != 3 || digits == 0 { return nil }
        return (value << 8) | octet
    }

    var v4Value: UInt32? { isV4 ? UInt32(truncatingIfNeeded: raw) : nil }

    package var description: String {
        if let v = v4Value {
            return "\(v >> 24).\((v >> 16) & 255).\((v >> 8) & 255).\(v & 255)"
        }
        var bytes = [UInt8](repeating: 0, count: 16)
        for i in 0..<16 { bytes[i] = UInt8(truncatingIfNeeded: raw >> UInt128(8 * (15 - i))) }
        var buf = [CChar](repeating: 0, count: 64)
        let ok = bytes.withUnsafeBytes { src in
            inet_ntop(AF_INET6, src.baseAddress, &buf, socklen_t(buf.count)) != nil
        }
        guard ok else { return "?" }
        return String(decoding: buf.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
