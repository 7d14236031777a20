import Foundation

/// Brute force: more than `threshold` authentication failures from one client inside a
/// sliding `window` (plan §2.2.2: > 5 in 5 min → P2, cooldown 30 min).
///
/// Failures are weighted by `Event.attempts`, so sshd's several lines for one attempt count
/// once and "message repeated N times" counts N. While the episode is open, every further
/// failure from the client grows it. A successful login or request from the client during the
/// episode raises `success_after_failures` (P1): the brute force may have worked.
final class AuthFailureBurstDetector: Detector {
    let name = DetectorSettings.AuthFailureBurst.detectorName
    static let successRule = "success_after_failures"
    private let settings: DetectorSettings.AuthFailureBurst
    /// `clients.ipv6_prefix`: an IPv6 client is its network (`Subject.client(of:ipv6Prefix:)`).
    private let ipv6Prefix: Int

    /// Recent failures of one client, oldest first, trimmed to the window.
    ///
    /// Bounded by `threshold + 1` entries: every entry weighs at least 1 and the window is
    /// emptied as soon as its total passes the threshold, so after a trim at most `threshold`
    /// entries remain. The first entry is kept inline (`InlineFirstList`): most attacking
    /// addresses fail only once, and then cost no allocation.
    struct Window: ExpiringState {
        struct Entry {
            var time: Int64
            var weight: UInt32
            var sample: SampleRef
        }
        var entries = InlineFirstList<Entry>()
        var total = 0
        var last: Int64 = .min

        init() {}

        mutating func add(_ time: Int64, _ weight: UInt32, _ sample: SampleRef) {
            entries.append(Entry(time: time, weight: weight, sample: sample))
            total += Int(weight)
            last = max(last, time)
        }

        mutating func trim(before cutoff: Int64) {
            guard entries.contains(where: { $0.time < cutoff }) else { return }
            entries.keep { $0.time >= cutoff }
            total = entries.reduce(0) { $0 + Int($1.weight) }
        }

        /// Forgets the failures (the burst was reported), keeping `last` for expiry.
        mutating func empty() {
            entries.removeAll()
            total = 0
        }
    }

    /// Each client's window, dropped once idle for a whole `window` (`ExpiringSubjects`, at
    /// most `maxClients` of them).
    private var windows: ExpiringSubjects<Window>

    init(settings: DetectorSettings.AuthFailureBurst, ipv6Prefix: Int = ClientSettings().ipv6Prefix) {
        self.settings = settings
        self.ipv6Prefix = ipv6Prefix
        windows = ExpiringSubjects(capacity: settings.maxClients)
    }

    func observe(_ event: Event, context: DetectionContext) {
        switch event.outcome {
        case .authFailure:
            guard event.attempts > 0, let subject = Subject.client(of: event, ipv6Prefix: ipv6Prefix) else { return }
            let tracker = context.findings
            if tracker.isOpen(rule: burstRule(tracker), subject: subject, at: event.time) {
                tracker.report(
                    rule: burstRule(tracker), subject: subject, severity: settings.severity, server: event.server,
                    time: event.time, cooldown: settings.cooldown
                ) { f, _ in
                    f.count += Int(event.attempts)
                    context.note(event, in: &f)
                }
                return
            }
            var burst: (total: Int, samples: [SampleRef])?
            let followed = windows.update(subject) { window in
                window.add(event.time, event.attempts, context.sampleRef(event))
                window.trim(before: event.time - settings.window)
                guard window.total > settings.threshold else { return }
                burst = (window.total, window.entries.map(\.sample))
                window.empty()
            }
            if !followed { context.reportTrackingFull(detector: name, capacity: settings.maxClients, subjects: "clients", event: event) }
            guard let burst else { return }
            tracker.report(
                rule: burstRule(tracker), subject: subject, severity: settings.severity, server: event.server,
                time: burst.samples.first?.time ?? event.time, cooldown: settings.cooldown
            ) { f, _ in
                f.count += burst.total
                for sample in burst.samples { context.note(sample, in: &f) }
                f.lastSeen = max(f.lastSeen, event.time)
                f.evidence.attributes["threshold"] =
                    "more than \(self.settings.threshold) in \(DurationText.format(self.settings.window))"
            }
        case .success:
            // A success on a connection that failed for other users is the P1 on its own:
            // sshd never lets one connection change user, so those were guesses that worked.
            guard let subject = Subject.client(of: event, ipv6Prefix: ipv6Prefix),
                event.failuresBefore > 0 || context.findings.isOpen(rule: burstRule(context.findings), subject: subject, at: event.time)
            else { return }
            context.findings.report(
                detector: name, rule: Self.successRule, subject: subject,
                severity: settings.successAfterFailuresSeverity, server: event.server,
                time: event.time, cooldown: settings.cooldown
            ) { f, _ in
                f.count += 1
                context.note(event, in: &f)
                if case .network = subject, let address = event.clientIP {
                    // The subject is the /64; who got in is one address of it.
                    f.evidence.attributes["logged_in_from"] = address.description
                }
                if event.failuresBefore > 0 {
                    f.evidence.attributes["failures_for_other_users"] = "\(event.failuresBefore) on the same connection"
                }
            }
        default:
            return
        }
    }

