import Foundation

/// Any request or login attempt from an address outside the allowlists that cover the server
/// it reached — plan §1.4, "IP allowlist violations", threshold 0.
///
/// Two rules, because a request that got in is worse than one that was turned away:
/// `outside_allowlist` (refused: auth failure, forbidden, rate limited; P2) and
/// `success_outside_allowlist` (accepted: success, or processed and failed on input or a
/// server error; P1, "unauthorized admin access"). The subject is the client address;
/// evidence names the allowlists, servers, keys and users, and the address's country and ASN.
final class AllowlistViolationDetector: Detector {
    let name = DetectorSettings.AllowlistViolation.detectorName
    private let settings: DetectorSettings.AllowlistViolation
    private let matcher: AllowlistMatcher

    init(settings: DetectorSettings.AllowlistViolation, matcher: AllowlistMatcher) {
        self.settings = settings
        self.matcher = matcher
    }

    func observe(_ event: Event, context: DetectionContext) {
        let accepted: Bool
        switch event.outcome {
        case .success, .invalidInput, .error: accepted = true
        case .authFailure, .forbidden, .rateLimited: accepted = false
        }
        // A refusal with attempts == 0 repeats an attempt another line of the connection
        // already counted (sshd); a success always counts once.
        let occurrences = accepted ? 1 : Int(event.attempts)
        guard occurrences > 0 else { return }
        let subject: Subject
        let p: Int
        if let ip = event.clientIP {
            guard case let .violation(profile) = matcher.check(ip, server: event.server, time: event.time, symbols: context.symbols)
            else { return }
            subject = .ip(ip)
            p = profile
        } else if !event.remoteHost.isNone {
            // Fail closed: a client written as something other than an address (a host name,
            // `unknown`, a forwarded list) cannot be shown to be inside any allowlist, so on a
            // server an allowlist covers it counts as outside, and the finding says why.
            guard let profile = matcher.profileIndex(server: event.server, symbols: context.symbols) else { return }
            subject = .host(event.remoteHost)
            p = profile
        } else if !event.server.isNone {
            // Fail closed as well: a line that names no client at all (a gateway that left
            // `client_ip` out) cannot be inside an allowlist either. One finding per server:
            // what is wrong is that server's log.
            guard let profile = matcher.profileIndex(server: event.server, symbols: context.symbols) else { return }
            subject = .server(event.server)
            p = profile
        } else {
            return
        }
        let unreadable = event.clientIP == nil
        let missing = unreadable && event.remoteHost.isNone
        let rule = accepted ? "success_outside_allowlist" : "outside_allowlist"
        let profile = matcher.profiles[p]
        context.findings.report(
            detector: name, rule: rule, subject: subject, severity: accepted ? settings.successSeverity : settings.severity,
            server: event.server, time: event.time, cooldown: settings.cooldown
        ) { f, isNew in
            f.count += occurrences
            context.note(event, in: &f)
            f.evidence.counts[accepted ? "accepted" : "refused"] = f.count
            if missing {
                f.evidence.counts["client_missing", default: 0] += occurrences
                if isNew {
                    f.evidence.attributes["client"] =
                        "no client address in the log line: cannot be inside an allowlist, judged as outside every one"
                }
            } else if unreadable {
                // The subject is the unreadable text itself, so the note is written once.
                f.evidence.counts["client_not_an_address", default: 0] += occurrences
                if isNew {
                    f.evidence.attributes["client"] = "not an IP address: cannot be inside an allowlist, judged as outside every one"
                }
            }
            // The same address usually hits the same servers: rebuild the list only when it grows.
            let current = f.evidence.attributes["allowlists"] ?? ""
            if current != profile.label {
                var lists = current.isEmpty ? [] : current.components(separatedBy: ", ")
                for n in profile.names where !lists.contains(n) && lists.count < Evidence.maxListed { lists.append(n) }
                f.evidence.attributes["allowlists"] = lists.joined(separator: ", ")
            }
            let servers = f.evidence.servers.isEmpty ? "a server" : f.evidence.servers.prefix(3).joined(separator: ", ")
            let what = accepted ? "accepted request\(f.count == 1 ? "" : "s")" : "refused request\(f.count == 1 ? "" : "s")"
            let allowlists = f.evidence.attributes["allowlists"] ?? ""
            if f.subjectKind == "server" {
                f.message = "\(f.count) \(what) with no client address to \(servers), outside allowlist \(allowlists)"
            } else {
                let from = f.subjectKind == "ip" ? f.subject : "client \"\(f.subject)\" (not an IP address)"
                f.message = "\(f.count) \(what) from \(from) to \(servers), outside allowlist \(allowlists)"
            }
        }
    }

    func advance(to watermark: Int64, context: DetectionContext) {}

    func snapshot(context: DetectionContext) throws -> Data? { nil }

    func restore(_ data: Data, context: DetectionContext) throws {}
}

extension AllowlistViolationDetector {
    /// The policy's `detectors.allowlist_violation`; built only when the policy has allowlists.
    static var descriptor: DetectorDescriptor {
        DetectorDescriptor(
            name: DetectorSettings.AllowlistViolation.detectorName,
            settings: [
                .flag("enabled", \.allowlistViolation.enabled),
                .severity("severity", \.allowlistViolation.severity),
                .severity("success_severity", \.allowlistViolation.successSeverity),
                .duration("cooldown", \.allowlistViolation.cooldown, check: DetectorSetting.cooldownCheck),
            ],
            consistency: [
                { settings in
                    let accepted = settings.allowlistViolation.successSeverity, refused = settings.allowlistViolation.severity
                    return accepted < refused
                        ? "allowlist_violation: a request from outside that succeeded (success_severity \(accepted)) is rated less severe than a refused one (severity \(refused))"
                        : nil
                }
            ]
        ) { policy, enricher in
            guard policy.detectors.allowlistViolation.enabled, !policy.allowlists.isEmpty else { return nil }
            return AllowlistViolationDetector(
                settings: policy.detectors.allowlistViolation,
                matcher: AllowlistMatcher(allowlists: policy.allowlists, enricher: enricher))
        }
    }
}

extension DetectorSettings {
    /// The settings of `allowlist_violation`.
    var allowlistViolation: AllowlistViolation {
        get { self[AllowlistViolation.self] }
        set { self[AllowlistViolation.self] = newValue }
    }

    package struct AllowlistViolation: DetectorConfiguration {
        package static var detectorName: String { "allowlist_violation" }
        package init() {}
        package var enabled = true
        /// Severity of a refused or failed request from outside the allowlists.
        package var severity = Severity.p2
        /// Severity of a request from outside that the server accepted.
        var successSeverity = Severity.p1
        var cooldown: Int64 = 15 * EventTime.minute
    }
}
