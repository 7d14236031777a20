import Foundation
import Testing

@testable import VigilCore

/// Issue 17, item 1: a run with the wrong policy or year was recorded as read, so the corrected
/// run read nothing and the only way out was deleting the database, triage and all. Now the
/// settings are recorded with each input, a later run with other settings says so, and
/// `vigil reanalyze` reads every input again, keeping triage.
@Suite struct ReanalyzeTests {
    /// A database and its inputs in a directory of their own, with a copy of the shipped
    /// policy (whose GeoIP paths point at ../fixtures/geoip).
    final class Workspace {
        let dir = TempDir()
        var database: String { dir.path("v.sqlite") }
        let auth: String
        let mcp: String

        init() throws {
            try dir.copyShippedPolicy()
            try FileManager.default.createDirectory(atPath: dir.path("logs"), withIntermediateDirectories: true)
            auth = dir.path("logs/auth.log")
            mcp = dir.path("logs/mcp.jsonl")
            try FileManager.default.copyItem(atPath: packageRoot.appendingPathComponent("fixtures/sshd/auth.log").path, toPath: auth)
            try FileManager.default.copyItem(
                atPath: packageRoot.appendingPathComponent("fixtures/mcp/mcp-service-2026-11-05.jsonl").path, toPath: mcp)
        }

        @discardableResult
        func vigil(_ arguments: [String], expect status: Int32 = 0, stdin: Data? = nil) throws -> (status: Int32, out: String, err: String)
        {
            let result = try runVigil(arguments, stdin: stdin, cwd: dir.url)
            #expect(result.status == status, "\(arguments): \(result.out)\(result.err)")
            return result
        }

        /// Every finding as `id severity count first_seen last_seen triage`, sorted.
        func findings(in database: String? = nil) throws -> [String] {
            let out = try vigil(["findings", "--db", database ?? self.database, "--output", "jsonl"]).out
            return out.split(separator: "\n").map { line in
                let json = (try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]) ?? [:]
                let triage =
                    (json["triage"] as? [String: Any]).map { t in
                        t["acked_at"] != nil ? "acknowledged/\(t["ack_note"] ?? "")" : "suppressed/\(t["suppression_note"] ?? "")"
                    } ?? "-"
                return ["id", "severity", "count", "first_seen", "last_seen"].map { "\(json[$0] ?? "")" }.joined(separator: " ") + " "
                    + triage
            }.sorted()
        }

        /// A finding line with its triage left out, to compare with a run that had none.
        static func withoutTriage(_ line: String) -> String {
            line.replacingOccurrences(of: #" (acknowledged|suppressed)/.*$"#, with: " -", options: .regularExpression)
        }

        /// The same inputs analyzed once, correctly, into a new database.
        func cleanRun(_ arguments: [String]) throws -> [String] {
            let clean = dir.path("clean.sqlite")
            try? FileManager.default.removeItem(atPath: clean)
            try vigil(["analyze", "--quiet", "--db", clean] + arguments)
            return try findings(in: clean).map { Workspace.withoutTriage($0) }
        }
    }

    /// The issue's case: analyzed without the policy (the built-in defaults, no allowlists),
    /// then triaged; the corrected run with the policy read 0 lines and the P1 "login from
    /// outside the bastion allowlist" never came. Now that run says so, and `reanalyze` gives
    /// what a clean run gives, with the acknowledgement and the suppression kept.
    @Test func aRunWithTheWrongPolicyIsReanalyzedKeepingTriage() throws {
        let w = try Workspace()
        let empty = w.dir.path("empty")
        try FileManager.default.createDirectory(atPath: empty, withIntermediateDirectories: true)
        try w.vigil(
            ["analyze", "--quiet", "--db", w.database, "--year", "2026", "--policy", empty + "/none.yaml", w.auth, w.mcp], expect: 2)
        // A wrong format is refused before anything is recorded (it used to lock the file).
        try w.vigil(["analyze", "--quiet", "--db", w.database, "--format", "mcp-json", w.auth], expect: 2)
        // Without ./policies in the working directory, analyze uses the built-in defaults.
        #expect(
            try runVigil(["analyze", "--quiet", "--db", w.database, "--year", "2026", w.auth, w.mcp], cwd: URL(fileURLWithPath: empty))
                .status == 0)
        let before = try w.findings()
        #expect(!before.joined().contains("F-5bf6b0fd7e2a"), "no allowlist, no allowlist P1")
        let burst = try #require(before.first { $0.contains(" 8 2026-11-03T07:01:02") }?.split(separator: " ").first.map(String.init))
        try w.vigil(["ack", "--db", w.database, burst, "--note", "known scanner", "--by", "alice"])
        try w.vigil([
            "suppress", "--db", w.database, "--detector", "unauthorized_access", "--subject", "key_7f3a", "--until", "2099-01-01", "--note",
            "pentest",
        ])

