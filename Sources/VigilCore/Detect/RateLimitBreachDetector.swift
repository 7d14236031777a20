import Foundation

/// Requests over a policy rate limit, and requests the server itself refused with 429
/// (plan §1.4: rate-limit violations, fewer than 10 per day).
///
/// For each `rate_limits` entry, requests are counted per entity (`api_key`, `client_ip` or
/// `user`) over a sliding window kept as 64 slices: the count covers the current slice and
/// the 63 before it, so "more than 600 in 1m" is judged at about one-second resolution. Each
/// request over the limit, and each 429 answer, is a breach; breaches of one entity group into
/// episodes (P3). More than `dailyEscalation` breaches by one entity in a UTC day escalate the
/// episode (P2). State per entity is 64 counters, dropped when the window is empty.
final class RateLimitBreachDetector: Detector {
    let name = DetectorSettings.RateLimitBreach.detectorName
    static let slices = 64
    private let settings: DetectorSettings.RateLimitBreach
    private let rules: [RateLimit]
    /// Slice width per rule (window / 64, at least 1 ms).
    private let widths: [Int64]
    private let pers: [RateLimit.Entity]
    private let limits: [Int]
    private let everyServer: [Bool]

    private struct Counter {
        var slices = [UInt32](repeating: 0, count: RateLimitBreachDetector.slices)
        var head: Int64 = .min  // slice number of the newest slice
        var total: Int64 = 0

        /// Counts one request in `slice`, dropping slices that left the window; returns the
        /// requests now in the window. A request older than the window is not counted.
        mutating func add(_ slice: Int64) -> Int64 {
            let n = Int64(RateLimitBreachDetector.slices)
            if slice > head {
                if head == .min || slice - head >= n {
                    // The whole window has passed (the usual case for a quiet key): one memset.
                    if total != 0 { slices.withUnsafeMutableBufferPointer { $0.update(repeating: 0) } }
                    total = 0
                } else {
                    for k in 0..<(slice - head) {
                        let idx = Int((slice - k) & (n - 1))
                        total -= Int64(slices[idx])
                        slices[idx] = 0
                    }
                }
                head = slice
            }
            if slice > head - n {
                slices[Int(slice & (n - 1))] += 1
                total += 1
            }
            return total
        }
    }

    private struct Key: Hashable {
        var rule: Int
        var entity: Subject
    }

    private var counters: [Key: Counter] = [:]
    /// Counters of symbol entities (API keys, users): `symbolSlots[symbol id × rules + rule]`
    /// indexes `pool` (-1: none). Emptied slots go to `free` for reuse, so the pool stays as
    /// large as the entities active within a window, and no counter moves between maps.
    private var symbolSlots: [Int32] = []
    private var pool: [Counter] = []
    private var poolKeys: [Key?] = []
    private var free: [Int32] = []

    /// The pool index of a key's (or user's) counter for a rule, made on first use.
    @inline(__always)
    private func slot(for sym: Symbol, rule i: Int, user: Bool = false) -> Int {
        let slot = Int(sym.id) * rules.count + i
        if slot < symbolSlots.count, symbolSlots[slot] >= 0 { return Int(symbolSlots[slot]) }
        if slot >= symbolSlots.count { symbolSlots += [Int32](repeating: -1, count: max(slot + 1 - symbolSlots.count, 4096)) }
        let key = Key(rule: i, entity: user ? .user(sym) : .apiKey(sym))
        let restored = counters.removeValue(forKey: key) ?? Counter()
        if let f = free.popLast() {
            symbolSlots[slot] = f
            pool[Int(f)] = restored
            poolKeys[Int(f)] = key
        } else {
            symbolSlots[slot] = Int32(pool.count)
            pool.append(restored)
            poolKeys.append(key)
        }
        return Int(symbolSlots[slot])
    }

    /// Every live counter, from both maps (for state and eviction).
    private func allCounters() -> [(Key, Counter)] {
        var out = Array(counters)
        for (i, k) in poolKeys.enumerated() { if let k { out.append((k, pool[i])) } }
        return out
    }

