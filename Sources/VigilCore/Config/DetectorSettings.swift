/// Thresholds, windows, severities and cooldowns of the detectors, as the policy sets them.
///
/// The defaults are the platform's monitoring plan (§1.4, §2.2.2): more than 5 authentication
/// failures in 5 minutes is P2 with a 30-minute cooldown; any unauthorized access attempt is
/// P2 with a 15-minute cooldown; any request from outside an IP allowlist is P2 (threshold 0),
/// and P1 when it succeeded ("unauthorized admin access"). Policies override them.
///
/// The policy is data below the detectors, so this type does not name any of them: it holds
/// one `DetectorConfiguration` per detector, by name, and each detector's file declares its
/// settings type and a typed accessor (`settings.authFailureBurst`). A detector never
/// configured reads as its defaults.
package struct DetectorSettings: Sendable, Equatable {
    private var values: [String: any DetectorConfiguration] = [:]

    package init() {}

    /// One detector's settings; its defaults until a policy sets them.
    package subscript<Settings: DetectorConfiguration>(_ type: Settings.Type) -> Settings {
        get { values[Settings.detectorName] as? Settings ?? Settings() }
        set { values[Settings.detectorName] = newValue }
    }

    /// Equal when every detector's settings are, a detector never set counting as its defaults.
    package static func == (lhs: DetectorSettings, rhs: DetectorSettings) -> Bool {
        for name in Set(lhs.values.keys).union(rhs.values.keys) {
            guard let either = lhs.values[name] ?? rhs.values[name] else { continue }
            let defaults = type(of: either).init()
            if !(lhs.values[name] ?? defaults).isEqual(to: rhs.values[name] ?? defaults) { return false }
        }
        return true
    }
}

/// The settings of one detector: plain values with the plan's defaults.
package protocol DetectorConfiguration: Sendable, Equatable {
    /// The detector's name in policies and findings.
    static var detectorName: String { get }
    init()
    var enabled: Bool { get set }
}

extension DetectorConfiguration {
    func isEqual(to other: any DetectorConfiguration) -> Bool {
        (other as? Self) == self
    }
}
