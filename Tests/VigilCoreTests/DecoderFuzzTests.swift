import Testing
@testable import VigilCore

/// Randomized inputs through every decoder: no crash, and every line gets a verdict.
@Suite struct DecoderFuzzTests {
    static let seeds: [String] = [
        #"{"timestamp":"2026-11-05T09:01:00.250Z","status_code":403,"error_code":"KEY_REVOKED","tool_name":"a\u00e9","client_ip":"2001:db8::1","extra":{"a":[1,2]}}"#,
        "Nov  3 07:01:04 bastion sshd[2101]: Failed password for invalid user admin from 203.0.113.7 port 40001 ssh2",
        "Nov  3 07:01:22 h sshd[9]: message repeated 4 times: [ Failed password for root from 203.0.113.7 port 40002 ssh2]",
        "<38>1 2026-11-04T11:00:03.123Z web2 sshd 401 - [a b=\"c\"] Invalid user x from ::ffff:1.2.3.4 port 2",
        "Jun 15 02:04:59 combo sshd(pam_unix)[20882]: authentication failure; logname= uid=0 euid=0 tty=NODEVssh ruser= rhost=h  user=root",
        #"192.0.2.200 - admin [05/Nov/2026:08:01:08 +0100] "POST /admin/login?token=SECRET HTTP/1.1" 401 64 "-" "ua""#,
    ]

    @Test func mutatedAndRandomLinesNeverCrash() {
        var rng = SeededRandom(seed: 0xF00D)
        let symbols = SymbolTable()
        let context = DecodeContext(symbols: symbols, yearAnchor: 1_790_000_000_000)
        let decoders = LogFormat.concrete.map { context.makeDecoder($0)! }
        var verdicts = 0
        for i in 0..<30_000 {
            var bytes: [UInt8]
            if i % 4 == 0 {
                bytes = (0..<Int.random(in: 0..<200, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }
            } else {
                bytes = Array(Self.seeds[i % Self.seeds.count].utf8)
                for _ in 0..<Int.random(in: 1...6, using: &rng) {
                    guard !bytes.isEmpty else { break }
                    let at = Int.random(in: 0..<bytes.count, using: &rng)
                    switch Int.random(in: 0..<4, using: &rng) {
                    case 0: bytes[at] = UInt8.random(in: 0...255, using: &rng)
                    case 1: bytes.remove(at: at)
                    case 2: bytes.insert(UInt8.random(in: 0...255, using: &rng), at: at)
                    default: bytes = Array(bytes[..<at])
                    }
                }
            }
            for d in decoders {
                var e = Event()
                let r = bytes.withUnsafeBytes { d.decode($0, into: &e) }
                switch r {
                case .event:
                    verdicts += 1
                    #expect(symbols.string(e.user) != nil || e.user.isNone)
                case .ignored, .malformed: verdicts += 1
                }
            }
        }
        #expect(verdicts == 30_000 * decoders.count)
    }

    @Test func sniffingPicksTheRightFormat() {
        let context = DecodeContext(symbols: SymbolTable(), yearAnchor: 1_790_000_000_000)
        func sniff(_ lines: [String]) -> LogFormat? {
            var text = lines.joined(separator: "\n") + "\n"
            return text.withUTF8 { context.sniff(UnsafeRawBufferPointer($0)) }
        }
        #expect(sniff([Self.seeds[0]]) == .mcpJSON)
        #expect(sniff([Self.seeds[1], Self.seeds[2]]) == .sshd)
        #expect(sniff([Self.seeds[5]]) == .combined)
        #expect(sniff(["hello world", "nothing here"]) == nil)
    }
}
