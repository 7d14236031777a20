import Foundation
import Testing

@testable import VigilCore

/// Each detector is described once (`DetectorDescriptor`); these check that the description
/// holds together: every key a policy may write reaches a field of its own, and the registry
/// is what policy parsing, lint and the pipeline read.
@Suite struct DetectorRegistryTests {
    func load(_ text: String) -> LoadedPolicy {
        let dir = TempDir()
        try! text.write(toFile: dir.path("policy.yaml"), atomically: true, encoding: .utf8)
        return PolicyLoader.load(dir.path("policy.yaml"), now: ms("2026-11-01T00:00:00Z"))
    }

    /// A value of the setting's kind unlike the default, as YAML, and a check that it arrived.
    func differentValue(_ setting: DetectorSetting) -> (yaml: String, arrived: (DetectorSettings) -> Bool) {
        let defaults = DetectorSettings()
        switch setting.kind {
        case let .flag(path):
            let value = !defaults[keyPath: path]
            return ("\(value)", { $0[keyPath: path] == value })
        case let .integer(path), let .count(path):
            let value = defaults[keyPath: path] + 7
            return ("\(value)", { $0[keyPath: path] == value })
        case let .number(path):
            let value = defaults[keyPath: path] == 0.0001 ? 0.0002 : 0.0001
            return ("\(value)", { $0[keyPath: path] == value })
        case let .duration(path):
            let value = defaults[keyPath: path] + 17 * EventTime.minute
            return (DurationText.format(value), { $0[keyPath: path] == value })
        case let .severity(path):
            let value: Severity = defaults[keyPath: path] == .p1 ? .p4 : .p1
            return (value.description, { $0[keyPath: path] == value })
        }
    }

    /// Before, five severity keys of five detectors shared one field and the rate-limit
    /// detector's 429 severity had no key at all. Here every key is written alone, and no other
    /// key of the same detector may read the value back: two keys on one field would.
    @Test func everyKeyWritesAFieldOfItsOwn() {
        for descriptor in DetectorRegistry.all {
            #expect(Set(descriptor.keys).count == descriptor.keys.count, "\(descriptor.name) lists a key twice")
            for setting in descriptor.settings {
                let (yaml, arrived) = differentValue(setting)
                let loaded = load("version: 1\ndetectors:\n  \(descriptor.name): { \(setting.key): \(yaml) }\n")
                #expect(
                    loaded.errors.filter { $0.rule != "threshold-invalid" }.isEmpty,
                    "\(descriptor.name).\(setting.key): \(loaded.errors.map(\.text))")
                #expect(arrived(loaded.policy.detectors), "\(descriptor.name).\(setting.key): \(yaml) did not arrive")
                for other in descriptor.settings where other.key != setting.key {
                    #expect(!sameField(setting, other), "\(descriptor.name): \(setting.key) and \(other.key) write one field")
                    #expect(
                        read(other, loaded.policy.detectors) == read(other, DetectorSettings()),
                        "\(descriptor.name).\(other.key) changed when only \(setting.key) was written")
                }
            }
        }
    }

    /// A setting's current value as text, whatever its kind.
    private func read(_ setting: DetectorSetting, _ settings: DetectorSettings) -> String {
        switch setting.kind {
        case let .flag(path): return "\(settings[keyPath: path])"
        case let .integer(path), let .count(path): return "\(settings[keyPath: path])"
        case let .number(path): return "\(settings[keyPath: path])"
        case let .duration(path): return "\(settings[keyPath: path])"
        case let .severity(path): return "\(settings[keyPath: path])"
        }
    }

    private func sameField(_ a: DetectorSetting, _ b: DetectorSetting) -> Bool {
        switch (a.kind, b.kind) {
        case let (.flag(x), .flag(y)): return x == y
        case let (.integer(x), .integer(y)), let (.integer(x), .count(y)), let (.count(x), .integer(y)), let (.count(x), .count(y)):
            return x == y
        case let (.number(x), .number(y)): return x == y
        case let (.duration(x), .duration(y)): return x == y
        case let (.severity(x), .severity(y)): return x == y
        default: return false
        }
    }

    @Test func theRegistryIsWhatPoliciesAndSuppressionsName() {
        // The built-in detectors are there, each once (a new detector needs no change here).
        let builtIn = [
            "auth_failure_burst", "unauthorized_access", "allowlist_violation", "rate_limit_breach", "input_validation", "api_key_anomaly",
        ]
        #expect(Set(builtIn).isSubset(of: Vigil.detectorNames))
        #expect(Set(Vigil.detectorNames).count == Vigil.detectorNames.count)
        #expect(DetectorRegistry.all.allSatisfy { $0.make(Policy(), nil) == nil || $0.make(Policy(), nil)?.name == $0.name })
        let loaded = load("version: 1\ndetectors:\n  rate_limit_breach: { refused_severty: P3 }\n  rate_limit_breech: { severity: P3 }\n")
        let texts = loaded.errors.map(\.text)
        #expect(
            texts.contains { $0.contains("unknown key `refused_severty`") && $0.contains("did you mean `refused_severity`?") }, "\(texts)")
        #expect(
            texts.contains { $0.contains("there is no detector `rate_limit_breech`") && $0.contains("did you mean `rate_limit_breach`?") },
            "\(texts)")
    }

    @Test func wholeNumbersTooLargeAreRefusedNotTrapped() {
        let loaded = load("version: 1\ndetectors:\n  rate_limit_breach: { daily_escalation: 1e300 }\n")
        #expect(loaded.errors.map(\.text).contains { $0.contains("daily_escalation must be at most") }, "\(loaded.errors.map(\.text))")
        #expect(loaded.policy.detectors.rateLimitBreach.dailyEscalation == DetectorSettings().rateLimitBreach.dailyEscalation)
    }

    /// The severities that had no key: a lone 429 (`refused_severity`) and the API-key rules
    /// that are common on their own (`low_severity`).
    @Test func severitiesThatHadNoKeyAreConfigurable() {
        let loaded = load(
            "version: 1\ndetectors:\n  rate_limit_breach: { refused_severity: P2 }\n  api_key_anomaly: { low_severity: P3 }\n")
        #expect(!loaded.hasErrors)
        #expect(loaded.policy.detectors.rateLimitBreach.refusedSeverity == .p2)
        #expect(loaded.policy.detectors.apiKeyAnomaly.lowSeverity == .p3)
        let harness = DetectorHarness(policy: loaded.policy)
        harness.feed("2026-11-03T07:00:00Z", ip: "203.0.113.7", .rateLimited, key: "key_1", status: 429)
        let found = harness.findings
        #expect(found.count == 1)
        #expect(found.first?.severity == .p2, "a lone 429 takes refused_severity")
        #expect(found.first?.message == "1 rate-limit breach by API key key_1 (answered 429)")
    }
}
