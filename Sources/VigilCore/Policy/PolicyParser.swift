import Foundation
import Yams

/// Reads one policy file's YAML tree into a `PolicyFragment`, reporting every problem with its
/// line and column instead of stopping at the first.
///
/// The tree is walked by hand rather than decoded with `Codable` so that each value keeps its
/// location, unknown keys are caught (a typo such as `cidr:` must not silently allow nothing)
/// and one bad entry does not hide the others.
final class PolicyParser {
    let file: String
    /// Directory of the file, for relative GeoIP paths.
    let directory: String
    private(set) var diagnostics: [PolicyDiagnostic] = []
    /// Nodes visited, counting every expansion of an alias; past `maxNodes` the file is rejected.
    private var visited = 0
    static let maxNodes = 500_000
    static let maxDiagnostics = 1_000

    struct BudgetExceeded: Error {}

    init(file: String) {
        self.file = file
        directory = (file as NSString).deletingLastPathComponent
    }

    // MARK: diagnostics

    func location(_ node: Node?) -> SourceLocation {
        guard let m = node?.mark else { return SourceLocation(file: file) }
        return SourceLocation(file: file, line: m.line, column: m.column)
    }

    func error(_ rule: String, _ message: String, _ node: Node?) {
        report(PolicyDiagnostic(.error, rule, message, at: location(node)))
    }

    func warning(_ rule: String, _ message: String, _ node: Node?) {
        report(PolicyDiagnostic(.warning, rule, message, at: location(node)))
    }

    func report(_ d: PolicyDiagnostic) {
        if diagnostics.count < PolicyParser.maxDiagnostics { diagnostics.append(d) }
    }

    /// A plain `~`, `null` or empty value.
    func isNull(_ node: Node) -> Bool {
        guard let s = node.scalar, s.style == .plain || s.style == .any else { return false }
        return ["", "~", "null", "Null", "NULL"].contains(s.string)
    }

    func visit() throws {
        visited += 1
        if visited > PolicyParser.maxNodes { throw BudgetExceeded() }
    }

    // MARK: typed readers

    /// The pairs of a mapping whose keys are all known; unknown keys are reported (with the
    /// closest known key as a hint) and skipped.
    func mapping(_ node: Node, known: [String], what: String) throws -> [(key: String, node: Node)] {
        try visit()
        guard let m = node.mapping else {
            error("invalid-value", "\(what) must be a mapping of keys to values", node)
            return []
        }
        var out: [(String, Node)] = []
        for (k, v) in m {
            try visit()
            guard let key = k.scalar?.string else {
                error("invalid-value", "keys in \(what) must be plain names", k)
                continue
            }
            guard known.contains(key) else {
                var message = "unknown key `\(key)` in \(what)"
                if let hint = PolicyParser.closest(key, in: known) { message += "; did you mean `\(hint)`?" }
                message += " Known keys: \(known.joined(separator: ", "))"
                error("unknown-key", message, k)
                continue
            }
            out.append((key, v))
        }
        return out
    }

    func string(_ node: Node, what: String) -> String? {
        guard let s = node.scalar, !isNull(node) else {
            error("invalid-value", "\(what) must be a text value", node)
            return nil
        }
        return s.string
    }

    func int(_ node: Node, what: String) -> Int? {
        guard let s = node.scalar?.string, let v = Int(s.replacingOccurrences(of: "_", with: "")) else {
            error("invalid-value", "\(what) must be a whole number, not \(describe(node))", node)
            return nil
        }
        return v
    }

    func bool(_ node: Node, what: String) -> Bool? {
        switch node.scalar?.string.lowercased() {
        case "true", "yes", "on": return true
        case "false", "no", "off": return false
        default:
            error("invalid-value", "\(what) must be true or false, not \(describe(node))", node)
            return nil
        }
    }

    func duration(_ node: Node, what: String) -> Int64? {
        guard let s = node.scalar?.string, let d = DurationText.parse(s) else {
            error("invalid-value", "\(what) must be a duration such as 30s, 5m, 1h or 7d, not \(describe(node))", node)
            return nil
        }
        return d
    }

    func severity(_ node: Node, what: String) -> Severity? {
        guard let s = node.scalar?.string, let v = Severity(name: s) else {
            error("invalid-value", "\(what) must be P1, P2, P3 or P4, not \(describe(node))", node)
            return nil
        }
        return v
    }

    /// `2027-06-30` (allowed through the end of that day, UTC) or an ISO 8601 time.
    func expiry(_ node: Node, what: String) -> Int64? {
        guard var s = node.scalar?.string else {
            error("invalid-value", "\(what) must be a date such as 2027-06-30", node)
            return nil
        }
        let parsed: Int64? = s.withUTF8 { buf in
            let b = UnsafeRawBufferPointer(buf)
            if b.count == 10, let (ms, _) = EventTime.parseISO8601(b, dateOnly: true) { return ms + EventTime.day }
            if let (ms, end) = EventTime.parseISO8601(b), end == b.count { return ms }
            return nil
        }
        guard let parsed else {
            error("invalid-value", "\(what) must be a date such as 2027-06-30, not \(describe(node))", node)
            return nil
        }
        return parsed
    }

    /// A list; a single scalar is accepted as a list of one.
    func list(_ node: Node, what: String) throws -> [Node] {
        try visit()
        if let seq = node.sequence {
            for _ in seq { try visit() }
            return Array(seq)
        }
        if isNull(node) { return [] }
        if node.scalar != nil { return [node] }
        error("invalid-value", "\(what) must be a list", node)
        return []
    }

    func describe(_ node: Node) -> String {
        if let s = node.scalar?.string { return "`\(s.count > 60 ? String(s.prefix(60)) + "…" : s)`" }
        if node.mapping != nil { return "a mapping" }
        return "a list"
    }

    /// The known key nearest to a typo (see `NameSuggestion`).
    static func closest(_ key: String, in known: [String]) -> String? { NameSuggestion.closest(key, in: known) }
}
