import Foundation
import VigilCore

/// How a recorded policy is named to a user: where it was read from, its fingerprint, and
/// when a run last used it.
enum RecordedPolicyText {
    static func describe(_ policy: RecordedPolicy) -> String {
        guard let fingerprint = policy.fingerprint else { return "the built-in defaults" }
        var text = "\(policy.source.map(TerminalText.escape) ?? "a policy") [\(fingerprint)]"
        if let used = policy.lastUsedAt { text += ", last used \(EventTime.format(used))" }
        return text
    }
}
