import Foundation

/// Pre-authentication scanning: one client leaving repeated pre-authentication noise — no
/// identification string, a bad banner, no matching key exchange, a timeout before
/// authentication, a connection dropped before it (`SSHDCategory.preauthNoise`) — inside a
/// window (by default at least 5 within an hour) → P4; P3 when the same client also makes
/// authentication attempts inside the window after its first noise there (a scanner that found
/// the port and now tries passwords); attempts after the finding opened raise it to P3. A burst of `Timeout before authentication` lines from one address is the
/// pattern of the CVE-2024-6387 (regreSSHion) exploit racing the login grace time.
///
/// Port scanners and banner grabbers connect once; a load balancer's TCP health check connects
/// all day and is reported at P4 (suppress it with `vigil suppress` if it is yours).
///
/// Memory: at most `min_events` noise times per client (the rule fires there and forgets them)
/// and the time of its last attempt, for at most 262,144 clients at once.
final class PreauthScanDetector: Detector {
    let name = DetectorSettings.PreauthScan.detectorName

    /// A client's part of its `SSHClientTable` record.
    struct Client {
        /// Noise seen inside the window, unordered when the log is (the first kept inline).
        var noise = InlineFirstList<Int64>()
        /// The newest authentication attempt from the client since its first noise (`.min`:
        /// none).
        var lastAttempt: Int64 = .min
        /// The newest noise or later attempt; `.min` while the client never left noise (the
        /// record exists for the other rules): its attempts are then not this rule's, nor
        /// when that was longer than the window ago.
        var last: Int64 = .min

        var isScanning: Bool { last != .min }
    }

    private let settings: DetectorSettings.PreauthScan
    private let ipv6Prefix: Int
    private var noise = PreauthNoiseSymbols()
    private var ruleID: Int32?

    init(settings: DetectorSettings.PreauthScan, ipv6Prefix: Int) {
        self.settings = settings
        self.ipv6Prefix = ipv6Prefix
    }

    /// The shared client table, keeping clients for this rule's window and capacity.
    @inline(__always)
    private func table(_ context: DetectionContext) -> SSHClientTable {
        context.sshClients(window: settings.window, capacity: settings.maxClients)
    }

    func observe(_ event: Event, context: DetectionContext) {
        guard event.outcome == .authFailure, let subject = Subject.client(of: event, ipv6Prefix: ipv6Prefix) else { return }
        let isNoise = noise.contains(event.operation, in: context.symbols)
        guard isNoise || event.attempts > 0 else { return }
        let tracker = context.findings
        let rule = ruleID ?? tracker.ruleID(detector: name, rule: name)
        ruleID = rule
        let cutoff = event.time - settings.window
        if !isNoise {
            // An attempt from a client already scanning: remembered for the window, and it
            // raises an open scan finding. Clients that only make attempts get no state here
            // (they are most failing clients, and the other rules follow them).
            var scanning = false
            table(context).updateExisting(subject) { record in
                // Noise inside the window: the record may live longer, kept by the other rules.
                guard record.scan.isScanning, record.scan.last >= cutoff else { return }
                scanning = true
                record.scan.lastAttempt = max(record.scan.lastAttempt, event.time)
                record.scan.last = max(record.scan.last, event.time)
            }
            // An open scan finding has its client kept (expiry waits a window, the episode
            // ends a cooldown after its last event; both an hour by default) — but a shorter
            // window than cooldown must still raise it, so only a kept client skips the check.
            guard scanning || settings.window < settings.cooldown, tracker.isOpen(rule: rule, subject: subject, at: event.time)
            else { return }
            tracker.report(
                rule: rule, subject: subject, severity: settings.withAttemptsSeverity, server: event.server, time: event.time,
                cooldown: settings.cooldown
            ) { f, _ in
                f.evidence.counts["auth_attempts", default: 0] += Int(event.attempts)
            }
            return
        }
        var fired: (first: Int64, events: Int)?
        var attempted = false
        let followed = table(context).update(subject) { record in
            record.scan.last = max(record.scan.last, event.time)
            attempted = record.scan.lastAttempt >= cutoff
            if tracker.isOpen(rule: rule, subject: subject, at: event.time) { return }
            record.scan.noise.append(event.time)
            if record.scan.noise.contains(where: { $0 < cutoff }) { record.scan.noise.keep { $0 >= cutoff } }
            if record.scan.noise.count >= settings.minEvents {
                fired = (record.scan.noise.min() ?? event.time, record.scan.noise.count)
                record.scan.noise.removeAll()
            }
        }
        if !followed { context.reportTrackingFull(detector: name, capacity: settings.maxClients, subjects: "clients", event: event) }
        let severity = attempted ? settings.withAttemptsSeverity : settings.severity
        if tracker.isOpen(rule: rule, subject: subject, at: event.time) {
            tracker.report(
                rule: rule, subject: subject, severity: severity, server: event.server, time: event.time, cooldown: settings.cooldown
            ) { f, _ in
                f.count += 1
                context.note(event, in: &f)
            }
            return
        }
        guard let fired else { return }
        tracker.report(
            rule: rule, subject: subject, severity: severity, server: event.server, time: fired.first, cooldown: settings.cooldown
        ) { f, _ in
            f.count += fired.events
            context.note(event, in: &f)
            f.lastSeen = max(f.lastSeen, event.time)
            f.evidence.attributes["threshold"] =
                "at least \(self.settings.minEvents) within \(DurationText.format(self.settings.window))"
        }
    }