    /// Breaches per entity in the current UTC day.
    private var daily: [Subject: (day: Int64, count: Int)] = [:]
    private var serverMatch: [UInt32: [Bool]] = [:]

    init(settings: DetectorSettings.RateLimitBreach, rules: [RateLimit]) {
        self.settings = settings
        // With no configured limit, 429 answers still count, per API key else address.
        self.rules =
            rules.isEmpty
            ? [
                RateLimit(
                    name: "server_429", per: .apiKey, limit: .max, window: EventTime.minute,
                    location: SourceLocation(file: "built-in"))
            ] : rules
        widths = self.rules.map { max(1, $0.window / Int64(RateLimitBreachDetector.slices)) }
        pers = self.rules.map(\.per)
        limits = self.rules.map(\.limit)
        everyServer = self.rules.map(\.servers.isEmpty)
    }

    private func applies(_ rule: Int, _ server: Symbol, _ context: DetectionContext) -> Bool {
        if everyServer[rule] { return true }
        if let m = serverMatch[server.id] { return m[rule] }
        let name = context.string(server) ?? ""
        let m = rules.map { r in r.servers.isEmpty || r.servers.contains { fnmatch($0, name, 0) == 0 } }
        serverMatch[server.id] = m
        return m[rule]
    }

    private func entity(_ per: RateLimit.Entity, _ event: Event) -> Subject? {
        switch per {
        case .apiKey:
            return event.apiKey.isNone
                ? (rules.count == 1 && rules[0].limit == .max ? Subject.client(of: event) : nil) : .apiKey(event.apiKey)
        case .clientIP: return Subject.client(of: event)
        case .user: return event.user.isNone ? nil : .user(event.user)
        }
    }

    func observe(_ event: Event, context: DetectionContext) {
        // Only requests (they carry a status): sshd login attempts have no rate limits.
        guard event.status != 0 else { return }
        // Rules are read through plain arrays: copying a `RateLimit` (it holds strings) per
        // request cost a dozen reference-count operations.
        for i in 0..<pers.count {
            let per = pers[i], limit = limits[i]
            // The common case first: a limit per API key, counted in its array slot.
            if per == .apiKey, limit != .max, !event.apiKey.isNone, applies(i, event.server, context) {
                let total = pool[slot(for: event.apiKey, rule: i)].add(event.time / widths[i])
                if total > Int64(limit) || event.outcome == .rateLimited {
                    breach(
                        event, ruleIndex: i, who: .apiKey(event.apiKey), total: total, refused: event.outcome == .rateLimited,
                        context: context)
                }
                continue
            }
            guard let who = entity(per, event), applies(i, event.server, context) else { continue }
            // The built-in rule only counts the server's 429s.
            if limit == .max {
                if event.outcome == .rateLimited { breach(event, ruleIndex: i, who: who, total: 0, refused: true, context: context) }
                continue
            }
            // Counted in place: no copy of the slices per request. Keys and users (symbols)
            // find their counter by array index; addresses through the dictionary.
            let total: Int64
            switch who {
            case let .apiKey(sym), let .user(sym):
                total = pool[slot(for: sym, rule: i, user: who.kind == "user")].add(event.time / widths[i])
            default:
                total = counters[Key(rule: i, entity: who), default: Counter()].add(event.time / widths[i])
            }
            let over = total > Int64(limit)
            if over || event.outcome == .rateLimited {
                breach(event, ruleIndex: i, who: who, total: total, refused: event.outcome == .rateLimited, context: context)
            }
        }
    }

    /// The finding tracker's id of each rule, asked once (-1: not yet).
    private var trackerRuleIDs: [Int32] = []

