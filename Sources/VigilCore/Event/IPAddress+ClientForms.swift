import Foundation

extension IPAddress {
    /// Parses a client address as proxies and servers write it, not only the bare form:
    /// `203.0.113.10:4444` (IPv4 with a port), `[2001:db8::1]`, `[2001:db8::1]:443`,
    /// `[203.0.113.11]`, and `fe80::1%eth0` (an IPv6 zone id, dropped). Anything else — a host
    /// name, `unknown`, an X-Forwarded-For list — is `nil`, and the caller keeps the text.
    ///
    /// Why it matters: an address Vigil cannot read cannot be judged against an allowlist, and a
    /// request that skips the allowlist because its client was written `ip:port` fails open.
    static func parseClient(_ bytes: UnsafeRawBufferPointer, trustedProxies: Int = 0) -> IPAddress? {
        if let address = parse(bytes) { return address }
        if trustedProxies > 0, bytes.contains(UInt8(ascii: ",")) { return forwardedClient(bytes, trustedProxies: trustedProxies) }
        let count = bytes.count
        guard count > 2, count <= 64 else { return nil }
        let colon = UInt8(ascii: ":")
        if bytes[0] == UInt8(ascii: "[") {
            guard let close = bytes.firstIndex(of: UInt8(ascii: "]")), close > 1 else { return nil }
            let rest = UnsafeRawBufferPointer(rebasing: bytes[(close + 1)...])
            guard rest.isEmpty || (rest[0] == colon && isPort(UnsafeRawBufferPointer(rebasing: rest[1...]))) else { return nil }
            return withoutZone(UnsafeRawBufferPointer(rebasing: bytes[1..<close]))
        }
        if let percent = bytes.firstIndex(of: UInt8(ascii: "%")) {
            return withoutZone(bytes, zoneAt: percent)
        }
        // IPv4 with a port: exactly one colon (an IPv6 address has at least two).
        if let at = bytes.firstIndex(of: colon), bytes[(at + 1)...].firstIndex(of: colon) == nil,
            isPort(UnsafeRawBufferPointer(rebasing: bytes[(at + 1)...])),
            let v4 = parseV4(UnsafeRawBufferPointer(rebasing: bytes[..<at]))
        {
            return IPAddress(v4: v4)
        }
        return nil
    }

    /// The client in a forwarded list (`spoofed, 203.0.113.12, 10.20.0.1`): the entry
    /// `trustedProxies` places from the right, each entry in any form `parseClient` reads.
    /// The entries left of it are what the client itself sent, so they are never used; a list
    /// shorter than that did not pass all of your proxies, and is not an address.
    private static func forwardedClient(_ bytes: UnsafeRawBufferPointer, trustedProxies: Int) -> IPAddress? {
        guard bytes.count <= 1024 else { return nil }
        var end = bytes.count
        var fromRight = 0
        while true {
            var start = end
            while start > 0 && bytes[start - 1] != UInt8(ascii: ",") { start -= 1 }
            fromRight += 1
            var first = start
            var last = end
            while first < last && bytes[first] == 0x20 { first += 1 }
            while last > first && bytes[last - 1] == 0x20 { last -= 1 }
            // An empty entry your proxies would not have written: the list is not trusted.
            if first == last { return nil }
            if fromRight == trustedProxies { return parseClient(UnsafeRawBufferPointer(rebasing: bytes[first..<last])) }
            if start == 0 { return nil }
            end = start - 1
        }
    }

    /// An address that may end in a zone id (`%eth0`), which names an interface of the logging
    /// host and says nothing about who the client is.
    private static func withoutZone(_ bytes: UnsafeRawBufferPointer, zoneAt: Int? = nil) -> IPAddress? {
        let end = zoneAt ?? bytes.firstIndex(of: UInt8(ascii: "%")) ?? bytes.count
        let address = UnsafeRawBufferPointer(rebasing: bytes[..<end])
        if end < bytes.count, address.firstIndex(of: UInt8(ascii: ":")) == nil { return nil }  // zones are IPv6 only
        return parse(address)
    }

    /// 1 to 5 decimal digits, at most 65535.
    private static func isPort(_ bytes: UnsafeRawBufferPointer) -> Bool {
        guard (1...5).contains(bytes.count) else { return false }
        var value = 0
        for byte in bytes {
            guard byte >= 0x30 && byte <= 0x39 else { return false }
            value = value * 10 + Int(byte - 0x30)
        }
        return value <= 65535
    }
}
