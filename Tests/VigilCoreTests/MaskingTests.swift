import Foundation
import Testing

@testable import VigilCore

/// Issue 17, masking: `report --mask` pseudonyms are HMAC-SHA-256 under a secret, not FNV of a
/// salt; without a secret a one-off key and a loud warning.
@Suite struct MaskingTests {
    /// Two users whose names differ by one character, failing then logging in from one
    /// address (a P2 burst naming both and a P1 naming one), and a login from another address.
    static func analyzedTwins(_ dir: TempDir) throws -> String {
        var lines = (0..<8).map { index in
            "Nov  3 07:01:0\(index) bastion sshd[\(600 + index)]: Failed password for \(index % 2 == 0 ? "zelda_ops" : "zeldb_ops") from 203.0.113.70 port \(42000 + index) ssh2"
        }
        lines.append("Nov  3 07:01:09 bastion sshd[700]: Accepted password for zelda_ops from 203.0.113.70 port 42100 ssh2")
        try (lines.joined(separator: "\n") + "\n").write(toFile: dir.path("auth.log"), atomically: true, encoding: .utf8)
        let database = dir.path("v.sqlite")
        let analyzed = try runVigil(["analyze", "--quiet", "--db", database, "--year", "2026", dir.path("auth.log")])
        #expect(analyzed.status == 0, "\(analyzed.err)")
        return database
    }