    func describe(_ f: inout Finding, context: DetectionContext) {
        guard f.rule != DetectionContext.trackingFullRule else { return }  // written when reported
        f.evidence.counts["preauth_events"] = f.count
        let attempts = f.evidence.counts["auth_attempts"].map { _ in ", and authentication attempts" } ?? ""
        f.message = "Pre-authentication scanning: \(f.count) connections from \(f.subject) failed before authentication\(attempts)"
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
        var legacy = ExpiringSubjects<LegacyClient>(capacity: settings.maxClients)
        try legacy.restore(data, context.symbols) { reader, _ in LegacyClient(try Self.readClient(from: &reader)) }
        let table = table(context)
        for (subject, legacyClient) in legacy.entries { table.update(subject) { $0.scan = legacyClient.client } }
    }

    /// What `ExpiringSubjects` held for this rule before the shared table.
    private struct LegacyClient: ExpiringState {
        var client = Client()
        init() {}
        init(_ client: Client) { self.client = client }
        var last: Int64 { client.last }
    }

    static func write(_ client: Client, to writer: inout BinaryWriter) {
        writer.u32(UInt32(client.noise.count))
        for time in client.noise { writer.i64(time) }
        writer.i64(client.lastAttempt)
        writer.i64(client.last)
    }

    static func readClient(from reader: inout BinaryReader) throws -> Client {
        var client = Client()
        for _ in 0..<(try reader.u32()) { client.noise.append(try reader.i64()) }
        client.lastAttempt = try reader.i64()
        client.last = try reader.i64()
        return client
    }
}

extension PreauthScanDetector {
    /// How many noise events make a finding: 1 or more.
    static let eventsCheck: DetectorSetting.Check = { value in
        guard case let .integer(count) = value else { return nil }
        if count < 1 { return .error(" must be 1 or more") }
        if count == 1 { return .warning(" 1 makes every port scan and dropped connection a finding") }
        return nil
    }

    /// The policy's `detectors.preauth_scan`.
    static var descriptor: DetectorDescriptor {
        DetectorDescriptor(
            name: DetectorSettings.PreauthScan.detectorName,
            settings: [
                .flag("enabled", \.preauthScan.enabled),
                .integer("min_events", \.preauthScan.minEvents, check: eventsCheck),
                .duration("window", \.preauthScan.window, check: DetectorSetting.windowCheck),
                .severity("severity", \.preauthScan.severity),
                .severity("with_attempts_severity", \.preauthScan.withAttemptsSeverity),
                .duration("cooldown", \.preauthScan.cooldown, check: DetectorSetting.cooldownCheck),
            ],
            consistency: [
                { settings in
                    settings.preauthScan.withAttemptsSeverity < settings.preauthScan.severity
                        ? "preauth_scan: a scan that also tries to log in is rated less severe than a scan alone" : nil
                }
            ]
        ) { policy, _ in
            policy.detectors.preauthScan.enabled
                ? PreauthScanDetector(settings: policy.detectors.preauthScan, ipv6Prefix: policy.clients.ipv6Prefix) : nil
        }
    }
}

extension DetectorSettings {
    /// The settings of `preauth_scan`.
    var preauthScan: PreauthScan {
        get { self[PreauthScan.self] }
        set { self[PreauthScan.self] = newValue }
    }

    package struct PreauthScan: DetectorConfiguration {
        package static var detectorName: String { "preauth_scan" }
        package init() {}
        package var enabled = true
        /// At least this many pre-authentication failures from one client inside `window`.
        var minEvents = 5
        var window: Int64 = EventTime.hour
        var severity = Severity.p4
        /// When the client also made authentication attempts inside `window`.
        var withAttemptsSeverity = Severity.p3
        var cooldown: Int64 = EventTime.hour
        /// Clients followed at once (`ExpiringSubjects`); not a policy setting.
        var maxClients = 262_144
    }
}