    /// The tracker's id of this detector's burst rule, asked once.
    private var burstRuleID: Int32?

    private func burstRule(_ tracker: FindingTracker) -> Int32 {
        if let id = burstRuleID { return id }
        let id = tracker.ruleID(detector: name, rule: name)
        burstRuleID = id
        return id
    }

    /// The message (and failure count): text made once per commit, not per failure.
    func describe(_ f: inout Finding, context: DetectionContext) {
        if f.rule == Self.successRule {
            let users = f.evidence.users.joined(separator: ", ")
            let during =
                f.evidence.attributes["failures_for_other_users"] != nil
                ? "after failing for other users on the same connection" : "during an authentication-failure burst"
            f.message = "Successful login from \(f.subject) \(during)" + (users.isEmpty ? "" : " (user \(users))")
            return
        }
        f.evidence.counts["failures"] = f.count
        let users = f.evidence.users.prefix(5).joined(separator: ", ")
        let more = f.evidence.users.count > 5 || f.evidence.moreUsers > 0 ? ", …" : ""
        f.message = "\(f.count) authentication failures from \(f.subject)" + (users.isEmpty ? "" : " (users: \(users)\(more))")
    }

    /// Drops the windows of clients idle for a whole `window` (a function of event time alone,
    /// so split runs keep the same state; `observe` trims a window before judging it anyway).
    func advance(to watermark: Int64, context: DetectionContext) {
        windows.expire(before: watermark - settings.window)
    }

    // MARK: persistence

    /// Binary (`ExpiringSubjects`): the JSON form this replaced spent 5% of an sshd analysis
    /// encoding every window's samples at the final checkpoint.
    func snapshot(context: DetectionContext) throws -> Data? {
        windows.snapshot(context.symbols) { window, writer in
            writer.u32(UInt32(window.entries.count))
            for entry in window.entries {
                writer.i64(entry.time)
                writer.u32(entry.weight)
                entry.sample.write(to: &writer, context)
            }
            writer.i64(window.last)
        }
    }

    func restore(_ data: Data, context: DetectionContext) throws {
        // A state written before the binary form: a JSON array.
        if data.first == UInt8(ascii: "[") {
            try restoreJSON(data, context: context)
            return
        }
        try windows.restore(data, context.symbols) { reader, _ in
            var window = Window()
            for _ in 0..<(try reader.u32()) {
                window.add(try reader.i64(), try reader.u32(), try SampleRef.read(from: &reader, context))
            }
            window.last = try reader.i64()
            return window
        }
    }

    /// The JSON state of earlier versions (one object per client, sorted by subject).
    private struct Stored: Codable {
        var subjectKind: String
        var subject: String
        var times: [Int64]
        var weights: [UInt32]
        var samples: [StoredSample]
    }

    private func restoreJSON(_ data: Data, context: DetectionContext) throws {
        let list = try JSONDecoder.state.decode([Stored].self, from: data)
        windows = ExpiringSubjects(capacity: settings.maxClients)
        for stored in list {
            guard let subject = Subject(kind: stored.subjectKind, text: stored.subject, symbols: context.symbols),
                stored.times.count == stored.weights.count, stored.times.count == stored.samples.count
            else { continue }
            windows.update(subject) { window in
                for i in stored.times.indices { window.add(stored.times[i], stored.weights[i], stored.samples[i].ref(context)) }
            }
        }
    }
}

/// A `SampleRef` with its strings spelled out, for persisted detector state.
struct StoredSample: Codable {
    var input: String
    var line: Int64
    var time: Int64
    var user: String?
    var operation: String?
    var target: String?
    var status: Int32
    var outcome: Outcome
    var requestId: String?
    var attempts: UInt32
    var server: String?
    var apiKey: String?

    init(_ r: SampleRef, _ c: DetectionContext) {
        input = Int(r.input) < c.inputNames.count ? c.inputNames[Int(r.input)] : ""
        line = r.line; time = r.time
        user = c.string(r.user); operation = c.string(r.operation); target = c.string(r.target)
        status = r.status; outcome = r.outcome
        requestId = r.requestID.isEmpty ? nil : r.requestID.string
        attempts = r.attempts
        server = c.string(r.server); apiKey = c.string(r.apiKey)
    }

