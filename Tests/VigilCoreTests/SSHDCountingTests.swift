import Foundation
import Testing

@testable import VigilCore

/// The counting rules that follow how sshd works, end to end through `vigil analyze`: what
/// a security team sees in findings, not only what the decoder counts.
@Suite struct SSHDCountingTests {
    /// Analyzes `lines` (as one auth.log, or split in two runs at `splitAt`) and returns the
    /// findings as (rule, subject, count, severity).
    static func findings(_ lines: [String], policy: String? = nil, splitAt: Int? = nil) throws -> [String] {
        let t = TempDir()
        let log = t.path("auth.log")
        let database = t.path("db.sqlite")
        var policyArguments: [String] = []
        if let policy {
            try policy.write(toFile: t.path("policy.yaml"), atomically: true, encoding: .utf8)
            policyArguments = ["--policy", t.path("policy.yaml")]
        }
        let parts = splitAt.map { [Array(lines[..<$0]), Array(lines[$0...])] } ?? [lines]
        var written: [String] = []
        for part in parts {
            written += part
            try (written.joined(separator: "\n") + "\n").write(toFile: log, atomically: false, encoding: .utf8)
            // Run where there is no ./policies: the built-in defaults, unless `policy` is given.
            let run = try runVigil(["analyze", "--quiet", "--db", database, "--year", "2026"] + policyArguments + [log], cwd: t.url)
            #expect(run.status <= 1, "\(run.err)")
        }
        let out = try runVigil(["findings", "--db", database, "--output", "jsonl"]).out
        return try out.split(separator: "\n").map { row in
            let finding = try #require(try JSONSerialization.jsonObject(with: Data(row.utf8)) as? [String: Any])
            return "\(finding["rule"]!) \(finding["subject"]!) \(finding["count"]!) \(finding["severity"]!)"
        }.sorted()
    }

    /// A developer whose agent offers three keys before the right one, logging in twice in five
    /// minutes: six "Failed publickey" lines, no attack (before, a P2 burst and a P1).
    static let agentWithManyKeys = (0..<2).flatMap { connection in
        (0..<3).map { key in
            "Nov  3 09:0\(connection):0\(key) bastion sshd[30\(connection)]: Failed publickey for dev from 192.0.2.30 port 4000\(connection) ssh2: RSA SHA256:key\(key)"
        } + [
            "Nov  3 09:0\(connection):05 bastion sshd[30\(connection)]: Accepted publickey for dev from 192.0.2.30 port 4000\(connection) ssh2: ED25519 SHA256:ok"
        ]
    }

    @Test func failuresForgottenBySuccessAreNoAttack() throws {
        #expect(try Self.findings(Self.agentWithManyKeys) == [])
        // The same keys, refused at the end of each connection: they count (7 > 5).
        let refused = Self.agentWithManyKeys.enumerated().map { index, line in
            index % 4 == 3
                ? "Nov  3 09:0\(index / 4):05 bastion sshd[30\(index / 4)]: Connection closed by authenticating user dev 192.0.2.30 port 4000\(index / 4) [preauth]"
                : line
        }
        #expect(try Self.findings(refused) == ["auth_failure_burst 192.0.2.30 6 P2"])
    }

    @Test func aSuccessForAnotherUserDoesNotLaunderFailures() throws {
        let lines = [
            "Nov  3 09:00:00 bastion sshd[400]: pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh ruser=root rhost=203.0.113.40",
            "Nov  3 09:00:02 bastion sshd[400]: pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh ruser=oracle rhost=203.0.113.40",
            "Nov  3 09:00:04 bastion sshd[400]: Accepted password for backup from 203.0.113.40 port 5000 ssh2",
        ]
        #expect(try Self.findings(lines) == ["success_after_failures 203.0.113.40 1 P1"])
        // The same user failing then succeeding (a typo) is not that.
        let typo = [
            "Nov  3 09:00:00 bastion sshd[401]: Failed password for alice from 203.0.113.41 port 5001 ssh2",
            "Nov  3 09:00:04 bastion sshd[401]: Accepted password for alice from 203.0.113.41 port 5001 ssh2",
        ]
        #expect(try Self.findings(typo) == [])
    }

    /// Four connections cut off at MaxAuthTries from one address within seconds.
    static let cutOff = (0..<4).map { index in
        "Nov  3 09:00:0\(index) bastion sshd[50\(index)]: Disconnecting: Too many authentication failures for root [preauth]"
    }

