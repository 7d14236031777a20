import Foundation

/// Spikes of input validation failures per server (plan §1.4: < 0.5% of requests, hourly).
///
/// Requests and `invalid_input` outcomes are counted per server and hour of event time. When
/// the watermark passes the end of an hour, each server's share is judged: above `threshold`
/// with at least `minRequests` requests is P4; when the share is also far above the server's
/// own baseline — an exponentially weighted mean and variance of past hourly shares — it is
/// P3. Hours judged anomalous do not feed the baseline. Events of an hour already judged
/// (later than the watermark allows) are counted as late and left out.
final class InputValidationDetector: Detector {
    let name = DetectorSettings.InputValidation.detectorName
    private let settings: DetectorSettings.InputValidation
    /// Baseline weight per hour: about a week of memory.
    static let alpha = 1.0 / 168

    private struct Hour {
        var requests = 0
        var invalid = 0
        var lastTime: Int64 = 0
        var sample: SampleRef?

        mutating func add(_ e: Event, _ context: DetectionContext) {
            requests += 1
            if e.outcome == .invalidInput {
                invalid += 1
                if sample == nil { sample = context.sampleRef(e) }
            }
            if e.time > lastTime { lastTime = e.time }
        }
    }

    struct Baseline: Codable {
        var mean = 0.0
        var variance = 0.0
        var hours = 0
    }

    private var openHour: Int64 = .min
    /// The open hour's counts by server: `slot[server symbol id]` indexes `hours`, so counting a
    /// request is two array accesses (a dictionary's hashing showed up per request).
    private var slot: [Int32] = []
    private var hours: [Hour] = []
    private var hourServers: [Symbol] = []

    /// The open hour's counts as a map (for closing and saving).
    private var current: [Symbol: Hour] {
        get {
            var m: [Symbol: Hour] = [:]
            for (i, s) in hourServers.enumerated() { m[s] = hours[i] }
            return m
        }
        set {
            for s in hourServers where Int(s.id) < slot.count { slot[Int(s.id)] = -1 }
            hours = []; hourServers = []
            for (s, h) in newValue.sorted(by: { $0.key.id < $1.key.id }) { hourIndex(s); hours[hours.count - 1] = h }
        }
    }

    @discardableResult
    private func hourIndex(_ s: Symbol) -> Int {
        let id = Int(s.id)
        if id < slot.count, slot[id] >= 0 { return Int(slot[id]) }
        if id >= slot.count { slot += [Int32](repeating: -1, count: max(id + 1 - slot.count, 256)) }
        slot[id] = Int32(hours.count)
        hours.append(Hour())
        hourServers.append(s)
        return hours.count - 1
    }
    private(set) var baselines: [Symbol: Baseline] = [:]
    private(set) var late = 0

    init(settings: DetectorSettings.InputValidation) {
        self.settings = settings
    }

    func observe(_ event: Event, context: DetectionContext) {
        // Requests only (an sshd login has no input to validate).
        guard event.status != 0, !event.server.isNone else { return }
        let hour = event.time / EventTime.hour
        if openHour == .min { openHour = hour }
        if hour < openHour { late += 1; return }
        if hour > openHour { close(context: context); openHour = hour }
        // Mutated in place in its array slot: no copy of the hour (and its sample).
        hours[hourIndex(event.server)].add(event, context)
    }

    /// Judges the open hour of every server, then starts the next.
    private func close(context: DetectionContext) {
        let open = current
        for server in open.keys.sorted(by: { $0.id < $1.id }) {
            let h = open[server]!
            var b = baselines[server] ?? Baseline()
            let share = Double(h.invalid) / Double(max(h.requests, 1))
            var anomalous = false
            if h.requests >= settings.minRequests && share > settings.threshold {
                let sd = b.variance.squareRoot()
                // Far above its own: the share, and the count being that high by chance.
                let expected = max(b.mean, 0.0005) * Double(h.requests)
                let farAbove =
                    b.hours >= 24 && share > max(3 * b.mean, b.mean + 4 * sd)
                    && APIKeyAnomalyDetector.poissonTail(Double(h.invalid), expected) < 1e-6
                anomalous = farAbove
                report(server, h, share, b, farAbove, context)
            }
            if !anomalous && h.requests >= 20 {
                // Welford-style exponentially weighted mean and variance.
                if b.hours == 0 {
                    b.mean = share
                } else {
                    let d = share - b.mean
                    b.mean += InputValidationDetector.alpha * d
                    b.variance = (1 - InputValidationDetector.alpha) * (b.variance + InputValidationDetector.alpha * d * d)
                }
                b.hours += 1
            }
            baselines[server] = b
        }
        current = [:]
    }

