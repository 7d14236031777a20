import Foundation
import Testing

@testable import VigilCore

/// Issue 18, item 4: secrets that logs carry by accident — tokens in query strings and
/// fragments, URL credentials, `;jsessionid=` path parameters, a password typed as the sshd
/// user name — never reach the database, the findings or the report.
@Suite struct SecretRedactionTests {
    func resource(_ uri: String) -> String {
        let symbols = SymbolTable()
        var scratch: [UInt8] = []
        var bytes = Array(uri.utf8)
        let symbol = bytes.withUnsafeMutableBytes {
            SecretRedaction.resource(UnsafeRawBufferPointer($0), symbols: symbols, scratch: &scratch)
        }
        return symbols.string(symbol) ?? ""
    }

    func loginName(_ name: String) -> String {
        let symbols = SymbolTable()
        var bytes = Array(name.utf8)
        return symbols.string(bytes.withUnsafeMutableBytes { SecretRedaction.loginName(UnsafeRawBufferPointer($0), symbols: symbols) })
            ?? ""
    }

    @Test func resourcesLoseQueriesFragmentsParametersAndCredentials() {
        #expect(resource("/files/report.pdf") == "/files/report.pdf")
        #expect(resource("file:///data/q3.csv?api_key=sk_live_123") == "file:///data/q3.csv")
        #expect(resource("/callback#access_token=ya29.abc") == "/callback")
        #expect(resource("http://admin:hunter2@intranet.example/admin?x=1") == "http://intranet.example/admin")
        #expect(resource("https://user@host.example:8443/a;jsessionid=ABC123/b;v=1") == "https://host.example:8443/a/b")
        #expect(resource("/shop/cart;jsessionid=0AAB6C8DE415") == "/shop/cart")
        #expect(resource("mailto:someone@example.com") == "mailto:someone@example.com", "no authority: an @ in a path is kept")
    }

    @Test func userNamesThatLookLikePasswordsAreRedacted() {
        for kept in ["root", "oracle", "Admin", "user01", "svc-backup", "jane.doe@example.com", "ubuntu", "test$", "0"] {
            #expect(loginName(kept) == kept)
        }
        for secret in ["Summer2024!", "P4ssw0rd", "hunter2 ", "correct horse", "x' OR 1=1", String(repeating: "a", count: 65)] {
            let stored = loginName(secret)
            #expect(stored.hasPrefix("[redacted:") && stored.count == 17, "\(secret) → \(stored)")
        }
        #expect(loginName("Summer2024!") == loginName("Summer2024!"), "the same string, the same marker")
        #expect(loginName("Summer2024!") != loginName("Summer2025!"))
    }

    /// Through the CLI: every byte Vigil wrote (database, WAL, findings, report) is searched for
    /// the secrets. Before, each of them was stored (the sshd user in the findings' user list,
    /// the resource URI in the evidence's targets).
    @Test func noSecretReachesTheDatabaseOrTheOutputs() throws {
        let dir = TempDir()
        let sshd = (0..<6).map { index in
            "Nov  5 09:0\(index):00 bastion sshd[\(200 + index)]: Failed password for invalid user Summer2024!Secret from 203.0.113.50 port \(40000 + index) ssh2"
        }
        let mcp = (0..<3).map { index in
            #"{"timestamp": "2026-11-05T09:1\#(index):00.000Z", "operation": "read_resource", "server_name": "mcp-files", "client_ip": "198.51.100.41", "status_code": 403, "resource_uri": "file:///exports/q3.csv?api_key=sk_live_SECRETKEY#access_token=TOKENSECRET", "api_key_id": "key_9a"}"#
        }
        let combined = (0..<8).map { index in
            #"198.51.100.42 - - [05/Nov/2026:09:2\#(index):00 +0000] "GET http://ops:PASSWORDSECRET@intranet.example/admin;jsessionid=SESSIONSECRET HTTP/1.1" 401 12 "-" "curl/8""#
        }
        try (sshd.joined(separator: "\n") + "\n").write(toFile: dir.path("auth.log"), atomically: true, encoding: .utf8)
        try (mcp.joined(separator: "\n") + "\n").write(toFile: dir.path("mcp.jsonl"), atomically: true, encoding: .utf8)
        try (combined.joined(separator: "\n") + "\n").write(toFile: dir.path("access.log"), atomically: true, encoding: .utf8)
        let database = dir.path("v.sqlite")
        let run = try runVigil([
            "analyze", "--db", database, "--year", "2026", "--policy", "Benchmarks/policies/defaults",
            dir.path("auth.log"), dir.path("mcp.jsonl"), dir.path("access.log"),
        ])
        #expect(run.status == 0, "\(run.err)")
        let findings = try runVigil(["findings", "--db", database, "--output", "jsonl"]).out
        #expect(findings.contains("auth_failure_burst") && findings.contains("unauthorized_access"), "\(findings)")
        #expect(findings.contains("file:///exports/q3.csv") && findings.contains("[redacted:"), "what is kept still shows")
        let report = try runVigil(["report", "--db", database, "--week", "2026-W45", "--format", "md"]).out
        var written = Data(findings.utf8) + Data(report.utf8) + Data(run.out.utf8)
        for file in [database, database + "-wal"] {
            if let bytes = FileManager.default.contents(atPath: file) { written += bytes }
        }
        for secret in ["Summer2024", "SECRETKEY", "TOKENSECRET", "PASSWORDSECRET", "SESSIONSECRET", "api_key="] {
            #expect(written.range(of: Data(secret.utf8)) == nil, "\(secret) was written")
        }
    }
}
