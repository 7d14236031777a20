import Foundation

/// Saving and restoring what the detector knows, with symbols spelled out, so a run can
/// continue where the last one stopped (and `vigil baseline show` can read it).
extension APIKeyAnomalyDetector {
    struct StoredKey: Codable {
        var key: String
        var firstSeen: Int64
        var lastSeen: Int64
        var total: Int64
        var hour: Int64
        var count: UInt32
        var errors: UInt32
        var lastTime: Int64
        var sample: StoredSample?
        var level: Double
        var levelHours: Int32
        var lastClosedHour: Int64
        var dispersion: Double
        var errorMean: Double
        var errorHours: Int32
        var lastAuthFailure: Int64
        var countries: [[UInt64]]
        var asns: [[UInt64]]
        var networks: [[UInt64]]
        var tools: [StoredTool]
        var place: [Double]?
        var placeTime: Int64?
        var placeCity: String?
        var recentRules: [[Int64]]
        var recent: [[Double]]
    }

    struct StoredTool: Codable {
        var name: String
        var first: UInt32
        var last: UInt32
    }

    struct State: Codable {
        var openHour: Int64
        var profile: SeasonalProfile
        var keys: [StoredKey]
    }

    func snapshot(context: DetectionContext) throws -> Data? {
        let open = Set(active)
        let list = keys.map { sym, k -> StoredKey in
            func seen(_ s: SeenSet) -> [[UInt64]] { s.entries.map { [$0.value, UInt64($0.first), UInt64($0.last)] } }
            return StoredKey(
                key: context.string(sym) ?? "", firstSeen: k.firstSeen, lastSeen: k.lastSeen, total: k.total,
                hour: open.contains(sym) ? k.hour : .min, count: k.count, errors: k.errors, lastTime: k.lastTime,
                sample: k.sample.map { StoredSample($0, context) }, level: k.level, levelHours: k.levelHours, lastClosedHour: k.lastClosedHour,
                dispersion: k.dispersion, errorMean: k.errorMean, errorHours: k.errorHours, lastAuthFailure: k.lastAuthFailure,
                countries: seen(k.countries), asns: seen(k.asns), networks: seen(k.networks),
                tools: k.tools.entries.map { StoredTool(name: context.string(Symbol(id: UInt32($0.value))) ?? "", first: $0.first, last: $0.last) },
                place: k.place.map { [$0.lat, $0.lon] }, placeTime: k.place?.time, placeCity: k.place?.city,
                recentRules: k.recentRules.map { [Int64($0.rule), $0.time] },
                recent: k.recent.map { [Double($0.hour), Double($0.observed), Double($0.expected)] })
        }.sorted { $0.key < $1.key }
        return try JSONEncoder.state.encode(State(openHour: openHour, profile: profile, keys: list))
    }

    func restore(_ data: Data, context: DetectionContext) throws {
        let s = try JSONDecoder.state.decode(State.self, from: data)
        openHour = s.openHour
        profile = s.profile
        keys = [:]
        var reopened: [Symbol] = []
        for r in s.keys {
            let sym = context.symbols.intern(r.key)
            let k = KeyState(firstSeen: r.firstSeen)
            k.lastSeen = r.lastSeen; k.total = r.total; k.hour = r.hour; k.count = r.count; k.errors = r.errors; k.lastTime = r.lastTime
            k.sample = r.sample?.ref(context); k.level = r.level; k.levelHours = r.levelHours; k.lastClosedHour = r.lastClosedHour
            k.dispersion = r.dispersion; k.errorMean = r.errorMean; k.errorHours = r.errorHours; k.lastAuthFailure = r.lastAuthFailure
            for e in r.countries where e.count == 3 { k.countries.restore(e[0], first: UInt32(e[1]), last: UInt32(e[2])) }
            for e in r.asns where e.count == 3 { k.asns.restore(e[0], first: UInt32(e[1]), last: UInt32(e[2])) }
            for e in r.networks where e.count == 3 { k.networks.restore(e[0], first: UInt32(e[1]), last: UInt32(e[2])) }
            for t in r.tools { k.tools.restore(UInt64(context.symbols.intern(t.name).id), first: t.first, last: t.last) }
            if let p = r.place, p.count == 2, let t = r.placeTime { k.place = KeyState.Place(lat: p[0], lon: p[1], time: t, city: r.placeCity) }
            k.recentRules = r.recentRules.filter { $0.count == 2 }.map { (UInt8(clamping: $0[0]), $0[1]) }
            k.recent = r.recent.filter { $0.count == 3 }.map { (Int64($0[0]), UInt32($0[1]), Float($0[2])) }
            keys[sym] = k
            if k.hour == openHour && k.hour != .min { reopened.append(sym) }
        }
        restoreActive(reopened)
    }
}
