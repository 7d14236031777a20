import Foundation

/// Any unauthorized (forbidden) access attempt — plan §1.4, threshold 0 — is a finding:
/// P2, cooldown 15 minutes per subject. The subject is the API key when the request carried
/// one (a key reaching for what it may not), else the client address.
final class UnauthorizedAccessDetector: Detector {
    let name = DetectorSettings.UnauthorizedAccess.detectorName
    private let settings: DetectorSettings.UnauthorizedAccess

    init(settings: DetectorSettings.UnauthorizedAccess) {
        self.settings = settings
    }

    /// The finding tracker's id of this detector's rule, asked once (-1: not yet).
    private var trackerRuleID: Int32 = -1

    func observe(_ event: Event, context: DetectionContext) {
        guard event.outcome == .forbidden else { return }
        let subject: Subject
        if !event.apiKey.isNone {
            subject = .apiKey(event.apiKey)
        } else if let c = Subject.client(of: event) {
            subject = c
        } else {
            return
        }
        if trackerRuleID < 0 { trackerRuleID = context.findings.ruleID(detector: name, rule: name) }
        context.findings.report(
            rule: trackerRuleID, subject: subject, severity: settings.severity, server: event.server,
            time: event.time, cooldown: settings.cooldown
        ) { f, _ in
            f.count += Int(max(event.attempts, 1))
            context.note(event, in: &f)
            if case .apiKey = subject, let ip = event.clientIP, f.evidence.attributes["client_ip"] == nil {
                f.evidence.attributes["client_ip"] = ip.description
            }
        }
    }

    /// The message: text made once per commit, not per attempt.
    func describe(_ f: inout Finding, context: DetectionContext) {
        f.evidence.counts["attempts"] = f.count
        let targets = f.evidence.targets.prefix(3).joined(separator: ", ")
        let who = f.subjectKind == "api_key" ? "API key \(f.subject)" : f.subject
        f.message =
            "\(f.count) forbidden access attempt\(f.count == 1 ? "" : "s") by \(who)"
            + (targets.isEmpty ? "" : " (to \(targets))")
    }

    func advance(to watermark: Int64, context: DetectionContext) {}

    func snapshot(context: DetectionContext) throws -> Data? { nil }

    func restore(_ data: Data, context: DetectionContext) throws {}
}

extension UnauthorizedAccessDetector {
    /// The policy's `detectors.unauthorized_access`.
    static var descriptor: DetectorDescriptor {
        DetectorDescriptor(
            name: DetectorSettings.UnauthorizedAccess.detectorName,
            settings: [
                .flag("enabled", \.unauthorizedAccess.enabled),
                .severity("severity", \.unauthorizedAccess.severity),
                .duration("cooldown", \.unauthorizedAccess.cooldown, check: DetectorSetting.cooldownCheck),
            ]
        ) { policy, _ in
            policy.detectors.unauthorizedAccess.enabled ? UnauthorizedAccessDetector(settings: policy.detectors.unauthorizedAccess) : nil
        }
    }
}

extension DetectorSettings {
    /// The settings of `unauthorized_access`.
    var unauthorizedAccess: UnauthorizedAccess {
        get { self[UnauthorizedAccess.self] }
        set { self[UnauthorizedAccess.self] = newValue }
    }

    package struct UnauthorizedAccess: DetectorConfiguration {
        package static var detectorName: String { "unauthorized_access" }
        package init() {}
        package var enabled = true
        package var severity = Severity.p2
        var cooldown: Int64 = 15 * EventTime.minute
    }
}
