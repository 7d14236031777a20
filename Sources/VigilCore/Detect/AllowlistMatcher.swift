#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The policy's allowlists compiled for the hot path.
///
/// Servers are matched against the allowlists' globs once per server name; every server
/// that the same allowlists cover shares one `Profile`, whose CIDR blocks are merged into a
/// single `AddressRangeSet`. Checking an event is then an array lookup by server symbol and
/// a binary search, plus a cached GeoIP lookup only when the address is outside every block
/// and the profile also allows countries or ASNs.
final class AllowlistMatcher {
    struct Profile {
        var ranges: AddressRangeSet
        /// Country (two ASCII bytes) → until when it is allowed.
        var countries: [UInt16: Int64]
        var asns: [UInt32: Int64]
        /// Names of the allowlists that cover the server, for evidence, and joined once.
        var names: [String]
        var label: String
        var needsGeo: Bool { !countries.isEmpty || !asns.isEmpty }
    }

    enum Verdict {
        case notChecked
        case allowed
        /// Outside every allowlist covering the server; `geo` when it was looked up.
        case violation(profile: Int)
    }

    private let allowlists: [Allowlist]
    private(set) var profiles: [Profile] = []
    private var profileByMembers: [[Int]: Int] = [:]
    /// Per server symbol id: 0 = not resolved yet, -1 = no allowlist covers it, n > 0 = profile n-1.
    private var serverProfile: [Int32] = []
    private let enricher: Enricher?

    init(allowlists: [Allowlist], enricher: Enricher?) {
        self.allowlists = allowlists
        self.enricher = enricher
    }

    var isEmpty: Bool { allowlists.isEmpty }

    /// The profile that applies to events of `server`, or `nil` when none does.
    func profileIndex(server: Symbol, symbols: SymbolTable) -> Int? {
        let id = Int(server.id)
        if id < serverProfile.count, serverProfile[id] != 0 {
            let v = serverProfile[id]
            return v < 0 ? nil : Int(v) - 1
        }
        if id >= serverProfile.count { serverProfile += [Int32](repeating: 0, count: max(id + 1 - serverProfile.count, 256)) }
        let name = symbols.string(server)
        var members: [Int] = []
        for (i, a) in allowlists.enumerated() {
            if a.servers.isEmpty {
                members.append(i)
            } else if let name, a.servers.contains(where: { fnmatch($0, name, 0) == 0 }) {
                members.append(i)
            }
        }
        guard !members.isEmpty else {
            serverProfile[id] = -1
            return nil
        }
        let p = profile(for: members)
        serverProfile[id] = Int32(p + 1)
        return p
    }

    private func profile(for members: [Int]) -> Int {
        if let p = profileByMembers[members] { return p }
        var blocks: [(CIDR, Int64)] = []
        var countries: [UInt16: Int64] = [:]
        var asns: [UInt32: Int64] = [:]
        for i in members {
            let a = allowlists[i]
            for e in a.cidrs { blocks.append((e.value, a.effectiveExpiry(e.expires))) }
            for e in a.countries {
                guard let code = GeoInfo.code(e.value) else { continue }
                countries[code] = max(countries[code] ?? .min, a.effectiveExpiry(e.expires))
            }
            for e in a.asns { asns[e.value] = max(asns[e.value] ?? .min, a.effectiveExpiry(e.expires)) }
        }
        profiles.append(
            Profile(
                ranges: AddressRangeSet(blocks), countries: countries, asns: asns, names: members.map { allowlists[$0].name },
                label: members.map { allowlists[$0].name }.joined(separator: ", ")))
        profileByMembers[members] = profiles.count - 1
        return profiles.count - 1
    }

    /// Whether `ip` may reach `server` at event time `time`.
    func check(_ ip: IPAddress, server: Symbol, time: Int64, symbols: SymbolTable) -> Verdict {
        guard let p = profileIndex(server: server, symbols: symbols) else { return .notChecked }
        let profile = profiles[p]
        if profile.ranges.contains(ip, at: time) { return .allowed }
        if profile.needsGeo, let enricher {
            let info = enricher.info(ip)
            if let code = info.countryCode, let until = profile.countries[code], time < until { return .allowed }
            if let asn = info.asn, let until = profile.asns[asn], time < until { return .allowed }
        }
        return .violation(profile: p)
    }
}
