/// Severities of the platform's monitoring plan (§2.2.1): P1 critical … P4 low.
/// `<` means "less severe", so `max` of two severities is the more severe one.
package enum Severity: Int, Sendable, Codable, CaseIterable, Comparable, CustomStringConvertible {
    case p1 = 1, p2 = 2, p3 = 3, p4 = 4

    package static func < (a: Severity, b: Severity) -> Bool { a.rawValue > b.rawValue }

    package var description: String { "P\(rawValue)" }

    package init?(name: String) {
        switch name.uppercased() {
        case "P1": self = .p1
        case "P2": self = .p2
        case "P3": self = .p3
        case "P4": self = .p4
        default: return nil
        }
    }

    package init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        let s = try c.decode(String.self)
        guard let v = Severity(name: s) else {
            throw DecodingError.dataCorruptedError(in: c, debugDescription: "severity must be P1, P2, P3 or P4, not \(s)")
        }
        self = v
    }

    package func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(description)
    }
}
