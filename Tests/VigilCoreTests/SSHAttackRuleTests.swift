import Foundation
import Testing

@testable import VigilCore

/// Issue 13, "attacks the seed's burst rule misses": slow brute force, user enumeration,
/// distributed brute force, pre-authentication scanning, and IPv6 clients counted per /64.
@Suite struct SSHAttackRuleTests {
    /// Syslog lines from `sshd` on host `bastion`, each its own connection (own pid), at
    /// `seconds` after 2026-11-03 08:00:00.
    struct Log {
        var lines: [String] = []
        var pid = 1000

        mutating func add(_ seconds: Int, _ message: String) {
            let total = 8 * 3600 + seconds
            let stamp = String(format: "Nov %2d %02d:%02d:%02d", 3 + total / 86400, total / 3600 % 24, total / 60 % 60, total % 60)
            pid += 1
            lines.append("\(stamp) bastion sshd[\(pid)]: \(message)")
        }

        mutating func failed(_ seconds: Int, user: String, from address: String) {
            add(seconds, "Failed password for \(user) from \(address) port \(40000 + pid % 20000) ssh2")
        }

        mutating func noIdentification(_ seconds: Int, from address: String) {
            add(seconds, "Did not receive identification string from \(address)")
        }

        var text: String { lines.joined(separator: "\n") + "\n" }
    }

    /// Analyzes `log` with the default policy (plus `policy`, a YAML text, when given) and
    /// returns the findings as JSON objects.
    static func findings(_ log: Log, policy: String? = nil) throws -> [[String: Any]] {
        let dir = TempDir()
        try log.text.write(toFile: dir.path("auth.log"), atomically: true, encoding: .utf8)
        var args = ["analyze", "--quiet", "--year", "2026", "--db", dir.path("v.sqlite")]
        if let policy {
            try FileManager.default.createDirectory(atPath: dir.path("policy"), withIntermediateDirectories: true)
            try policy.write(toFile: dir.path("policy/policy.yaml"), atomically: true, encoding: .utf8)
            args += ["--policy", dir.path("policy")]
        }
        let run = try runVigil(args + [dir.path("auth.log")], cwd: dir.url)
        #expect(run.status == 0, "\(run.err)")
        return try Self.stored(dir.path("v.sqlite"))
    }

