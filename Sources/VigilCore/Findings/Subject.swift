/// Who or what a finding is about, kept as an integer-backed value on hot paths.
package enum Subject: Hashable, Sendable {
    case ip(IPAddress)
    /// An IPv6 network prefix standing for every address inside it (`2001:db8:1:2::/64`): a
    /// host on IPv6 is usually given a whole /64 and can hop between its addresses at will, so
    /// the SSH detectors count it per prefix (`clients.ipv6_prefix`). The address is the
    /// network's first address (host bits zero).
    case network(IPAddress, prefixLength: UInt8)
    /// A remote host known only by name.
    case host(Symbol)
    case apiKey(Symbol)
    case user(Symbol)
    case server(Symbol)
    /// An MCP session, by its fingerprint (the id itself is never kept).
    case session(SessionKey)
    /// An OAuth client (`client_id`) acting through tokens on an MCP server.
    case oauthClient(Symbol)

    package var kind: String {
        switch self {
        case .ip: "ip"
        case .network: "network"
        case .host: "host"
        case .apiKey: "api_key"
        case .user: "user"
        case .server: "server"
        case .session: "session"
        case .oauthClient: "oauth_client"
        }
    }

    func text(_ symbols: SymbolTable) -> String {
        switch self {
        case let .ip(a): a.description
        case let .network(a, length): CIDR(network: a, prefix: Int(length)).description
        case let .host(s), let .apiKey(s), let .user(s), let .server(s), let .oauthClient(s): symbols.string(s) ?? ""
        case let .session(key): key.description
        }
    }

    init?(kind: String, text: String, symbols: SymbolTable) {
        switch kind {
        case "ip":
            guard let a = IPAddress(text) else { return nil }
            self = .ip(a)
        case "network":
            guard case let .success(block) = CIDR.parse(text), !block.isV4 else { return nil }
            self = .network(block.network, prefixLength: UInt8(block.prefix))
        case "host": self = .host(symbols.intern(text))
        case "api_key": self = .apiKey(symbols.intern(text))
        case "user": self = .user(symbols.intern(text))
        case "server": self = .server(symbols.intern(text))
        case "session":
            guard let key = SessionKey(text: text) else { return nil }
            self = .session(key)
        case "oauth_client": self = .oauthClient(symbols.intern(text))
        default: return nil
        }
    }

    /// The address GeoIP describes a finding by: the address, or a network's first address
    /// (a /64 belongs to one site and one AS).
    var address: IPAddress? {
        switch self {
        case let .ip(address), let .network(address, _): address
        default: nil
        }
    }

    /// The client an event came from: its address, else its host name.
    static func client(of e: Event) -> Subject? {
        if let ip = e.clientIP { return .ip(ip) }
        if !e.remoteHost.isNone { return .host(e.remoteHost) }
        return nil
    }

    /// The client an attacker-counting detector keys on: an IPv6 address as its network of
    /// `ipv6Prefix` bits (`clients.ipv6_prefix`, 64 by default), since one host is handed a
    /// whole /64 and may use a new address for every connection; IPv4 addresses, IPv6 with a
    /// prefix of 128, and host names as they are. Every SSH/authentication detector keys
    /// through here, so one attacker is one subject across them.
    static func client(of e: Event, ipv6Prefix: Int) -> Subject? {
        guard let ip = e.clientIP else { return e.remoteHost.isNone ? nil : .host(e.remoteHost) }
        if ip.isV4 || ipv6Prefix >= 128 { return .ip(ip) }
        return .network(IPAddress(raw: ip.raw & CIDR.mask(ipv6Prefix)), prefixLength: UInt8(ipv6Prefix))
    }
}

extension Subject: ProbingKey {
    /// Two 64-bit words that identify a subject: the hasher combines them instead of the
    /// synthesized discriminator, address and prefix length (detectors hash a subject several
    /// times per failure, and the SSH rules keep hundreds of thousands of them), and
    /// `ProbingTable` keys its own hash with them. Distinct subjects of one kind have distinct
    /// words, so only the keyed hash can make two collide: an attacker choosing IPv6
    /// addresses cannot aim them at one bucket (one 64-bit word folded from an address could).
    var words: (UInt64, UInt64) {
        switch self {
        case let .ip(address):
            (UInt64(truncatingIfNeeded: address.raw), UInt64(truncatingIfNeeded: address.raw >> 64))
        case let .network(address, length):
            (UInt64(truncatingIfNeeded: address.raw) ^ UInt64(length) << 56 ^ 1, UInt64(truncatingIfNeeded: address.raw >> 64))
        case let .host(s): (UInt64(s.id), 2)
        case let .apiKey(s): (UInt64(s.id), 3)
        case let .user(s): (UInt64(s.id), 4)
        case let .server(s): (UInt64(s.id), 5)
        case let .session(key): (key.value, 6)
        case let .oauthClient(s): (UInt64(s.id), 7)
        }
    }

    package func hash(into hasher: inout Hasher) {
        let words = words
        hasher.combine(words.0)
        hasher.combine(words.1)
    }
}
