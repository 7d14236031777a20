import Foundation
import Yams

/// A test kept beside a policy (`policies/tests/*.yaml`): log lines in, findings expected
/// (or expected absent) out. `vigil policy test` runs them in CI so that a policy change that
/// stops catching something, or starts flagging the office network, fails the pull request.
///
/// ```yaml
/// cases:
///   - name: a login from outside the admin network is flagged
///     format: sshd            # optional; default: sniffed
///     year: 2026              # for syslog stamps without a year; default: this year
///     lines: |                # or `file: ../../fixtures/sshd/auth.log` (relative to this file)
///       Nov 29 10:00:00 admin-1 sshd[1]: Accepted publickey for ops from 198.51.100.7 port 50000 ssh2
///     expect:
///       - { detector: allowlist_violation, rule: success_outside_allowlist, subject: 198.51.100.7, severity: P1 }
///     expect_absent:
///       - { detector: auth_failure_burst }
///     only_expected: false    # true: any other finding fails the case
/// ```
package struct PolicyTestCase: Sendable {
    package var name: String
    package var location: SourceLocation
    package var format: LogFormat = .auto
    package var year: Int?
    package var lines: String?
    package var file: String?
    var expect: [FindingPattern] = []
    var expectAbsent: [FindingPattern] = []
    var onlyExpected = false

    package init(name: String, location: SourceLocation) {
        self.name = name
        self.location = location
    }
}

/// Which findings a test case means; every given field must match.
package struct FindingPattern: Sendable, CustomStringConvertible {
    package var detector: String?
    package var rule: String?
    package var subject: String?
    package var subjectKind: String?
    package var severity: Severity?
    package var server: String?
    package var count: Int?
    package var location: SourceLocation

    package func matches(_ f: Finding) -> Bool {
        (detector == nil || detector == f.detector) && (rule == nil || rule == f.rule)
            && (subject == nil || subject == f.subject) && (subjectKind == nil || subjectKind == f.subjectKind)
            && (severity == nil || severity == f.severity) && (server == nil || server == f.server)
            && (count == nil || count == f.count)
    }

    package var description: String {
        var parts: [String] = []
        if let detector { parts.append("detector: \(detector)") }
        if let rule { parts.append("rule: \(rule)") }
        if let subjectKind { parts.append("subject_kind: \(subjectKind)") }
        if let subject { parts.append("subject: \(subject)") }
        if let severity { parts.append("severity: \(severity)") }
        if let server { parts.append("server: \(server)") }
        if let count { parts.append("count: \(count)") }
        return "{" + parts.joined(separator: ", ") + "}"
    }
}

/// Reads test case files.
package enum PolicyTestLoader {
    /// The `*.yaml`/`*.yml` files of `tests/` inside a policy directory.
    package static func testFiles(policyPath: String) -> [String] {
        var isDir: ObjCBool = false
        let dir: String
        if FileManager.default.fileExists(atPath: policyPath, isDirectory: &isDir), isDir.boolValue {
            dir = (policyPath.hasSuffix("/") ? String(policyPath.dropLast()) : policyPath) + "/tests"
        } else {
            dir = (policyPath as NSString).deletingLastPathComponent + "/tests"
        }
        let names = (try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []
        return names.filter { ($0.hasSuffix(".yaml") || $0.hasSuffix(".yml")) && !$0.hasPrefix(".") }.sorted().map { dir + "/" + $0 }
    }

    package static func load(file: String) -> ([PolicyTestCase], [PolicyDiagnostic]) {
        let bytes: [UInt8]
        switch PolicyLoader.readLimited(file) {
        case let .success(read): bytes = read
        case let .failure(problem):
            return (
                [],
                [
                    PolicyDiagnostic(
                        .error, "file-unreadable", "cannot read the test file: \(problem.reason)", at: SourceLocation(file: file))
                ]
            )
        }
        let data = Data(bytes)
        if let v = YAMLGuard.check(bytes) {
            return (
                [], [PolicyDiagnostic(.error, "yaml-limits", v.message, at: SourceLocation(file: file, line: v.line, column: v.column))]
            )
        }
        let root: Node?
        do {
            root = try Yams.compose(yaml: String(decoding: data, as: UTF8.self))
        } catch let e as YamlError {
            return ([], [PolicyLoader.yamlDiagnostic(e, file: file)])
        } catch {
            return ([], [PolicyDiagnostic(.error, "yaml-syntax", "\(error)", at: SourceLocation(file: file))])
        }
        guard let root else { return ([], []) }
        let p = PolicyParser(file: file)
        var cases: [PolicyTestCase] = []
        do {
            for (_, list) in try p.mapping(root, known: ["cases"], what: "a policy test file") {
                for item in try p.list(list, what: "cases") {
                    if let c = try testCase(item, p) { cases.append(c) }
                }
            }
        } catch {
            p.error("yaml-limits", "too many values after expanding aliases", root)
        }
        return (cases, p.diagnostics)
    }

    private static func testCase(_ node: Node, _ p: PolicyParser) throws -> PolicyTestCase? {
        let known = ["name", "format", "year", "lines", "file", "expect", "expect_absent", "only_expected"]
        let pairs = try p.mapping(node, known: known, what: "a test case")
        guard node.mapping != nil else { return nil }
        var c = PolicyTestCase(name: "", location: p.location(node))
        for (key, v) in pairs {
            switch key {
            case "name": c.name = p.string(v, what: "name") ?? ""
            case "format":
                if let s = p.string(v, what: "format") {
                    if let f = LogFormat(rawValue: s) {
                        c.format = f
                    } else {
                        p.error("invalid-value", "format must be one of \(LogFormat.allCases.map(\.rawValue).joined(separator: ", "))", v)
                    }
                }
            case "year": c.year = p.int(v, what: "year")
            case "lines": c.lines = p.string(v, what: "lines")
            case "file":
                if let s = p.string(v, what: "file") { c.file = s.hasPrefix("/") ? s : p.directory + "/" + s }
            case "expect": c.expect = try patterns(v, p)
            case "expect_absent": c.expectAbsent = try patterns(v, p)
            case "only_expected": c.onlyExpected = p.bool(v, what: "only_expected") ?? false
            default: break
            }
        }
        if c.name.isEmpty { p.error("invalid-value", "a test case needs a `name`", node) }
        if (c.lines == nil) == (c.file == nil) { p.error("invalid-value", "a test case needs either `lines` or `file`", node) }
        if c.expect.isEmpty && c.expectAbsent.isEmpty && !c.onlyExpected {
            p.error("invalid-value", "a test case needs `expect`, `expect_absent` or `only_expected: true`; otherwise it cannot fail", node)
        }
        return c
    }

    private static func patterns(_ node: Node, _ p: PolicyParser) throws -> [FindingPattern] {
        var out: [FindingPattern] = []
        for item in try p.list(node, what: "findings") {
            let pairs = try p.mapping(
                item, known: ["detector", "rule", "subject", "subject_kind", "severity", "server", "count"], what: "a finding pattern")
            var f = FindingPattern(location: p.location(item))
            for (key, v) in pairs {
                switch key {
                case "detector": f.detector = p.string(v, what: key)
                case "rule": f.rule = p.string(v, what: key)
                case "subject": f.subject = p.string(v, what: key)
                case "subject_kind": f.subjectKind = p.string(v, what: key)
                case "severity": f.severity = p.severity(v, what: key)
                case "server": f.server = p.string(v, what: key)
                case "count": f.count = p.int(v, what: key)
                default: break
                }
            }
            if item.mapping != nil { out.append(f) }
        }
        return out
    }
}
