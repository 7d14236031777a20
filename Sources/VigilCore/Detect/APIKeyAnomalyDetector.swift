import Foundation

/// API keys behaving unlike themselves (plan §1.4: "API key usage anomalies — deviation from
/// baseline", hourly).
///
/// Rules (`rule` of the finding):
/// - `volume`: requests in an hour against the key's own baseline: an exponentially weighted
///   level (about two days of memory) times the fleet's hour-of-day and day-of-week profile.
///   Alert when the Poisson tail P(X ≥ observed) is below `pValue`, observed is at least
///   `ratio` × expected and at least `minCount` (counts are first divided by the square root
///   of the key's measured over-dispersion, so bursty keys need bigger jumps). Anomalous hours do not feed
///   the baseline. Before warm-up only the static floor applies. The same test is also tried
///   during the hour on the count so far (`checkVolumeEarly`), so a spike is reported within
///   minutes; the hour's end then completes that finding.
/// - `new_country`, `new_asn`, `new_network` (/24 or /48): a value the key has not used in
///   its history (values unused for `forget` are forgotten); silent during warm-up.
/// - `impossible_travel`: consecutive uses from places further apart than `travelKm`, faster
///   than `travelSpeedKmh` (GeoIP locations).
/// - `new_tool`: a tool the key never called, after warm-up.
/// - `error_ratio`: the key's share of auth failures, refusals and errors in an hour far above
///   its own baseline.
///
/// Scoring: `volume`, `new_country`, `new_asn`, `impossible_travel` and `error_ratio` are P3,
/// `new_network` and `new_tool` P4 (address churn and new tools are common on their own); a
/// finding is raised one level (P4 → P3, P3 → P2) when another rule other than those two fired
/// for the key in the last 24 hours, or the key failed authentication in that time.
///
/// Event time only: an hour is judged when the watermark passes its end; events of an hour
/// already judged are counted as late and do not enter the volume baseline.
final class APIKeyAnomalyDetector: Detector {
    let name = DetectorSettings.APIKeyAnomaly.detectorName
    let settings: DetectorSettings.APIKeyAnomaly
    let enricher: Enricher?
    /// Weight of one hour in the key's level (half-life about 34 hours).
    static let alpha = 0.02

    /// Key states by symbol id (symbols are small dense integers): an array index per event
    /// instead of a hash lookup. `keys` is the same set as a dictionary, for the rest.
    private var byID: [KeyState?] = []
    var keys: [Symbol: KeyState] = [:]

    /// Call after replacing `keys` wholesale (restore, forgetting idle keys).
    func rebuildIndex() {
        byID = []
        for (sym, k) in keys { place(sym, k) }
    }

    private func place(_ sym: Symbol, _ k: KeyState) {
        let i = Int(sym.id)
        if i >= byID.count { byID += [KeyState?](repeating: nil, count: max(i + 1 - byID.count, 1024)) }
        byID[i] = k
    }

    /// The key's state, if it has one (by index, not by hashing).
    @inline(__always)
    func existing(_ sym: Symbol) -> KeyState? {
        let i = Int(sym.id)
        return i < byID.count ? byID[i] : nil
    }

    @inline(__always)
    private func state(_ sym: Symbol, firstSeen: Int64) -> KeyState {
        let i = Int(sym.id)
        if i < byID.count, let k = byID[i] { return k }
        let k = KeyState(firstSeen: firstSeen)
        keys[sym] = k
        place(sym, k)
        return k
    }
    var profile = SeasonalProfile()
    var openHour: Int64 = .min
    /// Keys with requests in the open hour, and each one's first request of it (the evidence
    /// sample; `nil` only if a restored state lacked it). `KeyState.activeSlot` indexes both.
    private(set) var active: [Symbol] = []
    private(set) var activeSamples: [SampleRef?] = []

    func restoreActive(_ list: [(Symbol, SampleRef?)]) {
        active = list.map(\.0)
        activeSamples = list.map(\.1)
        for (i, sym) in active.enumerated() { existing(sym)?.activeSlot = Int32(i) }
    }