    static func stored(_ database: String) throws -> [[String: Any]] {
        let out = try runVigil(["findings", "--db", database, "--output", "jsonl"]).out
        return out.split(separator: "\n").map { try! JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any] }
    }

    static func of(_ detector: String, _ findings: [[String: Any]]) -> [[String: Any]] {
        findings.filter { $0["detector"] as? String == detector }
    }

    // MARK: slow brute force

    @Test func aSteadySlowPaceIsASlowBruteForce() throws {
        var log = Log()
        // One try every 15 minutes: never a burst.
        for i in 0..<5 { log.failed(i * 900, user: "root", from: "203.0.113.5") }
        let all = try Self.findings(log)
        let slow = Self.of("slow_brute_force", all)
        #expect(slow.count == 1, "\(all)")
        #expect(slow.first?["subject"] as? String == "203.0.113.5")
        #expect(slow.first?["severity"] as? String == "P3")
        #expect(slow.first?["count"] as? Int == 5, "the 4 that made it, then one more growing it")
        #expect(Self.of("auth_failure_burst", all).isEmpty)
    }

    @Test func tenFailuresInAnHourBelowTheBurstRateAreASlowBruteForce() throws {
        var log = Log()
        // One try every 150 seconds: never more than 5 in 5 minutes, a median under 5 minutes.
        for i in 0..<10 { log.failed(i * 150, user: "admin", from: "198.51.100.9") }
        let all = try Self.findings(log)
        let slow = Self.of("slow_brute_force", all)
        #expect(slow.count == 1 && slow.first?["subject"] as? String == "198.51.100.9", "\(all)")
        let attributes = (slow.first?["evidence"] as? [String: Any])?["attributes"] as? [String: String]
        #expect(attributes?["pace"] == "10 failures within 1h", "\(attributes ?? [:])")
        #expect(Self.of("auth_failure_burst", all).isEmpty)
    }

    @Test func aUserMistypingOverAnEveningIsNotASlowBruteForce() throws {
        var log = Log()
        // Three typos over an evening; another user mistypes four times within two minutes.
        for seconds in [0, 4000, 9000] { log.failed(seconds, user: "alice", from: "192.0.2.10") }
        for seconds in [100, 130, 160, 200] { log.failed(seconds, user: "bob", from: "192.0.2.11") }
        #expect(Self.of("slow_brute_force", try Self.findings(log)).isEmpty)
    }

    /// A typo before each of four logins half an hour apart is a person, not a slow attack: the
    /// login forgives that user's failures. Another user's failures from the same address are
    /// not forgiven by it (logging in to one's own account launders no guesses).
    @Test func aLoginForgivesThatUsersFailures() throws {
        var log = Log()
        for i in 0..<4 {
            log.failed(i * 1800, user: "alice", from: "192.0.2.20")
            log.add(i * 1800 + 20, "Accepted password for alice from 192.0.2.20 port 50000 ssh2")
        }
        #expect(Self.of("slow_brute_force", try Self.findings(log)).isEmpty)

        var guesses = Log()
        for i in 0..<4 {
            guesses.failed(i * 1800, user: "root", from: "192.0.2.21")
            guesses.add(i * 1800 + 20, "Accepted password for mallory from 192.0.2.21 port 50000 ssh2")
        }
        let slow = Self.of("slow_brute_force", try Self.findings(guesses))
        #expect(slow.count == 1 && slow.first?["subject"] as? String == "192.0.2.21", "\(slow)")
    }

    /// A burst is already a finding: the slow rule stays quiet while the client's burst
    /// episode is open.
    @Test func aBurstIsNotAlsoASlowBruteForce() throws {
        var log = Log()
        for i in 0..<12 { log.failed(i * 20, user: "root", from: "203.0.113.77") }
        let all = try Self.findings(log)
        #expect(Self.of("auth_failure_burst", all).count == 1)
        #expect(Self.of("slow_brute_force", all).isEmpty, "\(all)")
    }

    // MARK: user enumeration

    @Test func oneAddressTryingManyNamesIsUserEnumeration() throws {
        var log = Log()
        for (i, user) in ["admin", "test", "oracle", "ubuntu", "git", "postgres", "deploy", "pi", "user", "guest", "ftp"]
            .enumerated()
        {
            log.failed(i * 180, user: user, from: "203.0.113.30")
        }
        let found = Self.of("user_enumeration", try Self.findings(log))
        #expect(found.count == 1, "\(found)")
        #expect(found.first?["severity"] as? String == "P2")
        #expect(found.first?["subject"] as? String == "203.0.113.30")
        let evidence = found.first?["evidence"] as? [String: Any]
        #expect((evidence?["counts"] as? [String: Int])?["distinct_users"] == 10)
    }

    @Test func threeUsersBehindOneNATAreNotEnumeration() throws {
        var log = Log()
        for (i, user) in ["alice", "bob", "carol", "alice", "bob"].enumerated() {
            log.failed(i * 300, user: user, from: "192.0.2.50")
        }
        #expect(Self.of("user_enumeration", try Self.findings(log)).isEmpty)
    }

    // MARK: distributed brute force

    @Test func oneUserFailingFromManyAddressesIsADistributedBruteForce() throws {
        var log = Log()
        for i in 0..<12 { log.failed(i * 120, user: "root", from: "198.51.100.\(i + 1)") }
        let found = Self.of("distributed_brute_force", try Self.findings(log))
        #expect(found.count == 1, "\(found)")
        #expect(found.first?["subject_kind"] as? String == "user" && found.first?["subject"] as? String == "root")
        #expect(found.first?["severity"] as? String == "P2")
        #expect(found.first?["count"] as? Int == 12)
    }

    @Test func oneUserFailingFromTwoAddressesIsNotDistributed() throws {
        var log = Log()
        for i in 0..<4 { log.failed(i * 600, user: "alice", from: i % 2 == 0 ? "192.0.2.20" : "198.51.100.20") }
        #expect(Self.of("distributed_brute_force", try Self.findings(log)).isEmpty)
    }

    /// One host hopping between addresses of its /64 is one client, not ten.
    @Test func addressesOfOneIPv6NetworkAreOneClient() throws {
        var log = Log()
        for i in 0..<12 { log.failed(i * 120, user: "deploy", from: "2001:db8:1:2::\(i + 1)") }
        #expect(Self.of("distributed_brute_force", try Self.findings(log)).isEmpty)
    }

    // MARK: pre-authentication scanning

    @Test func repeatedPreauthFailuresAreAScan() throws {
        var log = Log()
        for i in 0..<6 { log.noIdentification(i * 60, from: "203.0.113.99") }
        let all = try Self.findings(log)
        let scan = Self.of("preauth_scan", all)
        #expect(scan.count == 1, "\(all)")
        #expect(scan.first?["severity"] as? String == "P4")
        #expect(scan.first?["count"] as? Int == 6)
        #expect(Self.of("slow_brute_force", all).isEmpty && Self.of("user_enumeration", all).isEmpty)
    }

    /// Attempts between the scan's noise make it P3 when it opens; attempts after it raise the
    /// open P4.
    @Test func aScanThatAlsoTriesPasswordsIsP3() throws {
        var log = Log()
        for i in 0..<2 { log.noIdentification(i * 60, from: "198.51.100.98") }
        log.failed(130, user: "root", from: "198.51.100.98")
        for i in 2..<5 { log.noIdentification(i * 60 + 100, from: "198.51.100.98") }
        for i in 0..<5 { log.noIdentification(i * 60, from: "203.0.113.98") }
        log.failed(400, user: "root", from: "203.0.113.98")
        let scan = Self.of("preauth_scan", try Self.findings(log))
        #expect(scan.count == 2 && scan.allSatisfy { $0["severity"] as? String == "P3" }, "\(scan)")
        let raised = scan.first { $0["subject"] as? String == "203.0.113.98" }
        #expect(raised?["count"] as? Int == 5, "attempts raise the scan, they are not scan events")
        #expect(((raised?["evidence"] as? [String: Any])?["counts"] as? [String: Int])?["auth_attempts"] == 1)
    }

    @Test func twoDroppedConnectionsAreNotAScan() throws {
        var log = Log()
        log.noIdentification(0, from: "192.0.2.44")
        log.noIdentification(600, from: "192.0.2.44")
        for i in 0..<4 { log.noIdentification(i * 60, from: "192.0.2.\(45 + i)") }
        #expect(Self.of("preauth_scan", try Self.findings(log)).isEmpty)
    }

    /// The other noise categories, as the sshd decoder will write them (outcome auth_failure,
    /// attempts 0): a CVE-2024-6387-style burst of timeouts before authentication.
    @Test func everyPreauthNoiseCategoryCounts() {
        for category in SSHDCategory.scanning {
            let harness = DetectorHarness(policy: Policy())
            for i in 0..<5 {
                harness.feedSSH(category, "2026-11-03T08:0\(i):00Z", ip: "203.0.113.66", attempts: 0)
            }
            let scan = harness.findings.filter { $0.detector == "preauth_scan" }
            #expect(scan.count == 1 && scan.first?.severity == .p4, "\(category)")
        }
        // A reverse-DNS mismatch on every connection is the client's DNS, not scanning.
        let dns = DetectorHarness(policy: Policy())
        for i in 0..<5 {
            dns.feedSSH(SSHDCategory.reverseMappingMismatch, "2026-11-03T08:0\(i):00Z", ip: "203.0.113.68", attempts: 0)
        }
        #expect(dns.findings.isEmpty)
        // Other failures with no attempt (a line repeating its connection's attempt) are not noise.
        let harness = DetectorHarness(policy: Policy())
        for i in 0..<5 { harness.feedSSH(SSHDCategory.password, "2026-11-03T08:0\(i):00Z", ip: "203.0.113.67", attempts: 0) }
        #expect(harness.findings.isEmpty)
    }

    // MARK: bounded, exact in batch and tail

    /// An address sending endless distinct names, and endless user names each failing once,
    /// leave state bounded by the thresholds and by the subject cap.
    @Test func stateStaysBoundedWhateverAnAttackerSends() throws {
        let harness = DetectorHarness(policy: Policy())
        for i in 0..<5_000 {
            harness.feedSSH(SSHDCategory.password, "2026-11-03T08:00:00Z", ip: "203.0.113.1", attempts: 1, user: "u\(i)")
        }
        let shared = try #require(harness.context.sshClientTable)
        let saved = SSHClientTable()
        try saved.restore(shared.snapshot(harness.context), harness.context)
        #expect(saved.count == 1, "one client")
        var kept = -1
        saved.updateExisting(.ip(IPAddress("203.0.113.1")!)) { kept = $0.users.count }
        #expect(kept >= 0 && kept < 10, "\(kept) names kept")

        var table = ExpiringSubjects<DistinctInWindow<Symbol>>(capacity: 100)
        for i in 0..<1_000 {
            table.update(.user(Symbol(id: UInt32(i + 1)))) { $0.note(Symbol(id: 1), at: Int64(i), attempts: 1, cutoff: 0) }
        }
        #expect(table.count == 100 && table.untracked == 900)
        table.expire(before: 50)
        #expect(table.count == 50, "subjects last seen before the cutoff are gone")
    }

    /// Every scenario above in one log: analyzing it in two runs, cut at any of several lines,
    /// gives the findings of one run, and so does `vigil tail`.
    @Test func splitRunsAndTailGiveTheFindingsOfOneRun() throws {
        var log = Log()
        for i in 0..<6 { log.failed(i * 900, user: "root", from: "203.0.113.5") }
        for i in 0..<11 { log.failed(30 + i * 180, user: "user\(i)", from: "203.0.113.30") }
        for i in 0..<12 { log.failed(60 + i * 120, user: "oracle", from: "198.51.100.\(i + 1)") }
        for i in 0..<6 { log.noIdentification(90 + i * 60, from: "203.0.113.99") }
        for i in 0..<8 { log.failed(120 + i * 10, user: "git", from: "2001:db8:1:2::\(i + 1)") }
        // In time order, as one log.
        let lines = log.lines.sorted { $0.prefix(15) < $1.prefix(15) }
        let dir = TempDir()
        let path = dir.path("auth.log")
        func analyze(_ database: String) throws {
            #expect(try runVigil(["analyze", "--quiet", "--year", "2026", "--db", database, path]).status == 0)
        }
        try (lines.joined(separator: "\n") + "\n").write(toFile: path, atomically: true, encoding: .utf8)
        try analyze(dir.path("whole.sqlite"))
        let whole = try runVigil(["findings", "--db", dir.path("whole.sqlite"), "--output", "jsonl"]).out
        let detectors = Set(try Self.stored(dir.path("whole.sqlite")).compactMap { $0["detector"] as? String })
        #expect(
            detectors.isSuperset(of: ["slow_brute_force", "user_enumeration", "distributed_brute_force", "preauth_scan"]), "\(detectors)")

        for cut in stride(from: 3, to: lines.count, by: 6) {
            let database = dir.path("split-\(cut).sqlite")
            try (lines.prefix(cut).joined(separator: "\n") + "\n").write(toFile: path, atomically: true, encoding: .utf8)
            try analyze(database)
            try (lines.joined(separator: "\n") + "\n").write(toFile: path, atomically: true, encoding: .utf8)
            try analyze(database)
            let split = try runVigil(["findings", "--db", database, "--output", "jsonl"]).out
            #expect(split == whole, "split after line \(cut)")
        }

        let tail = try runVigil([
            "tail", "--quiet", "--no-alerts", "--idle-exit", "0.5", "--year", "2026", "--db", dir.path("tail.sqlite"), path,
        ])
        #expect(tail.status == 0, "\(tail.err)")
        #expect(try runVigil(["findings", "--db", dir.path("tail.sqlite"), "--output", "jsonl"]).out == whole)
    }
    // MARK: IPv6 per /64

    @Test func addressHoppingInsideOneNetworkIsOneSubject() throws {
        var log = Log()
        for i in 0..<8 { log.failed(i * 10, user: "root", from: "2001:db8:1:2::\(i + 1)") }
        for i in 0..<3 { log.failed(i * 10, user: "root", from: "2001:db8:1:3::\(i + 1)") }
        for i in 0..<3 { log.failed(i * 10, user: "root", from: "2001:db8:1:3:ffff::\(i + 1)") }
        let bursts = Self.of("auth_failure_burst", try Self.findings(log))
        #expect(bursts.compactMap { $0["subject"] as? String }.sorted() == ["2001:db8:1:2::/64", "2001:db8:1:3::/64"], "\(bursts)")
        #expect(bursts.allSatisfy { $0["subject_kind"] as? String == "network" })
    }

    @Test func aPrefixOf128KeepsIPv6AddressesExact() throws {
        var log = Log()
        for i in 0..<8 { log.failed(i * 10, user: "root", from: "2001:db8:1:2::\(i % 2 + 1)") }
        log.failed(100, user: "root", from: "192.0.2.1")
        let bursts = Self.of("auth_failure_burst", try Self.findings(log, policy: "version: 1\nclients: { ipv6_prefix: 128 }\n"))
        #expect(bursts.map { $0["subject"] as? String } == [], "4 failures each: \(bursts)")
        var busy = Log()
        for i in 0..<8 { busy.failed(i * 10, user: "root", from: "2001:db8:1:2::7") }
        let exact = Self.of("auth_failure_burst", try Self.findings(busy, policy: "version: 1\nclients: { ipv6_prefix: 128 }\n"))
        #expect(exact.map { $0["subject"] as? String } == ["2001:db8:1:2::7"] && exact.first?["subject_kind"] as? String == "ip")
    }

    @Test func aBadIPv6PrefixIsALintError() throws {
        let dir = TempDir()
        try "version: 1\nclients: { ipv6_prefix: 16 }\n".write(toFile: dir.path("p.yaml"), atomically: true, encoding: .utf8)
        let lint = try runVigil(["policy", "lint", dir.path("p.yaml")])
        #expect(lint.status == 1 && lint.out.contains("clients.ipv6_prefix"), "\(lint.out)")
    }

    /// Settings that switch the slow pace rule off without a word: a window too short to hold
    /// `min_failures` tries `min_spacing` apart, and a `min_spacing` of 0.
    @Test func aSlowRuleThatCanNeverFireIsALintWarning() throws {
        let dir = TempDir()
        for (setting, expected) in [("window: 1m", "the pace rule never fires"), ("min_spacing: 0s", "min_spacing 0")] {
            try "version: 1\ndetectors:\n  slow_brute_force:\n    \(setting)\n".write(
                toFile: dir.path("p.yaml"), atomically: true, encoding: .utf8)
            let lint = try runVigil(["policy", "lint", dir.path("p.yaml")])
            #expect(lint.out.contains(expected), "\(setting): \(lint.out)")
        }
    }

    /// A table full of clients blinds a rule to new ones until old ones expire: that is said,
    /// as one finding about the server (P3), not left silent.
    @Test func aFullTableIsAFinding() {
        var policy = Policy()
        policy.detectors.userEnumeration.maxClients = 3
        policy.detectors.slowBruteForce.maxClients = 3
        policy.detectors.preauthScan.maxClients = 3  // the three share one table (`SSHClientTable`)
        let harness = DetectorHarness(policy: policy)
        for i in 0..<5 {
            harness.feed("2026-11-03T08:00:0\(i)Z", ip: "203.0.113.\(i + 1)", server: "bastion", .authFailure, user: "root")
        }
        let full = harness.findings.filter { $0.rule == DetectionContext.trackingFullRule }
        #expect(Set(full.map(\.detector)) == ["user_enumeration", "slow_brute_force"], "\(full)")
        #expect(full.allSatisfy { $0.subject == "bastion" && $0.severity == .p3 && $0.count == 2 }, "\(full)")
        #expect(full.first?.message.contains("maximum of 3 clients") == true, "\(full.first?.message ?? "")")
    }

    /// A burst from a /64 followed by a login from another address of it: the P1 is about the
    /// /64, and says which address logged in.
    @Test func aLoginDuringANetworksBurstNamesTheAddress() {
        let harness = DetectorHarness(policy: Policy())
        for i in 0..<6 { harness.feed("2026-11-03T08:00:0\(i)Z", ip: "2001:db8:1:2::\(i + 1)", .authFailure, user: "root") }
        harness.feed("2026-11-03T08:00:09Z", ip: "2001:db8:1:2:abcd::99", .success, user: "root")
        let success = harness.findings.first { $0.rule == AuthFailureBurstDetector.successRule }
        #expect(success?.subject == "2001:db8:1:2::/64", "\(String(describing: success))")
        #expect(success?.evidence.attributes["logged_in_from"] == "2001:db8:1:2:abcd::99", "\(String(describing: success))")
    }

    @Test func networkSubjectsReadBackAsTheyWereWritten() {
        let symbols = SymbolTable()
        var event = Event()
        event.clientIP = IPAddress("2001:db8:1:2:aaaa:bbbb:cccc:dddd")
        let subject = Subject.client(of: event, ipv6Prefix: 64)
        #expect(subject?.kind == "network" && subject?.text(symbols) == "2001:db8:1:2::/64")
        #expect(subject.flatMap { Subject(kind: $0.kind, text: $0.text(symbols), symbols: symbols) } == subject)
        #expect(Subject(kind: "network", text: "2001:db8:1:2::1/64", symbols: symbols) == nil, "host bits set")
        #expect(Subject(kind: "network", text: "10.0.0.0/8", symbols: symbols) == nil, "IPv4 stays exact")
        event.clientIP = IPAddress("::ffff:192.0.2.9")
        #expect(Subject.client(of: event, ipv6Prefix: 64) == .ip(IPAddress("192.0.2.9")!), "IPv4-mapped is IPv4")
    }

}

extension DetectorHarness {
    /// Feeds one sshd-like failure of `category` (`Event.operation`).
    func feedSSH(_ category: String, _ time: String, ip: String, attempts: UInt32, user: String? = nil) {
        var e = Event()
        e.time = ms(time)
        e.clientIP = IPAddress(ip)
        e.outcome = .authFailure
        e.attempts = attempts
        e.operation = context.symbols.intern(category)
        if let user { e.user = context.symbols.intern(user) }
        line += 1
        e.line = line
        for d in detectors { d.observe(e, context: context) }
    }
}