    /// Counts a breach of rule `ruleIndex` into its episode. Takes the index, not the rule:
    /// copying a `RateLimit` (it holds strings) per breach cost reference counting, and an
    /// attacker decides how many breaches there are.
    private func breach(_ event: Event, ruleIndex: Int, who: Subject, total: Int64, refused: Bool, context: DetectionContext) {
        if trackerRuleIDs.isEmpty { trackerRuleIDs = Array(repeating: -1, count: rules.count) }
        if trackerRuleIDs[ruleIndex] < 0 {
            trackerRuleIDs[ruleIndex] = context.findings.ruleID(detector: name, rule: rules[ruleIndex].name)
        }
        let limit = limits[ruleIndex]
        let day = event.time / EventTime.day
        var d = daily[who] ?? (day, 0)
        if d.day != day { d = (day, 0) }
        d.count += 1
        daily[who] = d
        // A lone 429 is the server enforcing its limit: low. Over the policy's limit: P3.
        // More than `dailyEscalation` breaches in a day: P2.
        let severity =
            d.count > settings.dailyEscalation
            ? settings.escalatedSeverity
            : refused && limit != .max && total <= Int64(limit) || limit == .max
                ? settings.refusedSeverity : settings.severity
        context.findings.report(
            rule: trackerRuleIDs[ruleIndex], subject: who, severity: severity, server: event.server, time: event.time,
            cooldown: settings.cooldown
        ) { f, _ in
            f.count += 1
            context.note(event, in: &f)
            f.evidence.counts[refused ? "answered_429" : "over_limit", default: 0] += 1
            f.evidence.counts["breaches_today"] = d.count
            f.evidence.counts["max_in_window"] = max(f.evidence.counts["max_in_window"] ?? 0, Int(total))
        }
    }

    /// The message and the limit: text made once per commit, not per breach.
    func describe(_ f: inout Finding, context: DetectionContext) {
        guard let rule = rules.first(where: { $0.name == f.rule }) else { return }
        if rule.limit != .max {
            f.evidence.attributes["limit"] = "\(rule.limit) per \(DurationText.format(rule.window)) per \(rule.per.rawValue) (\(rule.name))"
        }
        let today = f.evidence.counts["breaches_today"] ?? 0
        let who = f.subjectKind == "api_key" ? "API key \(f.subject)" : f.subject
        f.message =
            "\(f.count) rate-limit breach\(f.count == 1 ? "" : "es") by \(who)"
            + (rule.limit == .max
                ? " (answered 429)"
                : " (limit \(rule.limit) per \(DurationText.format(rule.window)); up to \(f.evidence.counts["max_in_window"] ?? 0) counted)")
            + (today > settings.dailyEscalation ? "; \(today) today, over \(settings.dailyEscalation) a day" : "")
    }

    private var sweptHour: Int64 = .min

    func advance(to watermark: Int64, context: DetectionContext) {
        // Once an hour of event time: forget entities whose window is empty, and daily
        // counts of past days (an empty counter kept a little longer changes no count).
        guard watermark / EventTime.hour != sweptHour else { return }
        sweptHour = watermark / EventTime.hour
        func live(_ key: Key, _ c: Counter) -> Bool { (c.head + 1) * widths[key.rule] + rules[key.rule].window > watermark }
        counters = counters.filter { live($0.key, $0.value) }
        for (i, k) in poolKeys.enumerated() {
            guard let k, !live(k, pool[i]) else { continue }
            if case let .apiKey(sym) = k.entity { symbolSlots[Int(sym.id) * rules.count + k.rule] = -1 }
            if case let .user(sym) = k.entity { symbolSlots[Int(sym.id) * rules.count + k.rule] = -1 }
            poolKeys[i] = nil
            pool[i] = Counter()
            free.append(Int32(i))
        }
        let today = watermark / EventTime.day
        daily = daily.filter { $0.value.day == today }
    }

    // MARK: persistence