    @Test func maxAuthTriesIsAPolicySetting() throws {
        // sshd logs no address on this line: the connection's earlier line gives it.
        let lines = Self.cutOff.enumerated().flatMap { index, line in
            ["Nov  3 09:00:0\(index) bastion sshd[50\(index)]: Connection from 203.0.113.50 port 600\(index) on 192.0.2.1 port 22", line]
        }
        #expect(try Self.findings(lines) == ["auth_failure_burst 203.0.113.50 24 P2"])
        let policy = "version: 1\ndetectors:\n  auth_failure_burst:\n    max_auth_tries: 1\n"
        #expect(try Self.findings(lines, policy: policy) == [])
    }

    @Test func countsAreTheSameInOneRunOrTwo() throws {
        // Held failures and a success releasing another user's failures, split at every line.
        let lines =
            Self.agentWithManyKeys + [
                "Nov  3 09:10:00 bastion sshd[400]: pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh ruser=root rhost=203.0.113.40",
                "Nov  3 09:10:01 bastion sshd[401]: Failed publickey for web from 203.0.113.40 port 5001 ssh2: RSA SHA256:x",
                "Nov  3 09:10:02 bastion sshd[400]: Accepted password for backup from 203.0.113.40 port 5000 ssh2",
                "Nov  3 09:30:00 bastion sshd[402]: Failed password for root from 203.0.113.40 port 5002 ssh2",
            ]
        let whole = try Self.findings(lines)
        #expect(whole.contains("success_after_failures 203.0.113.40 1 P1"), "\(whole)")
        for split in 1..<lines.count {
            #expect(try Self.findings(lines, splitAt: split) == whole, "split at line \(split)")
        }
    }

    @Test func aRefusalNamingNoClientIsTheConnectionsNotTheServers() throws {
        // `account is locked` names no client; on an allowlisted server it used to be judged as
        // a line without a client (the fail-closed rule for gateways that leave the client
        // out): a finding about the server itself. It is the connection's attempt, whose end
        // line names the client: the refusal is reported then, with it, and is the
        // connection's one logged attempt (the end adds none).
        let policy = """
            version: 1
            allowlists:
              - name: bastion-ssh
                servers: ["bastion"]
                cidrs: ["192.0.2.0/24"]
            """
        let lines = [
            "Nov  3 09:00:00 bastion sshd[600]: User root not allowed because account is locked",
            "Nov  3 09:00:00 bastion sshd[600]: Received disconnect from 203.0.113.60 port 7000:11: Bye Bye [preauth]",
        ]
        #expect(
            try Self.findings(lines, policy: policy) == [
                "outside_allowlist 203.0.113.60 1 P2", "unauthorized_access 203.0.113.60 1 P2",
            ])
    }

    @Test func decodeCountsWithThePolicysMaxAuthTries() throws {
        let t = TempDir()
        let log = t.path("auth.log")
        try
            "Nov  3 09:00:00 bastion sshd[700]: error: maximum authentication attempts exceeded for root from 203.0.113.70 port 1 ssh2 [preauth]\n"
            .write(toFile: log, atomically: false, encoding: .utf8)
        try "version: 1\ndetectors:\n  auth_failure_burst:\n    max_auth_tries: 10\n".write(
            toFile: t.path("policy.yaml"), atomically: true, encoding: .utf8)
        let withPolicy = try runVigil(["decode", "--year", "2026", "--policy", t.path("policy.yaml"), log], cwd: t.url)
        #expect(withPolicy.out.contains(#""attempts":10"#), "\(withPolicy.out)\(withPolicy.err)")
        let defaults = try runVigil(["decode", "--year", "2026", log], cwd: t.url)
        #expect(defaults.out.contains(#""attempts":6"#), "\(defaults.out)")
    }

    /// Counts come from the log (`message repeated N times`): a crafted file at UInt32's edge,
    /// added to what a connection already counted or held, must not overflow into a crash.
    @Test func countsAtTheEdgeDoNotCrash() throws {
        let most = "message repeated 4294967295 times: [ "
        let lines = [
            "Nov  3 09:00:00 h sshd[1]: Disconnecting: Too many authentication failures for root [preauth]",
            "Nov  3 09:00:00 h sshd[1]: \(most)Failed password for root from 203.0.113.1 port 1 ssh2]",
            "Nov  3 09:00:01 h sshd[1]: \(most)Failed password for root from 203.0.113.1 port 1 ssh2]",
            "Nov  3 09:00:02 h sshd[2]: \(most)Failed publickey for git from 203.0.113.2 port 1 ssh2: RSA x]",
            "Nov  3 09:00:02 h sshd[2]: \(most)Failed publickey for git from 203.0.113.2 port 1 ssh2: RSA x]",
            "Nov  3 09:00:03 h sshd[2]: error: maximum authentication attempts exceeded for git from 203.0.113.2 port 1 ssh2 [preauth]",
        ]
        let findings = try Self.findings(lines)
        #expect(findings.contains { $0.hasPrefix("auth_failure_burst 203.0.113.2 ") }, "\(findings)")
    }
}
