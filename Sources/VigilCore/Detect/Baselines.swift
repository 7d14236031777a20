import Foundation

/// What Vigil believes is normal for one API key, read back from the stored detector state
/// (`vigil baseline show --key`).
package struct KeyBaseline: Codable, Sendable {
    package struct Known: Codable, Sendable {
        package var value: String
        package var firstSeen: String
        package var lastSeen: String
    }

    package struct Hour: Codable, Sendable {
        package var hour: String
        package var observed: Int
        package var expected: Double
    }

    package var key: String
    package var firstSeen: String
    package var lastSeen: String
    package var requests: Int64
    package var warmedUp: Bool
    /// Requests an hour, seasonality removed (the fleet profile multiplies it back).
    package var level: Double
    package var levelHours: Int
    package var dispersion: Double
    package var errorShare: Double
    /// Expected requests in each hour of a weekday (UTC 00–23) and of a Sunday.
    package var expectedWeekday: [Double]
    package var expectedSunday: [Double]
    package var countries: [Known]
    package var asns: [Known]
    package var networks: [Known]
    package var tools: [Known]
    package var lastPlace: String?
    package var recentHours: [Hour]
}

/// A server's usual share of input validation failures (`vigil baseline show --server`).
package struct ServerBaseline: Codable, Sendable {
    package var server: String
    package var meanShare: Double
    package var sdShare: Double
    package var hours: Int
}

/// Reads baselines out of a findings database.
package enum Baselines {
    static func detectors(
        _ store: some CheckpointStore, settings: DetectorSettings
    ) throws -> (APIKeyAnomalyDetector, InputValidationDetector, DetectionContext) {
        let context = DetectionContext(symbols: SymbolTable())
        let keys = APIKeyAnomalyDetector(settings: settings.apiKeyAnomaly, enricher: nil)
        let servers = InputValidationDetector(settings: settings.inputValidation)
        let state = try store.loadState()
        // Stored bytes are input too: one that does not decode is named, as the engine names it.
        for detector in [keys, servers] as [any Detector] {
            guard let d = state[detector.name] else { continue }
            do { try detector.restore(d, context: context) } catch {
                throw VigilError.state(detector: detector.name, reason: "detector_state row \(detector.name), column state: \(error)")
            }
        }
        return (keys, servers, context)
    }

    package static func key(
        _ name: String, store: some CheckpointStore, settings: DetectorSettings = DetectorSettings()
    ) throws -> KeyBaseline? {
        let (d, _, context) = try detectors(store, settings: settings)
        guard let k = d.keys[context.symbols.intern(name)] else { return nil }
        func minute(_ m: UInt32) -> String { EventTime.format(Int64(m) * EventTime.minute) }
        func known(_ kind: KnownValues.Kind, _ name: (UInt64) -> String) -> [KeyBaseline.Known] {
            k.known.entries(kind).sorted { $0.first < $1.first }.map {
                .init(value: name($0.value), firstSeen: minute($0.first), lastSeen: minute($0.last))
            }
        }
        // A Monday and a Sunday in the key's week, for the two profiles.
        let base = k.lastSeen / (7 * EventTime.day) * (7 * EventTime.day) + 4 * EventTime.day  // 1970-01-01 was a Thursday
        let monday = base / EventTime.hour, sunday = monday + 6 * 24
        return KeyBaseline(
            key: name, firstSeen: EventTime.format(k.firstSeen), lastSeen: EventTime.format(k.lastSeen), requests: k.total,
            warmedUp: d.isWarm(k, at: k.lastSeen), level: k.level, levelHours: Int(k.levelHours), dispersion: k.dispersion,
            errorShare: k.errorMean,
            expectedWeekday: (0..<24).map { k.level * d.profile.factor(hourNumber: monday + Int64($0)) },
            expectedSunday: (0..<24).map { k.level * d.profile.factor(hourNumber: sunday + Int64($0)) },
            countries: known(.country) { APIKeyAnomalyDetector.countryName(UInt16(truncatingIfNeeded: $0)) ?? "?" },
            asns: known(.asn) { "AS\($0)" },
            networks: known(.network) { v in
                v & (1 << 63) != 0
                    ? CIDR(network: IPAddress(raw: UInt128(v & ~(1 << 63)) << 80), prefix: 48).description
                    : CIDR(network: IPAddress(v4: UInt32(truncatingIfNeeded: v) << 8), prefix: 24).description
            },
            tools: known(.tool) { context.string(Symbol(id: UInt32(truncatingIfNeeded: $0))) ?? "?" },
            lastPlace: k.place.map {
                "\($0.city ?? "?") (\(String(format: "%.2f, %.2f", $0.lat, $0.lon))) at \(EventTime.format($0.time))"
            },
            recentHours: k.recent.hours.map {
                .init(hour: EventTime.format($0.hour * EventTime.hour), observed: Int($0.observed), expected: Double($0.expected))
            })
    }

    package static func server(
        _ name: String, store: some CheckpointStore, settings: DetectorSettings = DetectorSettings()
    ) throws -> ServerBaseline? {
        let (_, d, context) = try detectors(store, settings: settings)
        guard let b = d.baselines[context.symbols.intern(name)] else { return nil }
        return ServerBaseline(server: name, meanShare: b.mean, sdShare: b.variance.squareRoot(), hours: b.hours)
    }

    /// Known API keys (for "did you mean").
    package static func keyNames(store: some CheckpointStore) throws -> [String] {
        let (d, _, context) = try detectors(store, settings: DetectorSettings())
        return d.keys.keys.compactMap { context.string($0) }.sorted()
    }
}
