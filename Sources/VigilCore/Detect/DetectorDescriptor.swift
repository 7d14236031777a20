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
    /// Warnings about settings that work but contradict each other (a success after failures
    /// rated below the failures), judged on the merged settings.
    var consistency: [(DetectorSettings) -> String?] = []
    /// Builds the detector for a run, or `nil` when it is off (or has nothing to judge).
    let make: (_ policy: Policy, _ enricher: Enricher?) -> (any Detector)?

    init(
        name: String, settings: [DetectorSetting], consistency: [(DetectorSettings) -> String?] = [],
        make: @escaping (_ policy: Policy, _ enricher: Enricher?) -> (any Detector)?
    ) {
        self.name = name
        self.settings = settings
        self.consistency = consistency
        self.make = make
    }

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

    /// What lint says about a value given for a setting, when it has something to say.
    typealias Check = @Sendable (DetectorSettingValue) -> DetectorSettingVerdict?

    let key: String
    let kind: Kind
    /// Lint's judgement of a value a policy gives (ranges that cannot work, values that
    /// probably do not do what was meant).
    var check: Check? = nil

    static func flag(_ key: String, _ path: WritableKeyPath<DetectorSettings, Bool>) -> Self { .init(key: key, kind: .flag(path)) }
    static func integer(_ key: String, _ path: WritableKeyPath<DetectorSettings, Int>, check: Check? = nil) -> Self {
        .init(key: key, kind: .integer(path), check: check)
    }
    static func count(_ key: String, _ path: WritableKeyPath<DetectorSettings, Int>) -> Self { .init(key: key, kind: .count(path)) }
    static func number(_ key: String, _ path: WritableKeyPath<DetectorSettings, Double>, check: Check? = nil) -> Self {
        .init(key: key, kind: .number(path), check: check)
    }
    static func duration(_ key: String, _ path: WritableKeyPath<DetectorSettings, Int64>, check: Check? = nil) -> Self {
        .init(key: key, kind: .duration(path), check: check)
    }
    static func severity(_ key: String, _ path: WritableKeyPath<DetectorSettings, Severity>) -> Self {
        .init(key: key, kind: .severity(path))
    }
}

/// Lint's word on one detector setting: an error (the value cannot work, and `analyze` will
/// not start) or a warning. `text` follows the setting's name, `detectors.NAME.KEY`.
struct DetectorSettingVerdict: Sendable {
    var isError: Bool
    var rule: String
    var text: String

    static func error(_ text: String) -> Self { .init(isError: true, rule: "threshold-invalid", text: text) }
    static func warning(_ text: String) -> Self { .init(isError: false, rule: "threshold-suspicious", text: text) }
}

/// The checks several detectors share.
extension DetectorSetting {
    /// A cooldown: never negative; 0 makes every occurrence its own finding.
    static let cooldownCheck: Check = { value in
        guard case let .duration(cooldown) = value else { return nil }
        if cooldown < 0 { return .error(" cannot be negative") }
        if cooldown == 0 { return .warning(" 0 opens a new finding (and alert) for every occurrence") }
        return nil
    }

    /// A sliding window: longer than 0; state grows with it past a day.
    static let windowCheck: Check = { value in
        guard case let .duration(window) = value else { return nil }
        if window <= 0 { return .error(" must be longer than 0") }
        if window > EventTime.day { return .warning(" of \(DurationText.format(window)) is longer than a day; state grows with it") }
        return nil
    }

    /// A fraction strictly between 0 and 1.
    static let fractionCheck: Check = { value in
        guard let share = value.number, share <= 0 || share >= 1 else { return nil }
        return .error(" is a fraction between 0 and 1 (0.005 = 0.5%)")
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
