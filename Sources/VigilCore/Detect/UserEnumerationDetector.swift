import Foundation

/// User enumeration and password spraying: one client failing to log in with many distinct user
/// names inside a window (by default at least 10 names within an hour) → P2.
///
/// A person who mistypes tries one or two names; a shared NAT address a handful over an
/// hour. A client trying `admin`, `test`, `oracle`, `ubuntu`, … is looking for accounts that
/// exist (sshd answers invalid users differently, in timing if not in text) or trying one
/// password against each. Only failures that are attempts count (`attempts` > 0, no
/// pre-authentication noise), and lines without a user name are skipped. The client is the
/// address, an IPv6 address counted per `clients.ipv6_prefix` network.
///
/// Memory: at most `min_users` names per client (the rule fires there and forgets them), and
/// at most 262,144 clients followed at once.
final class UserEnumerationDetector: Detector {
    let name = DetectorSettings.UserEnumeration.detectorName
    private let settings: DetectorSettings.UserEnumeration
    private let ipv6Prefix: Int
    private var noise = PreauthNoiseSymbols()
    private var ruleID: Int32?

    init(settings: DetectorSettings.UserEnumeration, ipv6Prefix: Int) {
        self.settings = settings
        self.ipv6Prefix = ipv6Prefix
    }

    /// The shared client table, keeping clients for this rule's window and capacity.
    @inline(__always)
    private func table(_ context: DetectionContext) -> SSHClientTable {
        context.sshClients(window: settings.window, capacity: settings.maxClients)
    }

    func observe(_ event: Event, context: DetectionContext) {
        guard !event.user.isNone, noise.isCountedAttempt(event, in: context.symbols),
            let subject = Subject.client(of: event, ipv6Prefix: ipv6Prefix)
        else { return }
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
        var fired: (first: Int64, failures: Int, users: [Symbol])?
        let followed = table(context).update(subject) { record in
            record.users.note(event.user, at: event.time, attempts: event.attempts, cutoff: event.time - settings.window)
            if record.users.count >= settings.minUsers {
                fired = (record.users.earliest ?? event.time, record.users.totalFailures, record.users.values)
                record.users.empty()
            }
        }
        if !followed { context.reportTrackingFull(detector: name, capacity: settings.maxClients, subjects: "clients", event: event) }
        guard let fired else { return }
        tracker.report(
            rule: rule, subject: subject, severity: settings.severity, server: event.server, time: fired.first,
            cooldown: settings.cooldown
        ) { f, _ in
            f.count += fired.failures
            f.evidence.counts["distinct_users"] = fired.users.count
            for user in fired.users {
                f.evidence.note(user: context.evidenceText(user), server: nil, target: nil, requestID: nil)
            }
            context.note(event, in: &f)
            f.lastSeen = max(f.lastSeen, event.time)
            f.evidence.attributes["threshold"] =
                "at least \(self.settings.minUsers) user names within \(DurationText.format(self.settings.window))"
        }
    }

    func describe(_ f: inout Finding, context: DetectionContext) {
        guard f.rule != DetectionContext.trackingFullRule else { return }  // written when reported
        f.evidence.counts["failures"] = f.count
        // Evidence lists up to 10 names and counts (not dedupes) the rest: past 10, "more than".
        let listed = f.evidence.users.count
        let names = f.evidence.moreUsers > 0 ? "more than \(listed)" : "\(listed)"
        let users = f.evidence.users.prefix(5).joined(separator: ", ")
        let more = listed > 5 || f.evidence.moreUsers > 0 ? ", …" : ""
        f.message =
            "User enumeration: \(f.subject) tried \(names) user names (\(f.count) failures)"
            + (users.isEmpty ? "" : ": \(users)\(more)")
    }

    func advance(to watermark: Int64, context: DetectionContext) {
        table(context).expire(before: watermark)
    }

    // MARK: persistence

    /// The clients' state is in the shared table (`SSHClientTable`, saved by `Engine`): this
    /// rule's own row is left empty, which also clears a row an earlier version wrote.
    func snapshot(context: DetectionContext) throws -> Data? { Data() }

    /// A state of an earlier version (this rule's own table), merged into the shared table; an
    /// empty one is nothing.
    func restore(_ data: Data, context: DetectionContext) throws {
        guard !data.isEmpty else { return }
        var legacy = ExpiringSubjects<DistinctInWindow<Symbol>>(capacity: settings.maxClients)
        try legacy.restore(data, context.symbols) { reader, _ in try Self.readUsers(from: &reader, context) }
        let table = table(context)
        for (subject, users) in legacy.entries { table.update(subject) { $0.users = users } }
    }

    static func write(_ users: DistinctInWindow<Symbol>, to writer: inout BinaryWriter, _ context: DetectionContext) {
        users.write(to: &writer) { user, writer in writer.string(context.string(user) ?? "") }
    }

    static func readUsers(from reader: inout BinaryReader, _ context: DetectionContext) throws -> DistinctInWindow<Symbol> {
        try DistinctInWindow<Symbol>.read(from: &reader) { reader in context.symbols.intern(try reader.string()) }
    }
}

extension UserEnumerationDetector {
    /// How many distinct names make a finding: 2 or more (one name is no enumeration).
    static let distinctCheck: DetectorSetting.Check = { value in
        guard case let .integer(count) = value else { return nil }
        if count < 2 { return .error(" must be 2 or more") }
        if count < 4 {
            return .warning(" \(count) distinct names is what a shared NAT address or a user trying a colleague's name produces")
        }
        if count > 10_000 { return .warning(" \(count) will hardly ever fire; to turn the detector off write `enabled: false`") }
        return nil
    }

    /// The policy's `detectors.user_enumeration`.
    static var descriptor: DetectorDescriptor {
        DetectorDescriptor(
            name: DetectorSettings.UserEnumeration.detectorName,
            settings: [
                .flag("enabled", \.userEnumeration.enabled),
                .integer("min_users", \.userEnumeration.minUsers, check: distinctCheck),
                .duration("window", \.userEnumeration.window, check: DetectorSetting.windowCheck),
                .severity("severity", \.userEnumeration.severity),
                .duration("cooldown", \.userEnumeration.cooldown, check: DetectorSetting.cooldownCheck),
            ]
        ) { policy, _ in
            policy.detectors.userEnumeration.enabled
                ? UserEnumerationDetector(settings: policy.detectors.userEnumeration, ipv6Prefix: policy.clients.ipv6Prefix) : nil
        }
    }
}

extension DetectorSettings {
    /// The settings of `user_enumeration`.
    var userEnumeration: UserEnumeration {
        get { self[UserEnumeration.self] }
        set { self[UserEnumeration.self] = newValue }
    }

    package struct UserEnumeration: DetectorConfiguration {
        package static var detectorName: String { "user_enumeration" }
        package init() {}
        package var enabled = true
        /// At least this many distinct user names from one client inside `window`.
        var minUsers = 10
        var window: Int64 = EventTime.hour
        var severity = Severity.p2
        var cooldown: Int64 = EventTime.hour
        /// Clients followed at once (`ExpiringSubjects`); not a policy setting.
        var maxClients = 262_144
    }
}