    private func report(_ server: Symbol, _ h: Hour, _ share: Double, _ b: Baseline, _ farAbove: Bool, _ context: DetectionContext) {
        context.findings.report(
            detector: name, rule: "invalid_input_share", subject: .server(server),
            severity: farAbove ? settings.baselineSeverity : settings.severity, server: server, time: h.lastTime,
            cooldown: settings.cooldown
        ) { f, _ in
            f.count += h.invalid
            if let s = h.sample { context.note(s, in: &f) }
            f.evidence.counts["requests"] = (f.evidence.counts["requests"] ?? 0) + h.requests
            f.evidence.counts["invalid_input"] = (f.evidence.counts["invalid_input"] ?? 0) + h.invalid
            f.evidence.attributes["observed_share"] = String(format: "%.2f%%", share * 100)
            f.evidence.attributes["threshold"] = String(format: "%.2f%%", settings.threshold * 100)
            f.evidence.attributes["baseline"] =
                b.hours == 0
                ? "none yet (static threshold only)"
                : String(format: "%.3f%% ± %.3f%% over %d hours (EWMA, ~1 week)", b.mean * 100, b.variance.squareRoot() * 100, b.hours)
            f.message =
                String(format: "%.2f%% of %d requests to %@ failed input validation in an hour", share * 100, h.requests, f.subject)
                + (farAbove ? String(format: ", far above its usual %.2f%%", b.mean * 100) : "")
        }
    }

    func advance(to watermark: Int64, context: DetectionContext) {
        // The open hour is judged once event time has moved past it.
        if openHour != .min && watermark / EventTime.hour > openHour {
            close(context: context)
            openHour = watermark / EventTime.hour
        }
    }

    // MARK: persistence

    private struct StoredHour: Codable {
        var server: String
        var requests: Int
        var invalid: Int
        var lastTime: Int64
        var sample: StoredSample?
    }

    private struct State: Codable {
        var openHour: Int64
        var current: [StoredHour]
        var baselines: [String: Baseline]
    }

    func snapshot(context: DetectionContext) throws -> Data? {
        let cur = current.map {
            StoredHour(
                server: context.string($0.key) ?? "", requests: $0.value.requests, invalid: $0.value.invalid,
                lastTime: $0.value.lastTime, sample: $0.value.sample.map { StoredSample($0, context) })
        }
        .sorted { $0.server < $1.server }
        var b: [String: Baseline] = [:]
        for (k, v) in baselines { b[context.string(k) ?? ""] = v }
        return try JSONEncoder.state.encode(State(openHour: openHour, current: cur, baselines: b))
    }

    func restore(_ data: Data, context: DetectionContext) throws {
        let s = try JSONDecoder.state.decode(State.self, from: data)
        openHour = s.openHour
        current = [:]
        for h in s.current {
            current[context.symbols.intern(h.server)] = Hour(
                requests: h.requests, invalid: h.invalid, lastTime: h.lastTime, sample: h.sample?.ref(context))
        }
        baselines = [:]
        for (k, v) in s.baselines { baselines[context.symbols.intern(k)] = v }
    }
}

extension InputValidationDetector {
    /// The policy's `detectors.input_validation`.
    static var descriptor: DetectorDescriptor {
        DetectorDescriptor(
            name: DetectorSettings.InputValidation.detectorName,
            settings: [
                .flag("enabled", \.inputValidation.enabled),
                .severity("severity", \.inputValidation.severity),
                .severity("baseline_severity", \.inputValidation.baselineSeverity),
                .number("share", \.inputValidation.threshold, check: DetectorSetting.fractionCheck),
                .count("min_requests", \.inputValidation.minRequests),
                .duration("cooldown", \.inputValidation.cooldown, check: DetectorSetting.cooldownCheck),
            ]
        ) { policy, _ in
            policy.detectors.inputValidation.enabled ? InputValidationDetector(settings: policy.detectors.inputValidation) : nil
        }
    }
}

extension DetectorSettings {
    /// The settings of `input_validation`.
    var inputValidation: InputValidation {
        get { self[InputValidation.self] }
        set { self[InputValidation.self] = newValue }
    }

    package struct InputValidation: DetectorConfiguration {
        package static var detectorName: String { "input_validation" }
        package init() {}
        package var enabled = true
        /// Share of `invalid_input` requests per server and hour above which a finding opens
        /// (plan §1.4: < 0.5%).
        var threshold = 0.005
        /// Hours with fewer requests are not judged.
        var minRequests = 200
        package var severity = Severity.p4
        /// Severity when the share is also far above the server's own baseline.
        var baselineSeverity = Severity.p3
        var cooldown: Int64 = 2 * EventTime.hour
    }
}
