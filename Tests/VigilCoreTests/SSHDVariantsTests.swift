import Foundation
import Testing

@testable import VigilCore

/// The corpus of sshd variants (`fixtures/sshd-variants/variants.log`: OpenSSH 3.x–10.x on
/// Linux, FreeBSD, macOS and Solaris, PAM, tcp-wrappers, pre-authentication noise), each
/// connection with its expected verdict in `variants.verdicts.jsonl`, the way the golden
/// findings are kept: `vigil decode`'s events are summed per connection (its pid) and must give
/// exactly the verdicts written there.
@Suite struct SSHDVariantsTests {
    static let log = "fixtures/sshd-variants/variants.log"

    /// One connection's verdict: who it was, what it counted, and what it was.
    struct Verdict: Equatable, CustomStringConvertible {
        var connection: String
        var clients: [String] = []
        var attempts = 0
        var refused = 0
        var success = false
        var failuresBefore = 0
        var noise: [String] = []

        init(connection: String) { self.connection = connection }

        init(json: [String: Any]) {
            connection = json["connection"] as? String ?? ""
            clients = json["clients"] as? [String] ?? []
            attempts = json["attempts"] as? Int ?? -1
            refused = json["refused"] as? Int ?? -1
            success = json["success"] as? Bool ?? false
            failuresBefore = json["failures_before"] as? Int ?? -1
            noise = json["noise"] as? [String] ?? []
        }

        var description: String {
            "\(connection): clients \(clients) attempts \(attempts) refused \(refused) success \(success) failures_before \(failuresBefore) noise \(noise)"
        }
    }

    /// The verdicts `vigil decode` gives, per connection in order of first appearance. A quiet
    /// connection's held failures come out on a later line of another connection: they are
    /// its client's connection's.
    static func decodedVerdicts() throws -> [Verdict] {
        let text = try String(contentsOf: packageRoot.appendingPathComponent(log), encoding: .utf8)
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let out = try runVigil(["decode", "--format", "sshd", "--year", "2026", log])
        #expect(out.status == 0, "\(out.err)")
        var order: [String] = []
        var verdicts: [String: Verdict] = [:]
        var connectionOfClient: [String: String] = [:]
        for row in out.out.split(separator: "\n") {
            let event = try #require(try JSONSerialization.jsonObject(with: Data(row.utf8)) as? [String: Any])
            #expect(event["malformed"] == nil, "\(row)")
            let number = try #require(event["line"] as? Int)
            let client = event["client_ip"] as? String
            let operation = event["operation"] as? String ?? ""
            var key = connectionKey(lines[number - 1], number: number)
            if operation == SSHDCategory.unfinishedConnection, let client, let owner = connectionOfClient[client] { key = owner }
            if verdicts[key] == nil {
                order.append(key)
                verdicts[key] = Verdict(connection: key)
            }
            var verdict = verdicts[key]!
            let attempts = event["attempts"] as? Int ?? 0
            switch event["outcome"] as? String {
            case "auth_failure": verdict.attempts += attempts
            case "forbidden": verdict.refused += attempts
            case "success":
                verdict.success = true
                verdict.failuresBefore = max(verdict.failuresBefore, event["failures_before"] as? Int ?? 0)
            default: break
            }
            if let client, !verdict.clients.contains(client) {
                verdict.clients = (verdict.clients + [client]).sorted()
                connectionOfClient[client] = key
            }
            if attempts == 0, SSHDCategory.preauthNoise.contains(operation), !verdict.noise.contains(operation) {
                verdict.noise = (verdict.noise + [operation]).sorted()
            }
            verdicts[key] = verdict
        }
        return order.map { verdicts[$0]! }
    }

    /// The pid in `sshd[123]:`, else the line itself (`[sshd]:` has none).
    static func connectionKey(_ line: String, number: Int) -> String {
        guard let close = line.range(of: "]:"), let open = line[..<close.lowerBound].lastIndex(of: "[") else { return "line \(number)" }
        let pid = line[line.index(after: open)..<close.lowerBound]
        return pid.allSatisfy(\.isNumber) && !pid.isEmpty ? String(pid) : "line \(number)"
    }

    @Test func everyConnectionGetsItsVerdict() throws {
        let golden = try String(
            contentsOf: packageRoot.appendingPathComponent("fixtures/sshd-variants/variants.verdicts.jsonl"), encoding: .utf8)
        let expected = try golden.split(separator: "\n").map { row in
            Verdict(json: try #require(try JSONSerialization.jsonObject(with: Data(row.utf8)) as? [String: Any]))
        }
        let decoded = try Self.decodedVerdicts()
        #expect(decoded.count == expected.count, "\(decoded.count) connections decoded, \(expected.count) expected")
        for (got, want) in zip(decoded, expected) {
            #expect(got == want, "got \(got)\nwant \(want)")
        }
    }
}
