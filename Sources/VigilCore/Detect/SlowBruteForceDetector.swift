import Foundation

/// Slow brute force: one client failing to authenticate at a steady pace below the burst rate,
/// which `auth_failure_burst` (more than 5 in 5 minutes) never sees. Attack tools pace
/// themselves (one try every few minutes, per address of a botnet) precisely to stay under
/// burst rules like fail2ban's.
///
/// Two rules, either one opens the finding (P3):
/// - **steady pace**: at least `min_failures` failures inside `window` (2 h) whose median
///   spacing is at least `min_spacing` (5 min). Failures less than a minute after the one
///   before (more passwords on one connection, a user retyping) are one try and add no
///   spacing, so a user who mistypes a few times in a row never has a long median.
/// - **rate**: at least `rate_threshold` failures inside `rate_window` (10 in 1 h), whatever
///   their spacing.
/// With the defaults, every steady pace of one try per 5 minutes or faster meets the rate rule,
/// and every slower one the pace rule: no pace slips between them.
///
/// Failures are weighted by `Event.attempts` (lines with no attempt, and pre-authentication
/// noise, do not count). While the client's `auth_failure_burst` episode is open the rule
/// stays quiet: the burst is already a finding, and a second one for the same failures says
/// nothing new. When the burst is over and the client goes on slowly, this rule reports it.
final class SlowBruteForceDetector: Detector {
    let name = DetectorSettings.SlowBruteForce.detectorName
    private let settings: DetectorSettings.SlowBruteForce
    private let ipv6Prefix: Int
    /// Failures less than this apart are one try and add no spacing.
    static let sameTry: Int64 = EventTime.minute
    static let burstName = DetectorSettings.AuthFailureBurst.detectorName

    /// A client's recent failures, in the order they came, trimmed to the window. Bounded: the
    /// rule fires (and empties the list) at `rate_threshold` failures in `rate_window`, so the
    /// list holds fewer than `rate_threshold × ⌈window / rate_window⌉` entries. The first is
    /// kept inline: most clients fail once, and then cost no allocation.
    struct Pace: ExpiringState {
        struct Failure {
            var time: Int64
            var weight: UInt32
            /// Who it was for: a later success of the same user forgives it.
            var user: Symbol
        }
        var failures = InlineFirstList<Failure>()
        var last: Int64 = .min

        init() {}
    }

    private var noise = PreauthNoiseSymbols()
    private var ruleID: Int32?
    private var burstRuleID: Int32?

    init(settings: DetectorSettings.SlowBruteForce, ipv6Prefix: Int) {
        self.settings = settings
        self.ipv6Prefix = ipv6Prefix
    }

    /// The shared client table, keeping clients for this rule's window and capacity.
    @inline(__always)
    private func table(_ context: DetectionContext) -> SSHClientTable {
        context.sshClients(window: settings.window, capacity: settings.maxClients)
    }

    func observe(_ event: Event, context: DetectionContext) {
        if event.outcome == .success {
            forgive(event, table(context))
            return
        }
        guard noise.isCountedAttempt(event, in: context.symbols),
            let subject = Subject.client(of: event, ipv6Prefix: ipv6Prefix)
        else { return }
        let tracker = context.findings
        let rule = ruleID ?? tracker.ruleID(detector: name, rule: name)
        ruleID = rule
        let burst = burstRuleID ?? tracker.ruleID(detector: Self.burstName, rule: Self.burstName)
        burstRuleID = burst
        if tracker.isOpen(rule: burst, subject: subject, at: event.time) { return }
        if tracker.isOpen(rule: rule, subject: subject, at: event.time) {
            tracker.report(
                rule: rule, subject: subject, severity: settings.severity, server: event.server, time: event.time,
                cooldown: settings.cooldown
            ) { f, _ in
                f.count += Int(event.attempts)
                context.note(event, in: &f)
            }
            return
        }
        var fired: (first: Int64, total: Int, why: String)?
        let followed = table(context).update(subject) { record in
            record.pace.failures.append(Pace.Failure(time: event.time, weight: event.attempts, user: event.user))
            record.pace.last = max(record.pace.last, event.time)
            let cutoff = event.time - settings.window
            if record.pace.failures.contains(where: { $0.time < cutoff }) { record.pace.failures.keep { $0.time >= cutoff } }
            // One failure has no spacing: only the rate rule can judge it (exactly as `verdict` would).
            guard record.pace.failures.count > 1 || Int(event.attempts) >= settings.rateThreshold else { return }
            if let why = verdict(record.pace.failures.elements, at: event.time) {
                let failures = record.pace.failures
                fired = (failures.lazy.map(\.time).min() ?? event.time, failures.reduce(0) { $0 + Int($1.weight) }, why)
                record.pace.failures.removeAll()
            }
        }
        if !followed { context.reportTrackingFull(detector: name, capacity: settings.maxClients, subjects: "clients", event: event) }
        guard let fired else { return }
        tracker.report(
            rule: rule, subject: subject, severity: settings.severity, server: event.server, time: fired.first,
            cooldown: settings.cooldown
        ) { f, _ in
            f.count += fired.total
            context.note(event, in: &f)
            f.lastSeen = max(f.lastSeen, event.time)
            f.evidence.attributes["pace"] = fired.why
        }
    }

