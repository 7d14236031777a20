import Foundation

/// Saving and restoring what the detector knows, with symbols spelled out, so a run can
/// continue where the last one stopped (and `vigil baseline show` can read it).
///
/// Binary (`BinaryWriter`), version 2: open hour, fleet profile, then per key (sorted by key
/// id): scalars, the open hour's counts and sample, known values, last place, recent rules,
/// the last 24 judged hours, and the open hour's early volume check (count to try it at,
/// whether it fired). Version 1 (without the last two) is still read.
extension APIKeyAnomalyDetector {
    static let stateVersion: UInt8 = 2

    func snapshot(context: DetectionContext) throws -> Data? {
        var w = BinaryWriter(capacity: keys.count * 400 + 1024)
        w.u8(APIKeyAnomalyDetector.stateVersion)
        w.i64(openHour)
        for v in profile.hourOfDay { w.f64(v) }
        for v in profile.hourSeen { w.u8(v ? 1 : 0) }
        for v in profile.dayOfWeek { w.f64(v) }
        for v in profile.daySeen { w.u8(v ? 1 : 0) }
        w.f64(profile.dayTotal)
        let open = Set(active)
        let list = keys.map { (name: context.string($0.key) ?? "", sym: $0.key, k: $0.value) }.sorted { $0.name < $1.name }
        w.u32(UInt32(list.count))
        for (name, sym, k) in list {
            w.string(name)
            w.i64(k.firstSeen); w.i64(k.lastSeen); w.i64(k.total)
            w.i64(open.contains(sym) ? k.hour : .min); w.u32(k.count); w.u32(k.errors); w.i64(k.lastTime)
            w.f64(k.level); w.u32(UInt32(bitPattern: k.levelHours)); w.i64(k.lastClosedHour); w.f64(k.dispersion)
            w.f64(k.errorMean); w.u32(UInt32(bitPattern: k.errorHours)); w.i64(k.lastAuthFailure)
            for kind in [KnownValues.Kind.country, .asn, .network] {
                let entries = k.known.entries(kind)
                w.u8(UInt8(entries.count))
                for e in entries { w.u64(e.value); w.u32(e.first); w.u32(e.last) }
            }
            let tools = k.known.entries(.tool)
            w.u8(UInt8(tools.count))
            for e in tools {
                w.string(context.string(Symbol(id: UInt32(truncatingIfNeeded: e.value))) ?? ""); w.u32(e.first); w.u32(e.last)
            }
            if let p = k.place {
                w.u8(1); w.f64(p.lat); w.f64(p.lon); w.i64(p.time); w.string(p.city ?? "")
            } else {
                w.u8(0)
            }
            w.u8(UInt8(k.recentRules.count))
            for r in k.recentRules { w.u8(r.rule); w.i64(r.time) }
            w.u8(k.recent.count)
            for r in k.recent.hours { w.i64(r.hour); w.u32(r.observed); w.f64(Double(r.expected)) }
            if open.contains(sym), let s = sample(of: k) {
                w.u8(1)
                w.string(String(decoding: try JSONEncoder.state.encode(StoredSample(s, context)), as: UTF8.self))
            } else {
                w.u8(0)
            }
            let isOpen = open.contains(sym)
            w.u32(isOpen ? k.volumeCheckAt : .max)
            w.u8(isOpen && k.volumeFired ? 1 : 0)
        }
        return Data(w.bytes)
    }

    func restore(_ data: Data, context: DetectionContext) throws {
        var r = BinaryReader([UInt8](data))
        let version = try r.u8()
        guard version == 1 || version == APIKeyAnomalyDetector.stateVersion else { throw BinaryReader.Truncated() }
        openHour = try r.i64()
        var p = SeasonalProfile()
        for i in 0..<24 { p.hourOfDay[i] = try r.f64() }
        for i in 0..<24 { p.hourSeen[i] = try r.u8() == 1 }
        for i in 0..<7 { p.dayOfWeek[i] = try r.f64() }
        for i in 0..<7 { p.daySeen[i] = try r.u8() == 1 }
        p.dayTotal = try r.f64()
        profile = p
        keys = [:]
        var reopened: [(Symbol, SampleRef?)] = []
        for _ in 0..<(try r.u32()) {
            let sym = context.symbols.intern(try r.string())
            let k = KeyState(firstSeen: try r.i64())
            k.lastSeen = try r.i64(); k.total = try r.i64()
            k.hour = try r.i64(); k.count = try r.u32(); k.errors = try r.u32(); k.lastTime = try r.i64()
            k.level = try r.f64(); k.levelHours = Int32(bitPattern: try r.u32()); k.lastClosedHour = try r.i64(); k.dispersion = try r.f64()
            k.errorMean = try r.f64(); k.errorHours = Int32(bitPattern: try r.u32()); k.lastAuthFailure = try r.i64()
            for which in 0..<3 {
                for _ in 0..<(try r.u8()) {
                    let v = try r.u64(), f = try r.u32(), l = try r.u32()
                    k.known.restore(which == 0 ? .country : which == 1 ? .asn : .network, v, first: f, last: l)
                }
            }
            for _ in 0..<(try r.u8()) {
                let name = try r.string(), f = try r.u32(), l = try r.u32()
                k.known.restore(.tool, UInt64(context.symbols.intern(name).id), first: f, last: l)
            }
            if try r.u8() == 1 {
                let lat = try r.f64(), lon = try r.f64(), t = try r.i64(), city = try r.string()
                k.place = KeyState.Place(lat: lat, lon: lon, time: t, city: city.isEmpty ? nil : city)
            }
            for _ in 0..<(try r.u8()) { k.recentRules.append((try r.u8(), try r.i64())) }
            for _ in 0..<Int(try r.u8()) { k.recent.append(hour: try r.i64(), observed: try r.u32(), expected: try r.f64()) }
            var sample: SampleRef?
            if try r.u8() == 1 {
                let json = try r.string()
                sample = try JSONDecoder.state.decode(StoredSample.self, from: Data(json.utf8)).ref(context)
            }
            if version >= 2 {
                k.volumeCheckAt = try r.u32()
                k.volumeFired = try r.u8() == 1
            }
            keys[sym] = k
            if k.hour == openHour && k.hour != .min { reopened.append((sym, sample)) }
        }
        rebuildIndex()
        restoreActive(reopened)
    }
}
