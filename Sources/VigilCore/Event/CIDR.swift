/// An address block written `10.20.0.0/16` or `2001:db8::/48` (a bare address is a /32 or /128).
///
/// IPv4 blocks are kept in the IPv4-mapped space like `IPAddress`, so `::ffff:10.0.0.0/104`
/// and `10.0.0.0/8` are the same block and one range set serves both families.
package struct CIDR: Hashable, Sendable, CustomStringConvertible {
    /// First address of the block (host bits zero).
    package let network: IPAddress
    /// Prefix length in the block's own family: 0…32 for IPv4, 0…128 for IPv6.
    package let prefix: Int
    let isV4: Bool

    /// Why a text is not a valid block, with the block the author probably meant.
    package enum ParseError: Error, Equatable, CustomStringConvertible {
        case notAnAddress(String)
        case badPrefix(String, max: Int)
        case hostBitsSet(String, suggestion: String)

        package var description: String {
            switch self {
            case let .notAnAddress(t): "\"\(t)\" is not an IP address or CIDR block"
            case let .badPrefix(t, max): "\"\(t)\": prefix length must be a number from 0 to \(max)"
            case let .hostBitsSet(t, s): "\"\(t)\" has host bits set; the block is \(s)"
            }
        }
    }

    package init(network: IPAddress, prefix: Int) {
        self.isV4 = network.isV4
        self.prefix = prefix
        let bits = isV4 ? 96 + prefix : prefix
        self.network = IPAddress(raw: network.raw & CIDR.mask(bits))
    }

    /// Parses strictly: host bits must be zero, the prefix in range, the address strict.
    static func parse(_ text: String) -> Result<CIDR, ParseError> {
        let parts = text.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
        guard let addr = IPAddress(String(parts[0])) else { return .failure(.notAnAddress(text)) }
        // `::ffff:a.b.c.d` written as IPv6 counts as IPv4 when the prefix covers the mapping.
        let written6 = parts[0].contains(":")
        var maxPrefix = addr.isV4 && !written6 ? 32 : 128
        var prefix = maxPrefix
        if parts.count == 2 {
            guard let p = Int(parts[1]), p >= 0, p <= maxPrefix, parts[1].allSatisfy(\.isASCII), parts[1].first != "+" else {
                return .failure(.badPrefix(text, max: maxPrefix))
            }
            prefix = p
        }
        if written6 && addr.isV4 {
            // A mapped block shorter than /96 reaches outside the IPv4 space: keep it IPv6.
            if prefix < 96 {
                let block = CIDR(v6: addr, prefix: prefix)
                if block.network != addr { return .failure(.hostBitsSet(text, suggestion: block.description)) }
                return .success(block)
            }
            prefix -= 96
            maxPrefix = 32
        }
        let block = CIDR(network: addr, prefix: prefix)
        if block.network != addr { return .failure(.hostBitsSet(text, suggestion: block.description)) }
        return .success(block)
    }

    private init(v6 network: IPAddress, prefix: Int) {
        self.isV4 = false
        self.prefix = prefix
        self.network = IPAddress(raw: network.raw & CIDR.mask(prefix))
    }

    /// The top `bits` bits set.
    static func mask(_ bits: Int) -> UInt128 {
        bits <= 0 ? 0 : bits >= 128 ? ~0 : ~((UInt128(1) << UInt128(128 - bits)) - 1)
    }

    /// Prefix length in the 128-bit space.
    var bits: Int { isV4 ? 96 + prefix : prefix }

    package var first: IPAddress { network }
    package var last: IPAddress { IPAddress(raw: network.raw | ~CIDR.mask(bits)) }

    package func contains(_ a: IPAddress) -> Bool { a.raw & CIDR.mask(bits) == network.raw }

    /// Whether `other` lies entirely inside this block.
    package func contains(_ other: CIDR) -> Bool { other.bits >= bits && contains(other.network) }

    package var description: String { "\(network)/\(prefix)" }
}