        let continued = try w.vigil(["analyze", "--db", w.database, "--year", "2026", "--policy", "policies", w.auth])
        #expect(continued.out.contains("continued after line 41") && continued.out.contains("vigil reanalyze"), "\(continued.out)")
        #expect(continued.out.contains("they were judged with the built-in default policy"), "\(continued.out)")

        let reanalyzed = try w.vigil(["reanalyze", "--db", w.database, "--policy", "policies"])
        #expect(reanalyzed.out.contains("findings produced again (triage kept)"), "\(reanalyzed.out)")
        let after = try w.findings()
        let clean = try w.cleanRun(["--year", "2026", "--policy", "policies", w.auth, w.mcp])
        #expect(after.map { Workspace.withoutTriage($0) } == clean)
        #expect(after.contains { $0.hasPrefix("F-5bf6b0fd7e2a P1 ") }, "the P1 login from outside the bastion allowlist: \(after)")
        #expect(after.contains { $0.hasPrefix(burst) && $0.hasSuffix("acknowledged/known scanner") }, "\(after)")
        #expect(after.filter { $0.contains("suppressed/") }.count == 2, "the suppression still covers key_7f3a: \(after)")
        let history = try w.vigil(["show", "--db", w.database, burst]).out
        #expect(history.contains("ack by alice: known scanner"), "\(history)")
        // Again: the same result, nothing duplicated.
        try w.vigil(["reanalyze", "--quiet", "--db", w.database, "--policy", "policies"])
        #expect(try w.findings() == after)
    }

    /// A wrong `--year` (events a year early: not refused, they are in the past) corrected for
    /// one input; the other keeps the year it was recorded with. A finding that the correction
    /// removes comes back, acknowledgement and all, when the old settings are put back.
    @Test func aWrongYearIsCorrectedForTheInputNamed() throws {
        let w = try Workspace()
        try w.vigil(["analyze", "--quiet", "--db", w.database, "--year", "2025", "--policy", "policies", w.auth, w.mcp])
        let wrong = try w.findings()
        #expect(wrong.contains { $0.contains("2025-11-03T07:01:02") }, "\(wrong)")
        let p1 = try #require(wrong.first { $0.contains("2025-11-03T07:03:00") }?.split(separator: " ").first.map(String.init))
        try w.vigil(["ack", "--db", w.database, p1, "--note", "seen", "--by", "bob"])

        let fixed = try w.vigil(["reanalyze", "--db", w.database, "--year", "2026", "logs/auth.log"])
        #expect(fixed.out.contains("logs/auth.log: read with --format auto, --year 2026"), "\(fixed.out)")
        #expect(
            fixed.err.contains("1 acknowledged finding is no longer produced and removed: \(p1)"),
            "the acknowledged finding of the wrong year is named: \(fixed.err)")
        let clean = try w.cleanRun(["--year", "2026", "--policy", "policies", w.auth, w.mcp])
        #expect(try w.findings().map { Workspace.withoutTriage($0) } == clean)

        let removed = try w.vigil(["show", "--db", w.database, p1]).out
        #expect(removed.contains("no longer stored") && removed.contains("ack by bob: seen"), "its history can still be read: \(removed)")

        try w.vigil(["reanalyze", "--quiet", "--db", w.database, "--year", "2025", w.auth])
        #expect(
            try w.findings().contains { $0.hasPrefix(p1) && $0.hasSuffix("acknowledged/seen") }, "the history's acknowledgement is back")
    }

    /// Nothing stored is lost by a failed reanalysis: a wrong --format refused, an input gone.
    @Test func aFailedReanalysisChangesNothing() throws {
        let w = try Workspace()
        try w.vigil(["analyze", "--quiet", "--db", w.database, "--year", "2026", "--policy", "policies", w.auth, w.mcp])
        let before = try w.findings()
        let wrongFormat = try w.vigil(["reanalyze", "--db", w.database, "--format", "mcp-json"], expect: 2)
        #expect(wrongFormat.err.contains("nothing was changed") && wrongFormat.err.contains("read as sshd"), "\(wrongFormat.err)")
        #expect(try w.findings() == before)

        try FileManager.default.removeItem(atPath: w.mcp)
        let gone = try w.vigil(["reanalyze", "--db", w.database], expect: 2)
        #expect(gone.err.contains("mcp.jsonl: gone") && gone.err.contains("--allow-missing"), "\(gone.err)")
        #expect(try w.findings() == before)
        let named = try w.vigil(["reanalyze", "--db", w.database, "--allow-missing", "logs/other.log"], expect: 2)
        #expect(named.err.contains("not an input of this database"), "\(named.err)")

        // What a reanalysis killed midway leaves behind is cleared by the next one.
        try Data("scratch".utf8).write(to: URL(fileURLWithPath: w.database + ".reanalyze-99999-wal"))
        let allowed = try w.vigil(["reanalyze", "--db", w.database, "--allow-missing"])
        #expect(!FileManager.default.fileExists(atPath: w.database + ".reanalyze-99999-wal"))
        #expect(allowed.out.contains("not produced again but kept, since inputs are missing"), "\(allowed.out)")
        #expect(try w.findings() == before, "no finding is removed while inputs are missing")
    }

    /// A followed log's earlier contents are in its rotated copies: `auth.log` read, then
    /// rotated to `auth.log.1.gz` and written anew, is re-read from both without --allow-missing.
    @Test func rotatedCopiesAreFoundByContent() throws {
        let w = try Workspace()
        try w.vigil(["analyze", "--quiet", "--db", w.database, "--year", "2026", "--policy", "policies", w.auth])
        try FileManager.default.moveItem(atPath: w.auth, toPath: w.auth + ".1")
        #expect(try runProcess(URL(fileURLWithPath: "/bin/gzip"), [w.auth + ".1"]).status == 0)
        let next = (0..<6).map {
            "Nov  6 10:00:0\($0) bastion sshd[9\($0)]: Failed password for root from 198.51.100.9 port 4100\($0) ssh2"
        }
        try (next.joined(separator: "\n") + "\n").write(toFile: w.auth, atomically: true, encoding: .utf8)
        try w.vigil(["analyze", "--quiet", "--db", w.database, "--year", "2026", "--policy", "policies", w.auth])
        let before = try w.findings()

        let again = try w.vigil(["reanalyze", "--db", w.database, "--policy", "policies"])
        #expect(again.out.contains("auth.log.1.gz: read with"), "\(again.out)")
        #expect(try w.findings() == before)
        let clean = try w.cleanRun(["--year", "2026", "--policy", "policies", w.auth + ".1.gz", w.auth])
        #expect(before.map(Workspace.withoutTriage) == clean)
    }

    /// From a review as a newcomer: reanalyze judged with whatever `./policies` the working
    /// directory held (a run from elsewhere dropped every allowlist finding, an acknowledged P1
    /// among them, exit 0); a continuing run that read no line overwrote the recorded year;
    /// an acknowledged finding that became more severe stayed acknowledged.
    @Test func reanalyzeKeepsWhatWasRecorded() throws {
        let w = try Workspace()
        try w.vigil(["analyze", "--quiet", "--db", w.database, "--year", "2026", "--policy", "policies", w.auth, w.mcp])
        try w.vigil(["ack", "--db", w.database, "F-5bf6b0fd7e2a", "--note", "handled", "--by", "alice"])
        try w.vigil(["ack", "--db", w.database, "F-84ef701d8fa5", "--note", "six failures, low risk", "--by", "alice"])
        // Read 0 lines with another year: the record keeps the one its lines were read with.
        let continued = try w.vigil(["analyze", "--db", w.database, "--year", "2024", "--policy", "policies", w.auth])
        #expect(continued.out.contains("they were read with --year 2026"), "\(continued.out)")
        let before = try w.findings()
        // What reanalyze will use, seen before it runs, from any directory.
        let status = try runVigil(["status", "--db", w.database], cwd: FileManager.default.temporaryDirectory).out
        #expect(
            status.contains("logs/auth.log  [sshd]  line 41")
                && status.contains("; read with --format auto, --year 2026, policy ["), "\(status)")

        let elsewhere = try runVigil(["reanalyze", "--db", w.database], cwd: FileManager.default.temporaryDirectory)
        #expect(elsewhere.status == 0, "\(elsewhere.err)")
        #expect(elsewhere.out.contains("Policy: as the last run recorded it, \(w.dir.path("policies"))"), "\(elsewhere.out)")
        #expect(elsewhere.out.contains("logs/auth.log: read with --format auto, --year 2026"), "\(elsewhere.out)")
        #expect(try w.findings() == before, "the recorded policy and year give what they gave")

        // A policy that makes the burst P1: the acknowledgement of the P2 no longer stands.
        let burst = w.dir.path("policies/detectors.yaml")
        var text = try String(contentsOfFile: burst, encoding: .utf8)
        let p2 = "threshold: 5\n    window: 5m\n    severity: P2"
        #expect(text.contains(p2), "the shipped policy sets the burst detector's severity")
        text = text.replacingOccurrences(of: p2, with: "threshold: 5\n    window: 5m\n    severity: P1")
        try text.write(toFile: burst, atomically: true, encoding: .utf8)
        let harsher = try w.vigil(["reanalyze", "--db", w.database, "--policy", "policies"])
        #expect(harsher.err.contains("more severe now and open again: F-84ef701d8fa5"), "\(harsher.out)\(harsher.err)")
        #expect(try w.findings().contains { $0.hasPrefix("F-84ef701d8fa5 P1 ") && $0.hasSuffix(" -") }, "open again")
        #expect(try w.findings().contains { $0.hasPrefix("F-5bf6b0fd7e2a P1 ") && $0.hasSuffix("acknowledged/handled") })
    }

    /// Inputs that cannot be read as they were are gone, not quietly read short: standard
    /// input, a file cut short since; and a rotated or moved copy can be named by content.
    @Test func whatCannotBeReadAgainIsGone() throws {
        let w = try Workspace()
        let auth = try Data(contentsOf: URL(fileURLWithPath: w.auth))
        try w.vigil(["analyze", "--quiet", "--db", w.database, "--year", "2026", "--policy", "policies", "-", w.mcp], stdin: auth)
        let stdin = try w.vigil(["reanalyze", "--db", w.database], expect: 2)
        #expect(stdin.err.contains("<stdin>: gone (standard input was analyzed"), "\(stdin.err)")

        let cut = w.dir.path("cut.sqlite")
        try w.vigil(["analyze", "--quiet", "--db", cut, "--year", "2026", "--policy", "policies", w.auth])
        let moved = w.dir.path("archive-auth.log")
        try FileManager.default.moveItem(atPath: w.auth, toPath: moved)
        try auth.prefix(1500).write(to: URL(fileURLWithPath: w.auth))
        let short = try w.vigil(["reanalyze", "--db", cut], expect: 2)
        #expect(short.err.contains("fewer than the 4301 analyzed from it"), "\(short.err)")
        let named = try w.vigil(["reanalyze", "--db", cut, moved])
        #expect(named.out.contains("archive-auth.log: read with --format auto, --year 2026"), "found by content: \(named.out)")
    }

    /// A file name is data an attacker may choose: a gone input named with an ANSI escape is
    /// printed escaped, on stderr too.
    @Test func goneInputsAreNamedEscaped() throws {
        let w = try Workspace()
        let hostile = w.dir.path("evil\u{1B}[31mred.log")
        try FileManager.default.copyItem(atPath: w.auth, toPath: hostile)
        try w.vigil(["analyze", "--quiet", "--db", w.database, "--year", "2026", hostile])
        try FileManager.default.removeItem(atPath: hostile)
        let gone = try w.vigil(["reanalyze", "--db", w.database], expect: 2)
        #expect(!gone.err.contains("\u{1B}") && gone.err.contains("evil\\x1b[31mred.log: gone"), "\(gone.err)")
    }
}
