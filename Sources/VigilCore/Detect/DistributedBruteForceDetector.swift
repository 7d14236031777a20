import Foundation

/// Distributed brute force: one user name failing to log in from many distinct clients inside
/// a window (by default at least 10 within an hour) → P2, subject the user name.
///
/// A botnet spreads its guesses for `root` over thousands of addresses, a few each, so no
/// address ever bursts; seen from the account, the attack is plain. A person failing from
/// home and from a phone is two clients. Only failures that are attempts count
/// (`attempts` > 0, no pre-authentication noise). Clients are counted as the other SSH rules
/// key them: an IPv6 address per `clients.ipv6_prefix` network, so one host hopping inside its
/// /64 is one client.
///
/// Memory: at most `min_clients` clients per user name (the rule fires there and forgets them),
/// and at most 262,144 user names followed at once (names are the attacker's choice).
final class DistributedBruteForceDetector: Detector {
    let name = DetectorSettings.DistributedBruteForce.detectorName
    private let settings: DetectorSettings.DistributedBruteForce
    private let ipv6Prefix: Int
    private var users: ExpiringSubjects<DistinctInWindow<Subject>>
    private var noise = PreauthNoiseSymbols()
    private var ruleID: Int32?

    init(settings: DetectorSettings.DistributedBruteForce, ipv6Prefix: Int) {
        self.settings = settings
        self.ipv6Prefix = ipv6Prefix
        users = ExpiringSubjects(capacity: settings.maxUsers)
    }

    func observe(_ event: Event, context: DetectionContext) {
        guard !event.user.isNone, noise.isCountedAttempt(event, in: context.symbols),
            let client = Subject.client(of: event, ipv6Prefix: ipv6Prefix)
        else { return }
        let subject = Subject.user(event.user)
        let tracker = context.findings
        let rule = ruleID ?? tracker.ruleID(detector: name, rule: name)
        ruleID = rule
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
        var fired: (first: Int64, failures: Int, clients: [Subject])?
        let followed = users.update(subject) { seen in
            seen.note(client, at: event.time, attempts: event.attempts, cutoff: event.time - settings.window)
            if seen.count >= settings.minClients {
                fired = (seen.earliest ?? event.time, seen.totalFailures, seen.values)
                seen.empty()
            }
        }
        if !followed { context.reportTrackingFull(detector: name, capacity: settings.maxUsers, subjects: "user names", event: event) }
        guard let fired else { return }
        tracker.report(
            rule: rule, subject: subject, severity: settings.severity, server: event.server, time: fired.first,
            cooldown: settings.cooldown
        ) { f, _ in
            f.count += fired.failures
            f.evidence.counts["distinct_clients"] = fired.clients.count
            // Written once, when the episode opens: the clients that made it cross the threshold.
            let shown = fired.clients.prefix(Evidence.maxListed).map { StoredText.capped($0.text(context.symbols)) }
            f.evidence.attributes["clients"] = shown.joined(separator: ", ") + (fired.clients.count > shown.count ? ", …" : "")
            context.note(event, in: &f)
            f.lastSeen = max(f.lastSeen, event.time)
            f.evidence.attributes["threshold"] =
                "at least \(self.settings.minClients) clients within \(DurationText.format(self.settings.window))"
        }
    }

    func describe(_ f: inout Finding, context: DetectionContext) {
        guard f.rule != DetectionContext.trackingFullRule else { return }  // written when reported
        f.evidence.counts["failures"] = f.count
        let clients = f.evidence.counts["distinct_clients"] ?? 0
        f.message = "Distributed brute force: \(f.count) authentication failures for user \(f.subject) from \(clients) or more clients"
    }

    func advance(to watermark: Int64, context: DetectionContext) {
        users.expire(before: watermark - settings.window)
    }

    // MARK: persistence

    func snapshot(context: DetectionContext) throws -> Data? {
        users.snapshot(context.symbols) { state, writer in
            state.write(to: &writer) { client, writer in client.write(to: &writer, context.symbols) }
        }
    }

    func restore(_ data: Data, context: DetectionContext) throws {
        try users.restore(data, context.symbols) { reader, _ in
            try DistinctInWindow<Subject>.read(from: &reader) { reader in try Subject.read(from: &reader, context.symbols) }
        }
    }
}

extension DistributedBruteForceDetector {
    /// How many distinct clients make a finding: 2 or more (one client is no distribution).
    static let distinctCheck: DetectorSetting.Check = { value in
        guard case let .integer(count) = value else { return nil }
        if count < 2 { return .error(" must be 2 or more") }
        if count < 4 { return .warning(" \(count) clients is what one person on a laptop and a phone produces") }
        if count > 10_000 { return .warning(" \(count) will hardly ever fire; to turn the detector off write `enabled: false`") }
        return nil
    }

    /// The policy's `detectors.distributed_brute_force`.
    static var descriptor: DetectorDescriptor {
        DetectorDescriptor(
            name: DetectorSettings.DistributedBruteForce.detectorName,
            settings: [
                .flag("enabled", \.distributedBruteForce.enabled),
                .integer("min_clients", \.distributedBruteForce.minClients, check: distinctCheck),
                .duration("window", \.distributedBruteForce.window, check: DetectorSetting.windowCheck),
                .severity("severity", \.distributedBruteForce.severity),
                .duration("cooldown", \.distributedBruteForce.cooldown, check: DetectorSetting.cooldownCheck),
            ]
        ) { policy, _ in
            policy.detectors.distributedBruteForce.enabled
                ? DistributedBruteForceDetector(
                    settings: policy.detectors.distributedBruteForce, ipv6Prefix: policy.clients.ipv6Prefix) : nil
        }
    }
}

extension DetectorSettings {
    /// The settings of `distributed_brute_force`.
    var distributedBruteForce: DistributedBruteForce {
        get { self[DistributedBruteForce.self] }
        set { self[DistributedBruteForce.self] = newValue }
    }

    package struct DistributedBruteForce: DetectorConfiguration {
        package static var detectorName: String { "distributed_brute_force" }
        package init() {}
        package var enabled = true
        /// At least this many distinct clients failing for one user name inside `window`.
        var minClients = 10
        var window: Int64 = EventTime.hour
        var severity = Severity.p2
        var cooldown: Int64 = EventTime.hour
        /// User names followed at once (`ExpiringSubjects`); not a policy setting.
        var maxUsers = 262_144
    }
}
