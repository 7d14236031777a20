import Foundation
import Yams

/// A policy read from disk with everything lint found, and the GeoIP databases it opened.
package struct LoadedPolicy {
    package var policy: Policy
    package var diagnostics: [PolicyDiagnostic]
    /// GeoIP/ASN lookups for the databases the policy names; `nil` when it names none.
    package var enricher: Enricher?

    package var errors: [PolicyDiagnostic] { diagnostics.filter { $0.level == .error } }
    package var warnings: [PolicyDiagnostic] { diagnostics.filter { $0.level == .warning } }
    package var hasErrors: Bool { diagnostics.contains { $0.level == .error } }

    /// The policy, or every error when there is one: a policy never half-loads.
    package func usable() throws -> (Policy, Enricher?) {
        if hasErrors { throw PolicyError(diagnostics: diagnostics) }
        return (policy, enricher)
    }
}

/// Reads a policy directory (every top-level `*.yaml`/`*.yml`, in name order) or one file,
/// merges the files and checks the result.
///
/// Lists (`allowlists`, `rate_limits`) from several files are concatenated; a setting that
/// takes one value (`version` aside, which must agree) may be given in one file only.
package enum PolicyLoader {
    package static func load(_ path: String, now: Int64 = Int64(Date().timeIntervalSince1970 * 1000)) -> LoadedPolicy {
        var diagnostics: [PolicyDiagnostic] = []
        let files = policyFiles(path, &diagnostics)
        var fragments: [PolicyFragment] = []
        var texts: [String] = []
        for file in files {
            let (fragment, d, text) = parse(file: file)
            diagnostics += d
            if let fragment { fragments.append(fragment) }
            texts.append(text ?? "")
        }
        var policy = merge(fragments, &diagnostics)
        policy.files = files
        policy.fileTexts = texts
        policy.source = URL(fileURLWithPath: path).standardizedFileURL.path
        policy.fingerprint = fingerprint(files)
        if files.isEmpty && diagnostics.isEmpty {
            diagnostics.append(
                PolicyDiagnostic(.error, "no-policy", "no *.yaml or *.yml policy file in \(path)", at: SourceLocation(file: path)))
        }
        let linter = PolicyLinter(policy: policy, now: now)
        diagnostics += linter.check()
        return LoadedPolicy(policy: policy, diagnostics: diagnostics, enricher: linter.enricher)
    }

    /// FNV-1a over each file's name and bytes, in order.
    package static func fingerprint(_ files: [String]) -> String {
        var hash = StableHash.offset
        for file in files {
            hash = StableHash.fnv1a((file as NSString).lastPathComponent, seed: hash)
            if let bytes = FileManager.default.contents(atPath: file) {
                hash = bytes.withUnsafeBytes { StableHash.fnv1a($0, seed: hash) }
            }
        }
        return String(hash, radix: 16)
    }

    /// The built-in defaults, used when no `--policy` is given and `./policies` does not exist.
    package static func defaults() -> LoadedPolicy {
        LoadedPolicy(policy: Policy(), diagnostics: [], enricher: nil)
    }

    /// The policy files at `path` (as `load` reads them), for a fingerprint of what is there now.
    package static func policyFiles(_ path: String) -> [String] {
        var ignored: [PolicyDiagnostic] = []
        return policyFiles(path, &ignored)
    }

    static func policyFiles(_ path: String, _ diagnostics: inout [PolicyDiagnostic]) -> [String] {
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDir) else {
            diagnostics.append(
                PolicyDiagnostic(.error, "file-unreadable", "no such policy file or directory", at: SourceLocation(file: path)))
            return []
        }
        guard isDir.boolValue else { return [path] }
        do {
            let names = try FileManager.default.contentsOfDirectory(atPath: path)
                .filter { ($0.hasSuffix(".yaml") || $0.hasSuffix(".yml")) && !$0.hasPrefix(".") }
                .sorted()
            let base = path.hasSuffix("/") ? String(path.dropLast()) : path
            return names.map { base + "/" + $0 }
        } catch {
            diagnostics.append(
                PolicyDiagnostic(
                    .error, "file-unreadable", "cannot list the policy directory: \(error.localizedDescription)",
                    at: SourceLocation(file: path)))
            return []
        }
    }

    /// The policy a run recorded (`RecordedPolicy`), from the texts stored with it: parsed
    /// and merged as `load` does, under the files' original names (so relative GeoIP paths
    /// resolve as they did). A report does not lint it again (`lint: false`): lint judged it
    /// when the run loaded it, and what it would check now (GeoIP files, expiry against today)
    /// is not what was in force. `reanalyze` does (`lint: true`): it opens the GeoIP databases
    /// to judge with, and a policy that no longer loads must stop it.
    package static func load(recorded: RecordedPolicy, lint: Bool = false, now: Int64 = EventTime.wallNow()) -> LoadedPolicy {
        var diagnostics: [PolicyDiagnostic] = []
        var fragments: [PolicyFragment] = []
        for file in recorded.files {
            let (fragment, d) = parse(bytes: Array(file.text.utf8), file: file.path)
            diagnostics += d
            if let fragment { fragments.append(fragment) }
        }
        var policy = merge(fragments, &diagnostics)
        policy.files = recorded.files.map(\.path)
        policy.fileTexts = recorded.files.map(\.text)
        policy.source = recorded.source
        policy.fingerprint = recorded.fingerprint
        guard lint else { return LoadedPolicy(policy: policy, diagnostics: diagnostics, enricher: nil) }
        let linter = PolicyLinter(policy: policy, now: now)
        diagnostics += linter.check()
        return LoadedPolicy(policy: policy, diagnostics: diagnostics, enricher: linter.enricher)
    }

    /// Reads and parses one file; `nil` when it could not be parsed at all. Also returns its
    /// text when it could be read as UTF-8.
    static func parse(file: String) -> (PolicyFragment?, [PolicyDiagnostic], String?) {
        let at = SourceLocation(file: file)
        if RegularFile.problem(file) == nil, let tooLarge = RegularFile.problem(file, maxBytes: Int64(YAMLGuard.maxBytes)) {
            // Its size on disk, not the part read before giving up.
            return (
                nil,
                [
                    PolicyDiagnostic(
                        .error, "yaml-limits", "file is \(tooLarge) for a policy file", at: SourceLocation(file: file, line: 1, column: 1))
                ],
                nil
            )
        }
        let bytes: [UInt8]
        switch readLimited(file) {
        case let .success(read): bytes = read
        case let .failure(problem):
            return (nil, [PolicyDiagnostic(.error, "file-unreadable", "cannot read the file: \(problem.reason)", at: at)], nil)
        }
        let (fragment, diagnostics) = parse(bytes: bytes, file: file)
        return (fragment, diagnostics, String(validating: bytes, as: UTF8.self))
    }

    /// Parses one file's bytes, named `file` in diagnostics.
    static func parse(bytes: [UInt8], file: String) -> (PolicyFragment?, [PolicyDiagnostic]) {
        let at = SourceLocation(file: file)
        if let v = YAMLGuard.check(bytes) {
            return (
                nil, [PolicyDiagnostic(.error, "yaml-limits", v.message, at: SourceLocation(file: file, line: v.line, column: v.column))]
            )
        }
        guard let text = String(validating: bytes, as: UTF8.self) else {
            return (nil, [PolicyDiagnostic(.error, "yaml-syntax", "the file is not valid UTF-8", at: at)])
        }
        let root: Node?
        do {
            root = try Yams.compose(yaml: text)
        } catch let e as YamlError {
            return (nil, [yamlDiagnostic(e, file: file)])
        } catch {
            return (nil, [PolicyDiagnostic(.error, "yaml-syntax", "\(error)", at: at)])
        }
        let parser = PolicyParser(file: file)
        guard let root else {
            return (PolicyFragment(file: file), [PolicyDiagnostic(.warning, "invalid-value", "the file is empty", at: at)])
        }
        do {
            let fragment = try parser.fragment(root)
            return (fragment, parser.diagnostics)
        } catch {
            return (
                nil,
                parser.diagnostics + [
                    PolicyDiagnostic(
                        .error, "yaml-limits",
                        "more than \(PolicyParser.maxNodes) values after expanding aliases; a policy never needs that many", at: at)
                ]
            )
        }
    }

    /// Why a policy or test file could not be read.
    struct ReadProblem: Error {
        var reason: String
    }

    /// Reads a regular file, at most one byte more than `YAMLGuard.maxBytes` of it, so a huge
    /// file is refused by the guard instead of filling memory. Anything but a regular file (a
    /// FIFO would block the open until a writer came; a device would never end) is refused
    /// with what it is.
    static func readLimited(_ path: String) -> Result<[UInt8], ReadProblem> {
        if let problem = RegularFile.problem(path) { return .failure(ReadProblem(reason: problem)) }
        guard let handle = FileHandle(forReadingAtPath: path) else { return .failure(ReadProblem(reason: "cannot be opened")) }
        defer { try? handle.close() }
        var out: [UInt8] = []
        while out.count <= YAMLGuard.maxBytes {
            let chunk: Data?
            do { chunk = try handle.read(upToCount: 1 << 16) } catch {
                return .failure(ReadProblem(reason: "\(error.localizedDescription)"))
            }
            guard let chunk, !chunk.isEmpty else { break }  // nil or empty: end of file
            out += chunk
        }
        return .success(out)
    }

    static func yamlDiagnostic(_ e: YamlError, file: String) -> PolicyDiagnostic {
        func loc(_ m: Mark) -> SourceLocation { SourceLocation(file: file, line: m.line, column: m.column) }
        switch e {
        case let .scanner(context, problem, mark, _), let .parser(context, problem, mark, _), let .composer(context, problem, mark, _):
            let ctx = context.map { " (\($0.text) at line \($0.mark.line))" } ?? ""
            return PolicyDiagnostic(.error, "yaml-syntax", "invalid YAML: \(problem)\(ctx)", at: loc(mark))
        case let .duplicatedKeysInMapping(duplicates, context):
            return PolicyDiagnostic(
                .error, "yaml-syntax",
                "duplicate key\(duplicates.count == 1 ? "" : "s") \(duplicates.map { "`\($0)`" }.joined(separator: ", ")) in one mapping",
                at: loc(context.mark))
        case let .reader(problem, offset, _, yaml):
            var line = 1, column = 1
            if let offset {
                for (i, c) in yaml.utf8.enumerated() where i < offset { if c == 10 { line += 1; column = 1 } else { column += 1 } }
            }
            return PolicyDiagnostic(
                .error, "yaml-syntax", "unreadable YAML: \(problem)", at: SourceLocation(file: file, line: line, column: column))
        default:
            return PolicyDiagnostic(.error, "yaml-syntax", "\(e)", at: SourceLocation(file: file))
        }
    }

    /// A section that one file of the policy may set (`lint`, `retention`, `clients`): the
    /// first file's value, and a merge conflict for any other file that sets it too.
    private static func setOnce<Value>(
        _ section: (value: Value, at: SourceLocation)?, _ name: String, in file: String, into target: inout Value,
        setIn firstFile: inout String?, _ diagnostics: inout [PolicyDiagnostic]
    ) {
        guard let (value, at) = section else { return }
        if let first = firstFile {
            diagnostics.append(
                PolicyDiagnostic(.error, "merge-conflict", "\(name) is already set in \(first); set it in one file only", at: at))
        } else {
            target = value
            firstFile = file
        }
    }

    static func merge(_ fragments: [PolicyFragment], _ diagnostics: inout [PolicyDiagnostic]) -> Policy {
        var p = Policy()
        var versionAt: SourceLocation?
        var geoipFrom: String?
        var lintFrom: String?
        var retentionFrom: String?
        var clientsFrom: String?
        var detectorFrom: [String: SourceLocation] = [:]
        for f in fragments {
            if let (v, at) = f.version {
                if let first = versionAt, v != p.version {
                    diagnostics.append(
                        PolicyDiagnostic(
                            .error, "merge-conflict", "version \(v) differs from version \(p.version) in \(first.description)", at: at))
                }
                if versionAt == nil { p.version = v; versionAt = at }
            }
            if let g = f.geoip {
                if let first = geoipFrom {
                    diagnostics.append(
                        PolicyDiagnostic(
                            .error, "merge-conflict", "geoip is already set in \(first); set it in one file only",
                            at: g.location ?? SourceLocation(file: f.file)))
                } else {
                    p.geoip = g
                    geoipFrom = f.file
                }
            }
            setOnce(f.clients, "clients", in: f.file, into: &p.clients, setIn: &clientsFrom, &diagnostics)
            setOnce(f.lint, "lint", in: f.file, into: &p.lint, setIn: &lintFrom, &diagnostics)
            setOnce(f.retention, "retention", in: f.file, into: &p.retention, setIn: &retentionFrom, &diagnostics)
            p.allowlists += f.allowlists
            p.rateLimits += f.rateLimits
            for a in f.alerts {
                if let first = p.alerts.first(where: { $0.name == a.name }) {
                    diagnostics.append(
                        PolicyDiagnostic(
                            .error, "merge-conflict", "alert sink `\(a.name)` is already defined at \(first.location?.description ?? "?")",
                            at: a.location ?? SourceLocation(file: f.file)))
                    continue
                }
                p.alerts.append(a)
            }
            for o in f.detectors {
                if let first = detectorFrom[o.detector] {
                    diagnostics.append(
                        PolicyDiagnostic(
                            .error, "merge-conflict", "detectors.\(o.detector) is already set at \(first.description)", at: o.location))
                    continue
                }
                detectorFrom[o.detector] = o.location
                o.apply(to: &p.detectors)
            }
        }
        if versionAt == nil, let first = fragments.first {
            diagnostics.append(
                PolicyDiagnostic(
                    .warning, "version", "no `version: 1`; add it so a future schema change is detected",
                    at: SourceLocation(file: first.file, line: 1, column: 1)))
        }
        p.detectorOverrides = fragments.flatMap(\.detectors)
        return p
    }
}