    /// Runs `vigil` with extra environment variables (the secret's variable).
    static func runWithEnvironment(_ arguments: [String], _ extra: [String: String]) throws -> (status: Int32, out: String, err: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: TailProcessTests.binary)
        process.arguments = arguments
        var environment = ProcessInfo.processInfo.environment
        for name in ["VIGIL_MASK_SECRET", "VIGIL_MASK_SALT"] { environment[name] = nil }
        environment.merge(extra) { _, new in new }
        process.environment = environment
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        let errData = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: outData, as: UTF8.self), String(decoding: errData, as: UTF8.self))
    }

    static func pseudonyms(_ text: String) -> Set<String> {
        let regex = try! Regex("user-[0-9a-f]{12}")
        return Set(text.matches(of: regex).map { String(text[$0.range]) })
    }

    @Test func pseudonymsAreKeyedHMACsOfTheWholeName() throws {
        let dir = TempDir()
        let database = try Self.analyzedTwins(dir)
        try "first-secret-of-32-bytes-or-so\n".write(toFile: dir.path("one.key"), atomically: true, encoding: .utf8)
        try "second-secret-of-32-bytes-or-so".write(toFile: dir.path("two.key"), atomically: true, encoding: .utf8)
        func report(_ key: String, _ format: String = "md") throws -> String {
            let result = try Self.runWithEnvironment(
                ["report", "--db", database, "--week", "2026-W45", "--format", format, "--mask", "--mask-secret-file", dir.path(key)], [:])
            #expect(result.status == 0 && !result.err.contains("WARNING"), "\(result.err)")
            return result.out
        }
        let first = try report("one.key"), again = try report("one.key"), other = try report("two.key")
        #expect(Self.pseudonyms(first).count == 2, "one pseudonym per user: \(first)")
        #expect(Self.pseudonyms(first) == Self.pseudonyms(again), "same secret, same pseudonyms across runs")
        #expect(Self.pseudonyms(first).isDisjoint(with: Self.pseudonyms(other)), "another secret, other pseudonyms")
        // HMAC-SHA-256 of the whole name under the file's secret, its line break dropped.
        let key = Pseudonymizer(secret: Array("first-secret-of-32-bytes-or-so".utf8), source: .oneOff)
        let alice = key.pseudonym("zelda_ops"), twin = key.pseudonym("zeldb_ops")
        #expect(Self.pseudonyms(first) == [alice, twin])
        // One character apart, unrelated pseudonyms (FNV gave near-identical ones).
        let sameDigits = zip(alice.dropFirst(5), twin.dropFirst(5)).filter { $0 == $1 }.count
        #expect(sameDigits <= 4 && !alice.dropFirst(5).hasPrefix(twin.dropFirst(5).prefix(3)), "\(alice) \(twin)")
        // The environment variable is the same key as the file.
        let fromEnvironment = try Self.runWithEnvironment(
            ["report", "--db", database, "--week", "2026-W45", "--format", "md", "--mask"],
            ["VIGIL_MASK_SECRET": "first-secret-of-32-bytes-or-so"])
        #expect(Self.pseudonyms(fromEnvironment.out) == [alice, twin] && !fromEnvironment.err.contains("WARNING"))
        let deprecated = try Self.runWithEnvironment(
            ["report", "--db", database, "--week", "2026-W45", "--format", "md", "--mask"], ["VIGIL_MASK_SALT": "short"])
        #expect(Self.pseudonyms(deprecated.out).count == 2)
        #expect(deprecated.err.contains("VIGIL_MASK_SALT is deprecated") && deprecated.err.contains("5 bytes"), "\(deprecated.err)")
    }

    @Test func withoutASecretAWarningAndAOneOffKey() throws {
        let dir = TempDir()
        let database = try Self.analyzedTwins(dir)
        let arguments = ["report", "--db", database, "--week", "2026-W45", "--format", "md", "--mask"]
        let first = try Self.runWithEnvironment(arguments, [:]), second = try Self.runWithEnvironment(arguments, [:])
        #expect(first.status == 0)
        #expect(first.err.contains("WARNING: --mask without a secret") && first.err.contains("will NOT match"), "\(first.err)")
        #expect(first.out.contains("one-off key: they do not match other reports"), "the header says so")
        #expect(Self.pseudonyms(first.out).count == 2 && Self.pseudonyms(first.out).isDisjoint(with: Self.pseudonyms(second.out)))
        let json = try Self.runWithEnvironment(
            ["report", "--db", database, "--week", "2026-W45", "--format", "json", "--mask"], [:])
        #expect(json.out.contains(#""pseudonym_key" : "one-off""#), "\(json.out.prefix(400))")
        let missing = try Self.runWithEnvironment(arguments + ["--mask-secret-file", dir.path("absent.key")], [:])
        #expect(missing.status == 2 && missing.err.contains("absent.key"), "\(missing.err)")
    }

    /// No user name or client address of the analyzed logs is left in a masked report, in
    /// JSON or HTML (whole values: the names are masked where they stand alone).
    @Test func maskedReportsHoldNoRawNamesOrAddresses() throws {
        let fixtures = TempDir(), dir = TempDir()
        let database = try ReportTests.analyzed(fixtures)
        let twins = try Self.analyzedTwins(dir)
        for (db, names, addresses) in [
            (database, ["oracle", "u_17f0", "u_81a2", "deploy", "test0", "test4"], ["203.0.113.7", "198.51.100.66", "2001:db8::66"]),
            (twins, ["zelda_ops", "zeldb_ops"], ["203.0.113.70"]),
        ] {
            for format in ["json", "html"] {
                let plain = try Self.runWithEnvironment(["report", "--db", db, "--week", "2026-W45", "--format", format], [:]).out
                let masked = try Self.runWithEnvironment(
                    ["report", "--db", db, "--week", "2026-W45", "--format", format, "--mask"],
                    ["VIGIL_MASK_SECRET": "a-long-enough-secret-value"]
                ).out
                let shown = names.filter { plain.contains($0) }
                #expect(!shown.isEmpty, "the unmasked \(format) report names users")
                for name in shown { #expect(!masked.contains(name), "\(format) shows user \(name)") }
                for address in addresses where plain.contains(address) {
                    for end in [" ", "<", "\"", ")", ","] { #expect(!masked.contains(address + end), "\(format) shows \(address)") }
                }
                #expect(!Self.pseudonyms(masked).isEmpty || db == database, "\(format): pseudonyms stand in for the names")
            }
        }
    }
}
