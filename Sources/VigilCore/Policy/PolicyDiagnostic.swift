/// One problem `vigil policy lint` reports. Errors stop `vigil analyze` from starting;
/// warnings do not (unless linting with `--strict`).
package struct PolicyDiagnostic: Sendable, Equatable, Codable {
    package enum Level: String, Sendable, Codable, Comparable {
        case error, warning

        package static func < (a: Level, b: Level) -> Bool { a == .warning && b == .error }
    }

    package var level: Level
    /// A stable rule id (`cidr-too-broad`, `unknown-key`, …): see `PolicyDiagnostic.rules`.
    package var rule: String
    package var message: String
    package var location: SourceLocation

    package init(_ level: Level, _ rule: String, _ message: String, at location: SourceLocation) {
        self.level = level
        self.rule = rule
        self.message = message
        self.location = location
    }

    /// `file:line:column: error: message [rule]`
    package var text: String {
        "\(location.description): \(level.rawValue): \(message) [\(rule)]"
    }

    /// Every rule with a one-line description, for `--output sarif` and the README.
    package static let rules: [(id: String, summary: String)] = [
        ("yaml-syntax", "The file is not valid YAML."),
        ("yaml-limits", "The file is too large, too deeply nested, or uses aliases in ways a policy never needs."),
        ("file-unreadable", "A policy file or directory cannot be read."),
        ("no-policy", "The policy directory holds no *.yaml or *.yml file."),
        ("unknown-key", "A key the policy schema does not know (often a typo)."),
        ("invalid-value", "A value of the wrong type or format."),
        ("version", "The policy version is missing or not supported."),
        ("merge-conflict", "Two policy files define the same setting."),
        ("cidr-invalid", "A CIDR block that does not parse, has an out-of-range prefix or host bits set."),
        ("cidr-too-broad", "A CIDR block that opens the whole address space or is shorter than the configured minimum prefix."),
        ("cidr-duplicate", "The same CIDR block listed twice in one allowlist."),
        ("cidr-shadowed", "A CIDR block inside another block of the same allowlist."),
        ("country-unknown", "A country that is not an ISO 3166-1 alpha-2 code."),
        ("country-duplicate", "The same country listed twice in one allowlist."),
        ("asn-invalid", "An AS number out of range."),
        ("asn-duplicate", "The same AS number listed twice in one allowlist."),
        ("allowlist-name", "An allowlist without a name, or two with the same name."),
        ("allowlist-empty", "An allowlist that allows nothing, so every request to its servers is a violation."),
        ("servers-glob", "An empty or malformed server glob."),
        ("expired", "An allowlist or entry whose expiry date has passed: it no longer allows anything."),
        ("expiring", "An allowlist or entry that expires soon."),
        ("owner-missing", "An allowlist without an owner to ask about it."),
        ("geoip-required", "Countries or ASNs are listed but the GeoIP database that resolves them is not configured."),
        ("geoip-unusable", "A configured GeoIP database is missing, unreadable, corrupt or of the wrong kind."),
        ("geoip-stale", "A GeoIP database older than geoip.max_age_days."),
        ("rate-limit-invalid", "A rate limit with a bad entity, limit or window, or a duplicate name."),
        ("detector-unknown", "Settings for a detector Vigil does not have."),
        ("threshold-invalid", "A threshold, window, severity or cooldown that cannot work."),
        ("threshold-suspicious", "A setting that works but probably does not do what was meant."),
        ("alert-invalid", "An alert sink with an unknown type, a bad URL, or no severity."),
        ("alert-secret", "A secret webhook URL written in the policy instead of taken from the environment (`url_env`)."),
    ]
}

/// A policy that cannot be used, with every problem found.
package struct PolicyError: Error, CustomStringConvertible {
    package var diagnostics: [PolicyDiagnostic]

    package var description: String {
        let errors = diagnostics.filter { $0.level == .error }
        return
            (errors.map(\.text) + [
                "policy has \(errors.count) error\(errors.count == 1 ? "" : "s"); fix them (see `vigil policy lint`) before analyzing"
            ])
            .joined(separator: "\n")
    }
}