    /// Binary: version, then counters (rule name, entity, head slice, the slices) and daily
    /// breach counts — JSON cost 4% of a run with 10,000 keys.
    func snapshot(context: DetectionContext) throws -> Data? {
        let all = allCounters()
        var w = BinaryWriter(capacity: all.count * 300 + 64)
        w.u8(1)
        let c = all.map { (rules[$0.0.rule].name, $0.0.entity.kind, $0.0.entity.text(context.symbols), $0.1) }
            .sorted { ($0.0, $0.1, $0.2) < ($1.0, $1.1, $1.2) }
        w.u32(UInt32(c.count))
        for (rule, kind, entity, v) in c {
            w.string(rule); w.string(kind); w.string(entity); w.i64(v.head)
            for x in v.slices { w.u32(x) }
        }
        let d = daily.map { ($0.key.kind, $0.key.text(context.symbols), $0.value) }.sorted { ($0.0, $0.1) < ($1.0, $1.1) }
        w.u32(UInt32(d.count))
        for (kind, entity, v) in d { w.string(kind); w.string(entity); w.i64(v.day); w.u32(UInt32(v.count)) }
        return Data(w.bytes)
    }

    func restore(_ data: Data, context: DetectionContext) throws {
        var r = BinaryReader([UInt8](data))
        guard try r.u8() == 1 else { throw BinaryReader.Truncated() }
        counters = [:]
        symbolSlots = []; pool = []; poolKeys = []; free = []
        for _ in 0..<(try r.u32()) {
            let rule = try r.string(), kind = try r.string(), entity = try r.string(), head = try r.i64()
            var slices = [UInt32](repeating: 0, count: RateLimitBreachDetector.slices)
            for i in 0..<RateLimitBreachDetector.slices { slices[i] = try r.u32() }
            guard let ri = rules.firstIndex(where: { $0.name == rule }),
                let who = Subject(kind: kind, text: entity, symbols: context.symbols)
            else { continue }
            counters[Key(rule: ri, entity: who)] = Counter(slices: slices, head: head, total: slices.reduce(0) { $0 + Int64($1) })
        }
        daily = [:]
        for _ in 0..<(try r.u32()) {
            let kind = try r.string(), entity = try r.string(), day = try r.i64(), count = Int(try r.u32())
            if let who = Subject(kind: kind, text: entity, symbols: context.symbols) { daily[who] = (day, count) }
        }
    }
}

extension RateLimitBreachDetector {
    /// The policy's `detectors.rate_limit_breach` (the limits themselves are `rate_limits`).
    static var descriptor: DetectorDescriptor {
        DetectorDescriptor(
            name: DetectorSettings.RateLimitBreach.detectorName,
            settings: [
                .flag("enabled", \.rateLimitBreach.enabled),
                .severity("severity", \.rateLimitBreach.severity),
                .severity("escalated_severity", \.rateLimitBreach.escalatedSeverity),
                .count("daily_escalation", \.rateLimitBreach.dailyEscalation),
                .duration("cooldown", \.rateLimitBreach.cooldown, check: DetectorSetting.cooldownCheck),
                .severity("refused_severity", \.rateLimitBreach.refusedSeverity),
            ]
        ) { policy, _ in
            policy.detectors.rateLimitBreach.enabled
                ? RateLimitBreachDetector(settings: policy.detectors.rateLimitBreach, rules: policy.rateLimits) : nil
        }
    }
}

extension DetectorSettings {
    /// The settings of `rate_limit_breach`.
    var rateLimitBreach: RateLimitBreach {
        get { self[RateLimitBreach.self] }
        set { self[RateLimitBreach.self] = newValue }
    }

    package struct RateLimitBreach: DetectorConfiguration {
        package static var detectorName: String { "rate_limit_breach" }
        package init() {}
        package var enabled = true
        /// Requests over the policy's limit.
        package var severity = Severity.p3
        /// Requests the server answered 429 while the entity was within the policy's limit.
        var refusedSeverity = Severity.p4
        /// Severity once an entity has more than `dailyEscalation` breaches in a UTC day
        /// (plan §1.4: "< 10 rate-limit violations per day").
        var escalatedSeverity = Severity.p2
        var dailyEscalation = 10
        var cooldown: Int64 = 15 * EventTime.minute
    }
}