    /// A user who logs in from the client was mistyping, not guessed: the client's earlier
    /// failures for that user are forgotten (a person who mistypes once on each of four
    /// logins over an evening is no slow brute force). Failures for other users stay: an
    /// attacker cannot launder guesses by logging in to an account of its own, and a success
    /// after a connection's failures for other users is `success_after_failures` anyway.
    private func forgive(_ event: Event, _ table: SSHClientTable) {
        guard !event.user.isNone, let subject = Subject.client(of: event, ipv6Prefix: ipv6Prefix) else { return }
        table.updateExisting(subject) { record in
            if record.pace.failures.contains(where: { $0.user == event.user }) { record.pace.failures.keep { $0.user != event.user } }
        }
    }

    /// Why `failures` are a slow brute force, or `nil` when they are not.
    private func verdict(_ failures: [Pace.Failure], at time: Int64) -> String? {
        var total = 0, recent = 0
        for failure in failures {
            total += Int(failure.weight)
            if failure.time >= time - settings.rateWindow { recent += Int(failure.weight) }
        }
        if recent >= settings.rateThreshold {
            return "\(recent) failures within \(DurationText.format(settings.rateWindow))"
        }
        guard total >= settings.minFailures else { return nil }
        let sorted = failures.map(\.time).sorted()
        var gaps: [Int64] = []
        for i in sorted.indices.dropFirst() where sorted[i] - sorted[i - 1] >= Self.sameTry {
            gaps.append(sorted[i] - sorted[i - 1])
        }
        guard !gaps.isEmpty else { return nil }
        gaps.sort()
        let median = gaps.count % 2 == 1 ? gaps[gaps.count / 2] : (gaps[gaps.count / 2 - 1] + gaps[gaps.count / 2]) / 2
        guard median >= settings.minSpacing else { return nil }
        return "\(total) failures within \(DurationText.format(settings.window)), a median \(DurationText.format(median)) apart"
    }

    func describe(_ f: inout Finding, context: DetectionContext) {
        guard f.rule != DetectionContext.trackingFullRule else { return }  // written when reported
        f.evidence.counts["failures"] = f.count
        let users = f.evidence.users.prefix(5).joined(separator: ", ")
        let more = f.evidence.users.count > 5 || f.evidence.moreUsers > 0 ? ", …" : ""
        f.message =
            "Slow brute force: \(f.count) authentication failures from \(f.subject) at a pace below the burst rate"
            + (users.isEmpty ? "" : " (users: \(users)\(more))")
    }

    func advance(to watermark: Int64, context: DetectionContext) {
        table(context).expire(before: watermark)
    }

    // MARK: persistence

    /// Version 3 of a pace's form: each failure with its user (version 2, without, is read
    /// with no user: such failures are never forgiven).
    static let stateVersion: UInt8 = 3

    /// The clients' state is in the shared table (`SSHClientTable`, saved by `Engine`): this
    /// rule's own row is left empty, which also clears a row an earlier version wrote.
    func snapshot(context: DetectionContext) throws -> Data? { Data() }

    /// A state of an earlier version (this rule's own table, version 2 or 3), merged into the
    /// shared table; an empty one is nothing.
    func restore(_ data: Data, context: DetectionContext) throws {
        guard !data.isEmpty else { return }
        var legacy = ExpiringSubjects<Pace>(capacity: settings.maxClients)
        try legacy.restore(data, context.symbols, versions: 2...Self.stateVersion) { reader, version in
            try Self.readPace(from: &reader, version: version, context)
        }
        let table = table(context)
        for (subject, pace) in legacy.entries { table.update(subject) { $0.pace = pace } }
    }

    static func write(_ pace: Pace, to writer: inout BinaryWriter, _ context: DetectionContext) {
        writer.u32(UInt32(pace.failures.count))
        for failure in pace.failures {
            writer.i64(failure.time)
            writer.u32(failure.weight)
            writer.string(context.string(failure.user) ?? "")
        }
        writer.i64(pace.last)
    }