    /// The open hour's sample of an active key.
    func sample(of k: KeyState) -> SampleRef? {
        let i = Int(k.activeSlot)
        return i >= 0 && i < activeSamples.count ? activeSamples[i] : nil
    }
    private(set) var late = 0

    init(settings: DetectorSettings.APIKeyAnomaly, enricher: Enricher?) {
        self.settings = settings
        self.enricher = enricher
    }

    // MARK: observing

    func observe(_ event: Event, context: DetectionContext) {
        guard !event.apiKey.isNone else { return }
        let minute = UInt32(clamping: event.time / EventTime.minute)
        let keyState = state(event.apiKey, firstSeen: event.time)
        let hour = event.time / EventTime.hour
        if openHour == .min { openHour = hour }
        if hour < openHour {
            late += 1
        } else {
            if keyState.hour != openHour {
                keyState.hour = openHour
                keyState.count = 0; keyState.errors = 0
                keyState.activeSlot = Int32(active.count)
                active.append(event.apiKey)
                activeSamples.append(context.sampleRef(event))
                keyState.volumeFired = false
                keyState.volumeCheckAt = earliestVolumeCheck(keyState)
            }
            keyState.count += 1
            switch event.outcome {
            case .authFailure, .forbidden, .error: keyState.errors += 1
            default: break
            }
            keyState.lastTime = max(keyState.lastTime, event.time)
            if keyState.count >= keyState.volumeCheckAt { checkVolumeEarly(keyState, key: event.apiKey, time: event.time, context) }
        }
        if event.outcome == .authFailure { keyState.lastAuthFailure = max(keyState.lastAuthFailure, event.time) }
        // Judged against the history before this request.
        let warmed = event.time - keyState.firstSeen >= settings.warmup && keyState.total >= Int64(settings.warmupRequests)
        keyState.total += 1
        keyState.lastSeen = max(keyState.lastSeen, event.time)

        if !event.tool.isNone, event.outcome == .success || event.outcome == .invalidInput || event.outcome == .error {
            // A known tool already recorded this hour (a 64-bit sketch by symbol id, confirmed
            // by a read-only lookup): its last use is fresh enough, nothing to update.
            if keyState.toolsHour != hour { keyState.toolsHour = hour; keyState.toolsThisHour = 0 }
            let bit = UInt64(1) << UInt64(event.tool.id & 63)
            let same = keyState.toolsThisHour & bit != 0 && keyState.known.contains(.tool, UInt64(event.tool.id))
            keyState.toolsThisHour |= bit
            if !same && keyState.known.touch(.tool, UInt64(event.tool.id), minute: minute, forgetMinutes: forgetMinutes) && warmed {
                fire(.newTool, key: event.apiKey, keyState, event, context) { f in
                    f.evidence.attributes["new_tool"] = context.string(event.tool)
                    f.evidence.attributes["known_tools"] = String(keyState.known.count(.tool) - 1)
                    return "API key \(f.subject) called tool \(context.string(event.tool) ?? "?") for the first time"
                }
            }
        }
        guard let ip = event.clientIP else { return }
        // One of the key's last two addresses, seen within the hour: its network, country and
        // AS number are known and their last use is recent enough for forgetting.
        if keyState.recentlyChecked(ip.raw, minute: minute) { return }
        keyState.noteChecked(ip.raw, minute: minute)
        if keyState.known.touch(.network, APIKeyAnomalyDetector.network(ip), minute: minute, forgetMinutes: forgetMinutes) && warmed {
            fire(.newNetwork, key: event.apiKey, keyState, event, context) { f in
                f.evidence.attributes["new_network"] = CIDR(network: ip, prefix: ip.isV4 ? 24 : 48).description
                f.evidence.attributes["known_networks"] = String(keyState.known.count(.network) - 1)
                return "API key \(f.subject) used from network \(f.evidence.attributes["new_network"]!) for the first time"
            }
        }
        guard let enricher, !enricher.isEmpty else { return }
        let geo = enricher.code(ip)
        if geo.country != 0, keyState.known.touch(.country, UInt64(geo.country), minute: minute, forgetMinutes: forgetMinutes) && warmed {
            let country = APIKeyAnomalyDetector.countryName(geo.country)
            fire(.newCountry, key: event.apiKey, keyState, event, context) { f in
                f.evidence.attributes["new_country"] = country
                f.evidence.attributes["known_countries"] = keyState.known.values(.country).compactMap {
                    APIKeyAnomalyDetector.countryName(UInt16($0))
                }
                .filter { $0 != country }.sorted().joined(separator: ", ")
                return "API key \(f.subject) used from \(country ?? "?") for the first time (\(ip))"
            }
        }
        if geo.asn != 0, keyState.known.touch(.asn, UInt64(geo.asn), minute: minute, forgetMinutes: forgetMinutes) && warmed {
            let org = enricher.info(ip).asOrganization
            fire(.newASN, key: event.apiKey, keyState, event, context) { f in
                f.evidence.attributes["new_asn"] = "AS\(geo.asn)" + (org.map { " \($0)" } ?? "")
                f.evidence.attributes["known_asns"] = String(keyState.known.count(.asn) - 1)
                return "API key \(f.subject) used from AS\(geo.asn)\(org.map { " (\($0))" } ?? "") for the first time"
            }
        }
        if geo.hasLocation {
            let lat = Double(geo.latitude), lon = Double(geo.longitude)
            if let prev = keyState.place, event.time >= prev.time, prev.lat != lat || prev.lon != lon {
                let km = APIKeyAnomalyDetector.distanceKm(prev.lat, prev.lon, lat, lon)
                let hours = max(Double(event.time - prev.time) / Double(EventTime.hour), 1.0 / 60)
                if km > settings.travelKm && km / hours > settings.travelSpeedKmh {
                    let city = enricher.info(ip).city
                    fire(.impossibleTravel, key: event.apiKey, keyState, event, context) { f in
                        f.evidence.attributes["distance_km"] = String(Int(km))
                        f.evidence.attributes["speed_kmh"] = String(Int(km / hours))
                        f.evidence.attributes["from"] = "\(prev.city ?? "?") at \(EventTime.format(prev.time))"
                        f.evidence.attributes["to"] = "\(city ?? "?") at \(EventTime.format(event.time))"
                        return
                            "API key \(f.subject) used \(Int(km)) km apart within \(DurationText.format(event.time - prev.time)) (\(Int(km / hours)) km/h)"
                    }
                }
            }
            if event.time >= (keyState.place?.time ?? .min) {
                if let p = keyState.place, p.lat == lat, p.lon == lon {
                    keyState.place!.time = event.time
                } else {
                    keyState.place = KeyState.Place(lat: lat, lon: lon, time: event.time, city: enricher.info(ip).city)
                }
            }
        }
    }

