/// The settings a policy gives for one detector; keys it does not give keep their default.
/// Which keys exist and where each value goes is the detector's `DetectorDescriptor`.
struct DetectorOverride: Sendable {
    struct Entry: Sendable {
        var key: String
        var value: DetectorSettingValue
        var at: SourceLocation
    }

    var detector: String
    /// The values given, in the order of the policy file.
    var entries: [Entry] = []
    var location: SourceLocation

    /// The value given for `key`, with where it was written.
    func value(_ key: String) -> (value: DetectorSettingValue, at: SourceLocation)? {
        entries.last { $0.key == key }.map { ($0.value, $0.at) }
    }

    /// A numeric value given for `key` (whole numbers, numbers and durations alike).
    func number(_ key: String) -> (value: Double, at: SourceLocation)? {
        guard let (value, at) = value(key), let number = value.number else { return nil }
        return (number, at)
    }
}

/// A value a policy gave for one detector setting, already checked against the setting's kind.
enum DetectorSettingValue: Sendable {
    case flag(Bool)
    case integer(Int)
    case number(Double)
    case duration(Int64)
    case severity(Severity)

    /// The value as a number, for lint's range checks.
    var number: Double? {
        switch self {
        case let .integer(value): return Double(value)
        case let .number(value): return value
        case let .duration(value): return Double(value)
        case .flag, .severity: return nil
        }
    }
}
