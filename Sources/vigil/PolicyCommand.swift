import ArgumentParser
import Foundation
import VigilCore

/// `vigil policy lint|test`: checks a policy directory before it ships.
struct PolicyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "policy",
        abstract: "Check policies in CI: lint them and run the tests kept beside them.",
        subcommands: [PolicyLintCommand.self, PolicyTestCommand.self]
    )
}

extension PolicyLintOutput.Format: ExpressibleByArgument {}

struct PolicyLintCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lint",
        abstract: "Check a policy: YAML, schema, CIDRs, countries, expiry, owners, GeoIP databases, thresholds.",
        discussion: """
            Exit status: 0 no errors (warnings allowed unless --strict), 1 errors (or warnings with \
            --strict), 2 usage errors.
            """
    )

    @Argument(help: "Policy directory or file. Default: ./policies.")
    var directory = "policies"

    @Option(name: .long, help: "text (file:line:column: message), json, sarif (SARIF 2.1.0 for code scanning) or junit.")
    var output: PolicyLintOutput.Format = .text

    @Flag(name: .long, help: "Fail on warnings too.")
    var strict = false

    @Option(name: .long, help: "Check expiry and database age as of this date (YYYY-MM-DD) instead of today.")
    var asOf: String?

    func run() throws {
        var now = Int64(Date().timeIntervalSince1970 * 1000)
        if let asOf {
            guard let t = EventTime.parseUserTime(asOf, now: now) else { throw ValidationError("--as-of takes a date such as 2026-12-01") }
            now = t
        }
        let loaded = PolicyLoader.load(directory, now: now)
        print(PolicyLintOutput.render(loaded.diagnostics, files: loaded.policy.files, format: output, strict: strict), terminator: "")
        if loaded.hasErrors || (strict && !loaded.warnings.isEmpty) { throw ExitCode(1) }
    }
}

struct PolicyTestCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "test",
        abstract: "Run the policy's test cases (DIR/tests/*.yaml): log lines in, expected findings out.",
        discussion: "Exit status: 0 all passed, 1 a case failed or the policy has errors, 2 usage errors."
    )

    @Argument(help: "Policy directory. Default: ./policies.")
    var directory = "policies"

    @Flag(name: .long, help: "Print the findings of passing cases too.")
    var verbose = false

    func run() throws {
        let loaded = PolicyLoader.load(directory)
        if loaded.hasErrors {
            for d in loaded.errors { printError(TerminalText.escape(d.text)) }
            printError("the policy has errors; fix them (`vigil policy lint \(directory)`) before testing it")
            throw ExitCode(1)
        }
        let files = PolicyTestLoader.testFiles(policyPath: directory)
        if files.isEmpty {
            printError("no test files in \(directory)/tests/*.yaml; see the README's `vigil policy test` section")
            throw ExitCode(1)
        }
        let runner = PolicyTestRunner(policy: loaded.policy, enricher: loaded.enricher)
        var passed = 0, failed = 0
        for file in files {
            let (cases, diagnostics) = PolicyTestLoader.load(file: file)
            for d in diagnostics where d.level == .error {
                print("FAIL \(TerminalText.escape(d.text))")
                failed += 1
            }
            for c in cases {
                let r = runner.run(c)
                let name = TerminalText.escape("\(c.location.file):\(c.location.line): \(c.name)")
                if r.passed {
                    passed += 1
                    print("PASS \(name)")
                    if verbose { for f in r.findings { print("       \(TerminalText.escape(runner.describe(f)))") } }
                } else {
                    failed += 1
                    print("FAIL \(name)")
                    for m in r.failures { print("       \(TerminalText.escape(m))") }
                }
            }
        }
        print("\(passed) passed, \(failed) failed")
        if failed > 0 { throw ExitCode(1) }
    }
}