    func ref(_ c: DetectionContext) -> SampleRef {
        SampleRef(
            input: c.inputIndex(named: input), line: line, time: time,
            user: user.map(c.symbols.intern) ?? .none, operation: operation.map(c.symbols.intern) ?? .none,
            target: target.map(c.symbols.intern) ?? .none, status: status, outcome: outcome,
            requestID: requestId.map { InlineText($0) } ?? InlineText(), attempts: attempts,
            server: server.map(c.symbols.intern) ?? .none, apiKey: apiKey.map(c.symbols.intern) ?? .none)
    }
}

extension DetectionContext {
    /// The index of an input by name, adding it when a restored sample names an input of an
    /// earlier run.
    func inputIndex(named name: String) -> Int32 {
        if let i = inputNames.firstIndex(of: name) { return Int32(i) }
        inputNames.append(name)
        return Int32(inputNames.count - 1)
    }
}

extension AuthFailureBurstDetector {
    /// A burst is more than `threshold` failures: 0 makes every failure one, and a very high
    /// one is a detector switched off by other means.
    static let thresholdCheck: DetectorSetting.Check = { value in
        guard case let .integer(threshold) = value else { return nil }
        if threshold < 0 { return .error(" must be 0 or more") }
        if threshold == 0 { return .warning(" 0 makes every single failure a burst") }
        if threshold > 10_000 { return .warning(" \(threshold) will hardly ever fire; to turn the detector off write `enabled: false`") }
        return nil
    }

    /// sshd's MaxAuthTries is at least 1; OpenSSH refuses nothing above a few dozen, but a
    /// value far above its default makes a cut-off connection count as a burst on its own.
    static let maxAuthTriesCheck: DetectorSetting.Check = { value in
        guard case let .integer(tries) = value else { return nil }
        if tries < 1 { return .error(" must be 1 or more (sshd's MaxAuthTries; OpenSSH's default is 6)") }
        if tries > 100 { return .warning(" \(tries) is far above OpenSSH's default of 6: check sshd_config's MaxAuthTries") }
        return nil
    }

    /// The policy's `detectors.auth_failure_burst`.
    static var descriptor: DetectorDescriptor {
        DetectorDescriptor(
            name: DetectorSettings.AuthFailureBurst.detectorName,
            settings: [
                .flag("enabled", \.authFailureBurst.enabled),
                .integer("threshold", \.authFailureBurst.threshold, check: thresholdCheck),
                .duration("window", \.authFailureBurst.window, check: DetectorSetting.windowCheck),
                .severity("severity", \.authFailureBurst.severity),
                .duration("cooldown", \.authFailureBurst.cooldown, check: DetectorSetting.cooldownCheck),
                .severity("success_after_failures_severity", \.authFailureBurst.successAfterFailuresSeverity),
                .integer("max_auth_tries", \.authFailureBurst.maxAuthTries, check: maxAuthTriesCheck),
            ],
            consistency: [
                { settings in
                    settings.authFailureBurst.successAfterFailuresSeverity < settings.authFailureBurst.severity
                        ? "auth_failure_burst: a success after a burst of failures is rated less severe than the burst itself" : nil
                }
            ]
        ) { policy, _ in
            policy.detectors.authFailureBurst.enabled
                ? AuthFailureBurstDetector(settings: policy.detectors.authFailureBurst, ipv6Prefix: policy.clients.ipv6Prefix) : nil
        }
    }
}

extension DetectorSettings {
    /// The settings of `auth_failure_burst`.
    var authFailureBurst: AuthFailureBurst {
        get { self[AuthFailureBurst.self] }
        set { self[AuthFailureBurst.self] = newValue }
    }

    package struct AuthFailureBurst: DetectorConfiguration {
        package static var detectorName: String { "auth_failure_burst" }
        package init() {}
        package var enabled = true
        /// A burst is *more than* this many failures inside `window`.
        var threshold = 5
        var window: Int64 = 5 * EventTime.minute
        package var severity = Severity.p2
        var cooldown: Int64 = 30 * EventTime.minute
        /// Severity of a success from a subject inside an open burst episode.
        var successAfterFailuresSeverity = Severity.p1
        /// sshd's `MaxAuthTries` on the hosts whose logs are read: a connection cut off for
        /// too many failures made at least this many attempts (the decoder counts them).
        var maxAuthTries = 6
        /// Clients followed at once (`ExpiringSubjects`); not a policy setting.
        var maxClients = 262_144
    }
}