    var forgetMinutes: UInt32 { UInt32(clamping: settings.forget / EventTime.minute) }

    func isWarm(_ k: KeyState, at time: Int64) -> Bool {
        time - k.firstSeen >= settings.warmup && k.total >= Int64(settings.warmupRequests)
    }

    // MARK: findings

    enum Rule: String, CaseIterable {
        case volume, newCountry = "new_country", newASN = "new_asn", newNetwork = "new_network", impossibleTravel = "impossible_travel"
        case newTool = "new_tool", errorRatio = "error_ratio"

        var index: UInt8 { UInt8(Rule.allCases.firstIndex(of: self)!) }
    }

    /// Raises a finding; `describe` fills in evidence and returns the message.
    func fire(
        _ rule: Rule, key: Symbol, _ k: KeyState, time: Int64, sample: SampleRef?, again: Bool = false, _ context: DetectionContext,
        describe: (inout Finding) -> String
    ) {
        let low = rule == .newNetwork || rule == .newTool
        // Only a serious rule (or an authentication failure) raises another: a new network and
        // a new tool on the same day are still everyday churn.
        let lowIndices: Set<UInt8> = [Rule.newNetwork.index, Rule.newTool.index]
        let others = k.recentRules.filter { $0.rule != rule.index && !lowIndices.contains($0.rule) && time - $0.time <= EventTime.day }
        let combined = !others.isEmpty || (k.lastAuthFailure > 0 && time - k.lastAuthFailure <= EventTime.day)
        var severity = low ? settings.lowSeverity : settings.severity
        if combined { severity = low ? settings.severity : settings.combinedSeverity }
        k.recentRules.removeAll { time - $0.time > EventTime.day || $0.rule == rule.index }
        k.recentRules.append((rule.index, time))
        context.findings.report(
            detector: name, rule: rule.rawValue, subject: .apiKey(key), severity: severity, server: sample?.server ?? .none,
            time: time, cooldown: settings.cooldown
        ) { f, isNew in
            if !again || isNew {
                f.count += 1
                if let sample { context.note(sample, in: &f) }
            }
            f.evidence.attributes["history"] = String(
                format: "%.1f days, %lld requests", Double(time - k.firstSeen) / Double(EventTime.day), k.total)
            if combined {
                let names = others.map { Rule.allCases[Int($0.rule)].rawValue }
                f.evidence.attributes["combined_with"] =
                    (Set(names).sorted() + (k.lastAuthFailure > 0 && time - k.lastAuthFailure <= EventTime.day ? ["auth_failure"] : []))
                    .joined(separator: ", ")
            }
            f.message = describe(&f)
        }
    }

