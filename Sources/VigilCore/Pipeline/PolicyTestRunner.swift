import Foundation

/// Runs policy test cases through the real pipeline (decode → detect → store) with the
/// policy under test, each case in its own scratch database.
package struct PolicyTestRunner {
    package struct Outcome: Sendable {
        var testCase: PolicyTestCase
        /// Empty when the case passed.
        package var failures: [String]
        package var findings: [Finding]
        package var passed: Bool { failures.isEmpty }
    }

    let policy: Policy
    let enricher: Enricher?
    let now: Int64
    /// The largest input file a test case may name (a test is a few lines, or a sample log).
    static let maxInputBytes: Int64 = 256 << 20

    package init(policy: Policy, enricher: Enricher?, now: Int64 = Int64(Date().timeIntervalSince1970 * 1000)) {
        self.policy = policy
        self.enricher = enricher
        self.now = now
    }

    package func run(_ c: PolicyTestCase) -> Outcome {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("vigil-policy-test-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        do {
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
            let input: String
            if let lines = c.lines {
                input = dir + "/" + (c.format == .auto ? "case.log" : "case.\(c.format.rawValue).log")
                try Data(lines.utf8).write(to: URL(fileURLWithPath: input))
            } else {
                input = c.file!
                // A test reads its input whole: only a regular file of reasonable size (a FIFO or
                // /dev/zero would hang `vigil policy test`).
                if let problem = RegularFile.problem(input, maxBytes: Self.maxInputBytes) {
                    return Outcome(testCase: c, failures: ["cannot read \(input): \(problem)"], findings: [])
                }
            }
            let store = try FindingStore(path: dir + "/test.sqlite")
            var options = Analyzer.Options()
            options.format = c.format
            options.fixedYear = c.year ?? EventTime.civil(fromDays: now / EventTime.day).year
            options.now = now
            options.policy = policy
            options.enricher = enricher
            let summary = try Analyzer(store: store, options: options).run(paths: [input])
            var failures: [String] = summary.failedInputs.map { "cannot read \($0.path): \($0.error)" }
            if let s = summary.inputs.first, s.events == 0 {
                failures.append("no line of the input decoded to an event (\(s.malformed) malformed, \(s.ignored) ignored); check `format`")
            }
            let findings = try store.findings(FindingQuery())
            for p in c.expect where !findings.contains(where: p.matches) {
                failures.append("expected a finding \(p) (line \(p.location.line))")
            }
            for p in c.expectAbsent {
                for f in findings where p.matches(f) {
                    failures.append("expected no finding \(p) (line \(p.location.line)), found \(describe(f))")
                }
            }
            if c.onlyExpected {
                for f in findings where !c.expect.contains(where: { $0.matches(f) }) {
                    failures.append("unexpected finding \(describe(f))")
                }
            }
            if !failures.isEmpty && !findings.isEmpty && !c.onlyExpected {
                failures.append("findings were: " + findings.map(describe).joined(separator: "; "))
            } else if !failures.isEmpty && findings.isEmpty {
                failures.append("there were no findings")
            }
            return Outcome(testCase: c, failures: failures, findings: findings)
        } catch {
            return Outcome(testCase: c, failures: ["could not run: \(error)"], findings: [])
        }
    }

    package func describe(_ f: Finding) -> String {
        "\(f.detector)/\(f.rule) \(f.subjectKind) \(f.subject) \(f.severity) ×\(f.count)"
    }
}
