import Foundation

/// Renders lint diagnostics for people (`text`), scripts (`json`), code scanning (`sarif`,
/// SARIF 2.1.0) and CI test reports (`junit`).
package enum PolicyLintOutput {
    package enum Format: String, CaseIterable, Sendable {
        case text, json, sarif, junit
    }

    /// `strict`: warnings fail too (JUnit shows them as failures).
    package static func render(_ diagnostics: [PolicyDiagnostic], files: [String], format: Format, strict: Bool) -> String {
        let sorted = diagnostics.sorted {
            ($0.location.file, $0.location.line, $0.location.column, $0.rule) < (
                $1.location.file, $1.location.line, $1.location.column, $1.rule
            )
        }
        switch format {
        case .text: return text(sorted, files: files)
        case .json: return json(sorted)
        case .sarif: return sarif(sorted)
        case .junit: return junit(sorted, files: files, strict: strict)
        }
    }

    static func text(_ d: [PolicyDiagnostic], files: [String]) -> String {
        var out = d.map { TerminalText.escape($0.text) + "\n" }.joined()
        let errors = d.filter { $0.level == .error }.count
        let warnings = d.count - errors
        out +=
            "\(files.count) policy file\(files.count == 1 ? "" : "s") checked: \(errors) error\(errors == 1 ? "" : "s"), \(warnings) warning\(warnings == 1 ? "" : "s")\n"
        return out
    }

    static func json(_ d: [PolicyDiagnostic]) -> String {
        struct Item: Encodable {
            var level: String, rule: String, message: String, file: String, line: Int, column: Int
        }
        let items = d.map {
            Item(
                level: $0.level.rawValue, rule: $0.rule, message: $0.message, file: $0.location.file, line: $0.location.line,
                column: $0.location.column)
        }
        return String(decoding: try! JSONEncoder.vigilPretty.encode(items), as: UTF8.self) + "\n"
    }

    // MARK: SARIF 2.1.0

    struct SARIF: Encodable {
        var schema = "https://json.schemastore.org/sarif-2.1.0.json"
        var version = "2.1.0"
        var runs: [Run]
        enum CodingKeys: String, CodingKey { case schema = "$schema", version, runs }

        struct Run: Encodable { var tool: Tool; var results: [Result] }
        struct Tool: Encodable { var driver: Driver }
        struct Driver: Encodable {
            var name = "vigil"
            var version = Vigil.version
            var rules: [Rule]
        }
        struct Rule: Encodable {
            var id: String
            var shortDescription: Message
            var defaultConfiguration: Configuration
        }
        struct Configuration: Encodable { var level: String }
        struct Message: Encodable { var text: String }
        struct Result: Encodable {
            var ruleId: String
            var ruleIndex: Int
            var level: String
            var message: Message
            var locations: [Location]
        }
        struct Location: Encodable { var physicalLocation: PhysicalLocation }
        struct PhysicalLocation: Encodable {
            var artifactLocation: ArtifactLocation
            var region: Region?
        }
        struct ArtifactLocation: Encodable { var uri: String }
        struct Region: Encodable { var startLine: Int; var startColumn: Int }
    }

    /// Rules that are errors by default (the rest are warnings).
    static let errorRules: Set<String> = [
        "yaml-syntax", "yaml-limits", "file-unreadable", "no-policy", "unknown-key", "invalid-value", "merge-conflict",
        "cidr-invalid", "cidr-too-broad", "country-unknown", "asn-invalid", "allowlist-name", "allowlist-empty",
        "servers-glob", "geoip-required", "geoip-unusable", "rate-limit-invalid", "detector-unknown", "threshold-invalid",
    ]

    static func sarif(_ d: [PolicyDiagnostic]) -> String {
        let rules = PolicyDiagnostic.rules.map {
            SARIF.Rule(
                id: $0.id, shortDescription: .init(text: $0.summary),
                defaultConfiguration: .init(level: errorRules.contains($0.id) ? "error" : "warning"))
        }
        let index = Dictionary(uniqueKeysWithValues: PolicyDiagnostic.rules.enumerated().map { ($1.id, $0) })
        let results = d.map { x in
            SARIF.Result(
                ruleId: x.rule, ruleIndex: index[x.rule] ?? 0, level: x.level.rawValue, message: .init(text: x.message),
                locations: [
                    .init(
                        physicalLocation: .init(
                            artifactLocation: .init(uri: uri(x.location.file)),
                            region: x.location.line > 0 ? .init(startLine: x.location.line, startColumn: max(x.location.column, 1)) : nil))
                ])
        }
        let log = SARIF(runs: [.init(tool: .init(driver: .init(rules: rules)), results: results)])
        return String(decoding: try! JSONEncoder.vigilPretty.encode(log), as: UTF8.self) + "\n"
    }

    /// SARIF wants URIs; relative paths stay relative (to the repository root in CI).
    static func uri(_ path: String) -> String {
        var p = path
        while p.hasPrefix("./") { p.removeFirst(2) }
        let allowed = CharacterSet.urlPathAllowed
        return p.addingPercentEncoding(withAllowedCharacters: allowed) ?? p
    }

    // MARK: JUnit

    static func junit(_ d: [PolicyDiagnostic], files: [String], strict: Bool) -> String {
        var byFile: [String: [PolicyDiagnostic]] = [:]
        for x in d { byFile[x.location.file, default: []].append(x) }
        let allFiles = (files + byFile.keys.filter { !files.contains($0) }.sorted())
        var suites = ""
        var total = 0, failures = 0
        for file in allFiles {
            let list = byFile[file] ?? []
            var cases = ""
            var suiteFailures = 0
            if list.isEmpty {
                cases += "    <testcase classname=\"\(xml(file))\" name=\"policy lint\"/>\n"
            }
            for x in list {
                let name = "\(x.rule) at \(x.location.line):\(x.location.column)"
                let fails = x.level == .error || strict
                cases += "    <testcase classname=\"\(xml(file))\" name=\"\(xml(name))\">\n"
                if fails {
                    suiteFailures += 1
                    cases += "      <failure type=\"\(x.level.rawValue)\" message=\"\(xml(x.message))\">\(xml(x.text))</failure>\n"
                } else {
                    cases += "      <system-out>\(xml(x.text))</system-out>\n"
                }
                cases += "    </testcase>\n"
            }
            let count = max(list.count, 1)
            total += count
            failures += suiteFailures
            suites +=
                "  <testsuite name=\"\(xml(file))\" tests=\"\(count)\" failures=\"\(suiteFailures)\" errors=\"0\">\n\(cases)  </testsuite>\n"
        }
        return
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"vigil policy lint\" tests=\"\(total)\" failures=\"\(failures)\">\n\(suites)</testsuites>\n"
    }

    /// Text for XML attributes and content: the report's HTML escaping, which also makes
    /// control characters visible (XML 1.0 cannot carry most of them).
    static func xml(_ s: String) -> String { MarkupText.html(s) }
}

extension JSONEncoder {
    /// Sorted, indented, slashes unescaped: for documents people read or diff (SARIF, lint JSON).
    static var vigilPretty: JSONEncoder {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        return e
    }
}