    func fire(_ rule: Rule, key: Symbol, _ k: KeyState, _ event: Event, _ context: DetectionContext, describe: (inout Finding) -> String) {
        fire(rule, key: key, k, time: event.time, sample: context.sampleRef(event), context, describe: describe)
    }

    // MARK: hour close

    func advance(to watermark: Int64, context: DetectionContext) {
        if openHour != .min && watermark / EventTime.hour > openHour {
            closeHour(context)
            openHour = watermark / EventTime.hour
        }
        // Once a day: forget keys idle longer than `forget`.
        let day = watermark / EventTime.day
        if day != sweptDay {
            sweptDay = day
            let before = keys.count
            keys = keys.filter { watermark - $0.value.lastSeen <= settings.forget }
            if keys.count != before { rebuildIndex() }
        }
    }

    private var sweptDay: Int64 = .min

    /// Judges every key active in the open hour, then teaches the fleet profile.
    func closeHour(_ context: DetectionContext) {
        let hour = openHour
        let factor = profile.factor(hourNumber: hour)
        var fleetTotal = 0.0
        // Order does not matter: keys are judged independently, and the fleet total is a sum
        // of whole numbers (exact in a Double), the same in any order.
        for (slot, key) in active.enumerated() {
            guard let k = existing(key), k.hour == hour else { continue }
            let sample = activeSamples[slot]
            let observed = Double(k.count)
            let expected = expectedVolume(k, hour: hour, factor: factor)
            k.level = decayedLevel(k, hour: hour)
            var anomalous = false
            let warmed = isWarm(k, at: k.lastTime) && k.levelHours >= 24
            if warmed && observed >= Double(settings.minCount) && observed >= settings.ratio * expected {
                // The measured over-dispersion also holds the baseline's own error (level and
                // profile are estimates), so only its square root widens the test.
                let test = volumeTest(k, count: k.count, expected: expected, level: k.level, factor: factor)
                if test.p < settings.pValue {
                    anomalous = true
                    // Found during the hour already: the finding is updated with the hour's
                    // final numbers, not counted a second time.
                    fire(.volume, key: key, k, time: k.lastTime, sample: sample, again: k.volumeFired, context) { f in
                        note(test, k, hour: hour, in: &f)
                        f.evidence.attributes["judged"] = k.volumeFired ? "during the hour, then again at its end" : "at the hour's end"
                        // The day before and the anomalous hour, for "requests against baseline" charts.
                        let series =
                            k.recent.hours.suffix(KeyState.recentHours - 1) + [
                                RecentHour(hour: hour, observed: k.count, expected: expected)
                            ]
                        f.evidence.attributes["series_hours"] = series.map { String($0.hour) }.joined(separator: ",")
                        f.evidence.attributes["series_observed"] = series.map { String($0.observed) }.joined(separator: ",")
                        f.evidence.attributes["series_expected"] = series.map { String(format: "%.1f", $0.expected) }.joined(separator: ",")
                        return
                            "API key \(f.subject) made \(k.count) requests in an hour, \(String(format: "%.0f", observed / expected))× its usual \(String(format: "%.1f", expected))"
                    }
                }
            } else if !warmed && k.count >= settings.staticHourlyFloor {
                anomalous = true
                fire(.volume, key: key, k, time: k.lastTime, sample: sample, context) { f in
                    f.evidence.attributes["observed"] = String(k.count)
                    f.evidence.attributes["baseline"] = "static floor \(settings.staticHourlyFloor)/h (key too new for its own baseline)"
                    return "API key \(f.subject) made \(k.count) requests in an hour (static floor \(settings.staticHourlyFloor))"
                }
            }
            // Error share against the key's own.
            let share = Double(k.errors) / max(observed, 1)
            var errorAnomalous = false
            if k.count >= 20 && k.errorHours >= 24 && warmed && share >= max(0.25, 5 * k.errorMean + 0.05) {
                errorAnomalous = true
                fire(.errorRatio, key: key, k, time: k.lastTime, sample: sample, context) { f in
                    f.evidence.attributes["observed_share"] = String(format: "%.1f%%", share * 100)
                    f.evidence.attributes["baseline_share"] = String(format: "%.2f%% over %d hours", k.errorMean * 100, k.errorHours)
                    return
                        "API key \(f.subject): \(String(format: "%.0f", share * 100))% of \(k.count) requests failed or were refused in an hour (usually \(String(format: "%.1f", k.errorMean * 100))%)"
                }
            }
            if k.count >= 5 && !errorAnomalous {
                k.errorMean = k.errorHours == 0 ? share : k.errorMean + 0.05 * (share - k.errorMean)
                k.errorHours += 1
            }
            if !anomalous {
                let x = observed / factor
                if k.levelHours == 0 {
                    k.level = x
                } else {
                    let resid = (observed - expected) * (observed - expected) / expected
                    k.dispersion += 0.02 * (min(resid, 50) - k.dispersion)
                    k.level += APIKeyAnomalyDetector.alpha * (x - k.level)
                }
                k.levelHours += 1
                fleetTotal += observed
            }
            k.lastClosedHour = hour
            k.recent.append(hour: hour, observed: k.count, expected: expected)
            k.activeSlot = -1
        }
        profile.learn(hourNumber: hour, total: fleetTotal)
        let n = active.count
        active.removeAll(keepingCapacity: true)
        // Samples are 104 bytes each: room for about as many keys as this hour had, rather than
        // the capacity that doubling left (up to twice that; a sixth of a key's memory).
        activeSamples = []
        activeSamples.reserveCapacity(n + n / 8)
    }