    static func readPace(from reader: inout BinaryReader, version: UInt8, _ context: DetectionContext) throws -> Pace {
        var pace = Pace()
        for _ in 0..<(try reader.u32()) {
            let time = try reader.i64()
            let weight = try reader.u32()
            let user = version >= 3 ? try reader.string() : ""
            pace.failures.append(Pace.Failure(time: time, weight: weight, user: user.isEmpty ? .none : context.symbols.intern(user)))
        }
        pace.last = try reader.i64()
        return pace
    }
}

extension SlowBruteForceDetector {
    /// A count of failures: 1 or more (0 would make every failure a finding).
    static let failuresCheck: DetectorSetting.Check = { value in
        guard case let .integer(count) = value else { return nil }
        if count < 1 { return .error(" must be 1 or more") }
        if count == 1 { return .warning(" 1 makes every single failure a slow brute force") }
        return nil
    }

    /// The policy's `detectors.slow_brute_force`.
    static var descriptor: DetectorDescriptor {
        DetectorDescriptor(
            name: DetectorSettings.SlowBruteForce.detectorName,
            settings: [
                .flag("enabled", \.slowBruteForce.enabled),
                .integer("min_failures", \.slowBruteForce.minFailures, check: failuresCheck),
                .duration("min_spacing", \.slowBruteForce.minSpacing),
                .duration("window", \.slowBruteForce.window, check: DetectorSetting.windowCheck),
                .integer("rate_threshold", \.slowBruteForce.rateThreshold, check: failuresCheck),
                .duration("rate_window", \.slowBruteForce.rateWindow, check: DetectorSetting.windowCheck),
                .severity("severity", \.slowBruteForce.severity),
                .duration("cooldown", \.slowBruteForce.cooldown, check: DetectorSetting.cooldownCheck),
            ],
            consistency: [
                { settings in
                    let s = settings.slowBruteForce
                    guard s.enabled, s.rateThreshold > 0, s.minSpacing > s.rateWindow / Int64(s.rateThreshold) else { return nil }
                    return
                        "slow_brute_force: a steady pace between one failure per \(DurationText.format(s.rateWindow / Int64(s.rateThreshold))) "
                        + "and one per \(DurationText.format(s.minSpacing)) meets neither rule (min_spacing is longer than rate_window / rate_threshold)"
                },
                { settings in
                    // The pace rule needs min_failures tries a median of min_spacing apart inside
                    // window: a shorter window never holds them, and the rule is off unnoticed.
                    let s = settings.slowBruteForce
                    guard s.enabled, s.minFailures > 1 else { return nil }
                    if s.minSpacing <= 0 {
                        return "slow_brute_force: min_spacing 0 makes every \(s.minFailures) failures within the window a slow brute force"
                    }
                    let needed = s.minSpacing * Int64(s.minFailures / 2)  // half the gaps at least min_spacing
                    guard s.window < needed else { return nil }
                    return
                        "slow_brute_force: window \(DurationText.format(s.window)) cannot hold \(s.minFailures) failures a median of \(DurationText.format(s.minSpacing)) apart (it needs at least \(DurationText.format(needed))): the pace rule never fires"
                },
            ]
        ) { policy, _ in
            policy.detectors.slowBruteForce.enabled
                ? SlowBruteForceDetector(settings: policy.detectors.slowBruteForce, ipv6Prefix: policy.clients.ipv6Prefix) : nil
        }
    }
}

extension DetectorSettings {
    /// The settings of `slow_brute_force`.
    var slowBruteForce: SlowBruteForce {
        get { self[SlowBruteForce.self] }
        set { self[SlowBruteForce.self] = newValue }
    }

    package struct SlowBruteForce: DetectorConfiguration {
        package static var detectorName: String { "slow_brute_force" }
        package init() {}
        package var enabled = true
        /// The pace rule: at least this many failures inside `window` …
        var minFailures = 4
        /// … a median of at least this apart (tries, not retyping: see `sameTry`).
        var minSpacing: Int64 = 5 * EventTime.minute
        var window: Int64 = 2 * EventTime.hour
        /// The rate rule: at least this many failures inside `rateWindow`.
        var rateThreshold = 10
        var rateWindow: Int64 = EventTime.hour
        var severity = Severity.p3
        var cooldown: Int64 = 2 * EventTime.hour
        /// Clients followed at once (`ExpiringSubjects`); not a policy setting.
        var maxClients = 262_144
    }
}
