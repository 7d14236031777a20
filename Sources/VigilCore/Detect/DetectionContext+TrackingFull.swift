/// The one finding a rule whose table of attacker-chosen subjects is full makes about itself.
///
/// The SSH rules follow at most a fixed number of clients (or user names): what an attacker
/// sends must not grow memory without bound. A flood of distinct addresses that fills a table
/// blinds the rule to new clients until old ones expire — silently, unless said. So a refused
/// subject is a finding about the server whose line was refused, naming the rule and its limit:
/// the flood itself is the attack to look at, and the team learns the rule is not following.
extension DetectionContext {
    /// The rule name of such a finding, under the detector whose table is full.
    static let trackingFullRule = "tracking_full"

    /// Reports that `detector` refused a new subject of `event` because it follows `capacity`
    /// `subjects` (e.g. "clients") already.
    func reportTrackingFull(detector: String, capacity: Int, subjects: String, event: Event) {
        let server = event.server.isNone ? symbols.intern("(no server)") : event.server
        findings.report(
            detector: detector, rule: Self.trackingFullRule, subject: .server(server), severity: .p3, server: event.server,
            time: event.time, cooldown: EventTime.hour
        ) { finding, _ in
            finding.count += 1
            self.note(event, in: &finding)
            finding.message =
                "\(detector) follows its maximum of \(capacity) \(subjects): new ones are not followed until old ones expire "
                + "(\(finding.count) refused so far; a flood of distinct \(subjects) fills it)"
        }
    }
}