    // MARK: volume during the hour

    private var factorHour: Int64 = .min
    private var factorOfHour = 1.0

    /// The fleet profile's factor for the open hour (the profile changes only when an hour
    /// closes, so it is computed once an hour, not per key).
    private func openFactor() -> Double {
        if factorHour != openHour {
            factorOfHour = profile.factor(hourNumber: openHour)
            factorHour = openHour
        }
        return factorOfHour
    }

    /// The key's level with the hours since its last judged hour counted as zeros.
    private func decayedLevel(_ k: KeyState, hour: Int64) -> Double {
        guard k.levelHours > 0 && k.lastClosedHour != .min && hour - k.lastClosedHour > 1 else { return k.level }
        let missed = Double(min(hour - k.lastClosedHour - 1, 24 * 60))
        return k.level * pow(1 - APIKeyAnomalyDetector.alpha, missed)
    }

    /// Requests expected of the key in `hour`: exactly what `closeHour` computes for it.
    private func expectedVolume(_ k: KeyState, hour: Int64, factor: Double) -> Double {
        max(decayedLevel(k, hour: hour) * factor, 0.05)
    }

    /// The first count at which the open hour could be judged anomalous (the floors of the
    /// test at the hour's end); `.max` for a key without 24 judged hours of baseline.
    private func earliestVolumeCheck(_ k: KeyState) -> UInt32 {
        guard k.levelHours >= 24 else { return .max }
        let floor = max(
            Double(settings.minCount), (settings.ratio * expectedVolume(k, hour: openHour, factor: openFactor())).rounded(.up), 1)
        return floor >= Double(UInt32.max) ? .max : UInt32(floor)
    }

