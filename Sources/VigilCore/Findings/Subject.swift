/// Who or what a finding is about, kept as an integer-backed value on hot paths.
package enum Subject: Hashable, Sendable {
    case ip(IPAddress)
    /// A remote host known only by name.
    case host(Symbol)
    case apiKey(Symbol)
    case user(Symbol)
    case server(Symbol)

    package var kind: String {
        switch self {
        case .ip: "ip"
        case .host: "host"
        case .apiKey: "api_key"
        case .user: "user"
        case .server: "server"
        }
    }

    func text(_ symbols: SymbolTable) -> String {
        switch self {
        case let .ip(a): a.description
        case let .host(s), let .apiKey(s), let .user(s), let .server(s): symbols.string(s) ?? ""
        }
    }

    init?(kind: String, text: String, symbols: SymbolTable) {
        switch kind {
        case "ip":
            guard let a = IPAddress(text) else { return nil }
            self = .ip(a)
        case "host": self = .host(symbols.intern(text))
        case "api_key": self = .apiKey(symbols.intern(text))
        case "user": self = .user(symbols.intern(text))
        case "server": self = .server(symbols.intern(text))
        default: return nil
        }
    }

    /// The client an event came from: its address, else its host name.
    static func client(of e: Event) -> Subject? {
        if let ip = e.clientIP { return .ip(ip) }
        if !e.remoteHost.isNone { return .host(e.remoteHost) }
        return nil
    }
}
