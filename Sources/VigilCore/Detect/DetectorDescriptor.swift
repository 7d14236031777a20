/// One detector as the policy and the pipeline know it: its name, the settings a policy may
/// give it under `detectors.NAME` (YAML key, kind of value, where the value goes), and how a
/// run builds it.
///
/// Before, a detector's name stood in four lists (the detector, the names a policy may use, the
/// keys each accepts, the switch that applied them, whose `default: break` dropped a missing
/// case silently), and five severity keys of different detectors shared one field, so some
/// severities could not be set at all. A descriptor says it once; `DetectorRegistry` lists them.
struct DetectorDescriptor {
    let name: String
    /// The keys a policy may give, in the order lint names them.
    let settings: [DetectorSetting]
    /// Builds the detector for a run, or `nil` when it is off (or has nothing to judge).
    let make: (_ policy: Policy, _ enricher: Enricher?) -> (any Detector)?

    var keys: [String] { settings.map(\.key) }

    func setting(_ key: String) -> DetectorSetting? { settings.first { $0.key == key } }
}

/// One key of a detector's settings: its YAML name and the field of `DetectorSettings` it sets.
struct DetectorSetting {
    enum Kind {
        case flag(WritableKeyPath<DetectorSettings, Bool>)
        /// A whole number as written (lint judges its range).
        case integer(WritableKeyPath<DetectorSettings, Int>)
        /// A number of 0 or more, kept as a whole number.
        case count(WritableKeyPath<DetectorSettings, Int>)
        /// A number of 0 or more.
        case number(WritableKeyPath<DetectorSettings, Double>)
        case duration(WritableKeyPath<DetectorSettings, Int64>)
        case severity(WritableKeyPath<DetectorSettings, Severity>)
    }

    let key: String
    let kind: Kind

    static func flag(_ key: String, _ path: WritableKeyPath<DetectorSettings, Bool>) -> Self { .init(key: key, kind: .flag(path)) }
    static func integer(_ key: String, _ path: WritableKeyPath<DetectorSettings, Int>) -> Self { .init(key: key, kind: .integer(path)) }
    static func count(_ key: String, _ path: WritableKeyPath<DetectorSettings, Int>) -> Self { .init(key: key, kind: .count(path)) }
    static func number(_ key: String, _ path: WritableKeyPath<DetectorSettings, Double>) -> Self { .init(key: key, kind: .number(path)) }
    static func duration(_ key: String, _ path: WritableKeyPath<DetectorSettings, Int64>) -> Self { .init(key: key, kind: .duration(path)) }
    static func severity(_ key: String, _ path: WritableKeyPath<DetectorSettings, Severity>) -> Self {
        .init(key: key, kind: .severity(path))
    }
}

extension DetectorSetting {
    /// Writes `value` into `settings`; a value of the wrong kind (which the parser never
    /// produces) changes nothing.
    func apply(_ value: DetectorSettingValue, to settings: inout DetectorSettings) {
        switch (kind, value) {
        case let (.flag(path), .flag(flag)): settings[keyPath: path] = flag
        case let (.integer(path), .integer(number)): settings[keyPath: path] = number
        case let (.count(path), .number(number)): settings[keyPath: path] = Int(number)
        case let (.number(path), .number(number)): settings[keyPath: path] = number
        case let (.duration(path), .duration(duration)): settings[keyPath: path] = duration
        case let (.severity(path), .severity(severity)): settings[keyPath: path] = severity
        default: break
        }
    }
}