    /// Judges the open hour before it ends, once its count alone makes it anomalous: the count
    /// can only grow until the hour closes, and every condition of the test then (count floors,
    /// Poisson tail, warm-up) holds for a larger count and a later time if it holds now, so the
    /// hour will be judged anomalous at its end too, where the finding gets the final numbers.
    /// A leaked key used at ten times its rate is reported within minutes, not at the hour's end.
    /// Deterministic in event time: the same events give the same moment.
    private func checkVolumeEarly(_ k: KeyState, key: Symbol, time: Int64, _ context: DetectionContext) {
        let count = k.count
        // Not yet: look again a little later (geometric, so a key near its threshold costs
        // a few tries an hour, not one per request).
        let later = count + max(1, count / 8)
        guard isWarm(k, at: time) else { k.volumeCheckAt = later; return }
        let hour = openHour
        let factor = openFactor()
        let test = volumeTest(
            k, count: count, expected: expectedVolume(k, hour: hour, factor: factor), level: decayedLevel(k, hour: hour), factor: factor)
        guard test.p < settings.pValue else { k.volumeCheckAt = later; return }
        k.volumeFired = true
        k.volumeCheckAt = .max
        fire(.volume, key: key, k, time: time, sample: sample(of: k), context) { f in
            note(test, k, hour: hour, in: &f)
            f.evidence.attributes["judged"] = "during the hour, at \(count) requests (\(EventTime.format(time)))"
            return
                "API key \(f.subject) made \(count) requests in the first \((time - hour * EventTime.hour) / EventTime.minute) minutes of an hour, \(String(format: "%.0f", Double(count) / test.expected))× its usual \(String(format: "%.1f", test.expected)) for a whole hour"
        }
    }

    /// The volume test's numbers for a count in an hour (the floors already passed).
    struct VolumeTest {
        var observed: UInt32
        var expected: Double
        var level: Double
        var factor: Double
        /// Square root of the key's over-dispersion: counts are divided by it before the test.
        var phi: Double
        var p: Double
    }

    private func volumeTest(_ k: KeyState, count: UInt32, expected: Double, level: Double, factor: Double) -> VolumeTest {
        let phi = max(k.dispersion, 1).squareRoot()
        let p = APIKeyAnomalyDetector.poissonTail(Double(count) / phi, expected / phi)
        return VolumeTest(observed: count, expected: expected, level: level, factor: factor, phi: phi, p: p)
    }

    /// The numbers a reviewer needs, on a volume finding.
    private func note(_ t: VolumeTest, _ k: KeyState, hour: Int64, in f: inout Finding) {
        f.evidence.attributes["observed"] = String(t.observed)
        f.evidence.attributes["expected"] = String(format: "%.1f", t.expected)
        f.evidence.attributes["p_value"] = String(format: "%.1e", t.p)
        f.evidence.attributes["score"] = String(format: "%.1f× expected", Double(t.observed) / t.expected)
        f.evidence.attributes["baseline"] = String(
            format: "EWMA level %.2f/h over %d hours × fleet hour/weekday profile %.2f; dispersion %.1f",
            t.level, k.levelHours, t.factor, t.phi)
        f.evidence.attributes["hour"] = EventTime.format(hour * EventTime.hour)
        f.evidence.counts["observed"] = max(f.evidence.counts["observed"] ?? 0, Int(t.observed))
    }

    // MARK: math

    /// P(X ≥ k) for X ~ Poisson(λ), for k above λ (the first term times a geometric bound of
    /// the rest); 1 when k ≤ λ.
    static func poissonTail(_ k: Double, _ lambda: Double) -> Double {
        if k <= lambda { return 1 }
        let kk = floor(k)
        let logTerm = -lambda + kk * log(lambda) - lgamma(kk + 1)
        let rest = 1 / (1 - lambda / (kk + 1))
        return min(1, exp(logTerm) * rest)
    }

    static func distanceKm(_ lat1: Double, _ lon1: Double, _ lat2: Double, _ lon2: Double) -> Double {
        let r = 6371.0, d = Double.pi / 180
        let a = pow(sin((lat2 - lat1) * d / 2), 2) + cos(lat1 * d) * cos(lat2 * d) * pow(sin((lon2 - lon1) * d / 2), 2)
        return 2 * r * asin(min(1, a.squareRoot()))
    }

    /// The /24 (IPv4) or /48 (IPv6) of an address as one integer (top bit marks IPv6).
    static func network(_ ip: IPAddress) -> UInt64 {
        if let v4 = ip.v4Value { return UInt64(v4 >> 8) }
        return 1 << 63 | UInt64(truncatingIfNeeded: ip.raw >> 80)
    }

    static func countryName(_ code: UInt16) -> String? {
        let a = UInt8(code >> 8), b = UInt8(code & 0xff)
        guard a >= 65, a <= 90, b >= 65, b <= 90 else { return nil }
        return String(decoding: [a, b], as: UTF8.self)
    }
}

extension APIKeyAnomalyDetector {
    /// The policy's `detectors.api_key_anomaly`.
    static var descriptor: DetectorDescriptor {
        DetectorDescriptor(
            name: DetectorSettings.APIKeyAnomaly.detectorName,
            settings: [
                .flag("enabled", \.apiKeyAnomaly.enabled),
                .severity("severity", \.apiKeyAnomaly.severity),
                .severity("combined_severity", \.apiKeyAnomaly.combinedSeverity),
                .duration("warmup", \.apiKeyAnomaly.warmup),
                .count("warmup_requests", \.apiKeyAnomaly.warmupRequests),
                .number("p_value", \.apiKeyAnomaly.pValue) { value in
                    guard let pValue = value.number, pValue <= 0 || pValue >= 0.01 else { return nil }
                    return .error(" must be above 0 and below 0.01; across thousands of keys a larger one alerts all day")
                },
                .number("ratio", \.apiKeyAnomaly.ratio) { value in
                    guard let ratio = value.number, ratio < 1 else { return nil }
                    return .error(" must be at least 1 (how many times the expected volume)")
                },
                .count("min_count", \.apiKeyAnomaly.minCount),
                .count("static_hourly_floor", \.apiKeyAnomaly.staticHourlyFloor),
                .number("travel_speed_kmh", \.apiKeyAnomaly.travelSpeedKmh),
                .number("travel_km", \.apiKeyAnomaly.travelKm),
                .duration("cooldown", \.apiKeyAnomaly.cooldown, check: DetectorSetting.cooldownCheck),
                .severity("low_severity", \.apiKeyAnomaly.lowSeverity),
                .duration("forget", \.apiKeyAnomaly.forget),
            ]
        ) { policy, enricher in
            policy.detectors.apiKeyAnomaly.enabled
                ? APIKeyAnomalyDetector(settings: policy.detectors.apiKeyAnomaly, enricher: enricher) : nil
        }
    }
}

extension DetectorSettings {
    /// The settings of `api_key_anomaly`.
    var apiKeyAnomaly: APIKeyAnomaly {
        get { self[APIKeyAnomaly.self] }
        set { self[APIKeyAnomaly.self] = newValue }
    }

    package struct APIKeyAnomaly: DetectorConfiguration {
        package static var detectorName: String { "api_key_anomaly" }
        package init() {}
        package var enabled = true
        package var severity = Severity.p3
        /// Severity when several rules fire for a key within a day, or it also failed auth.
        var combinedSeverity = Severity.p2
        /// Severity of rules that are common on their own (`new_network`, `new_tool`).
        var lowSeverity = Severity.p4
        /// A key is judged against its baseline after this long and this many requests.
        var warmup: Int64 = 5 * EventTime.day
        var warmupRequests = 10
        /// Known countries, networks and tools unused this long are forgotten.
        var forget: Int64 = 30 * EventTime.day
        /// Volume: alert when P(X ≥ observed) < `pValue` and observed ≥ `ratio` × expected
        /// and observed ≥ `minCount`.
        var pValue = 1e-6
        var ratio = 2.0
        var minCount = 20
        /// Cold start: any key above this many requests in an hour, baseline or not.
        var staticHourlyFloor = 5_000
        /// Impossible travel: faster than this between consecutive uses, over at least `travelKm`.
        var travelSpeedKmh = 800.0
        var travelKm = 500.0
        var cooldown: Int64 = 6 * EventTime.hour
    }
}
