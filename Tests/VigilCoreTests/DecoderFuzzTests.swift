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

    @Test func seedsDecodeCleanly() {
        let context = DecodeContext(symbols: SymbolTable(), yearAnchor: 1_790_000_000_000)
        let expected: [LogFormat] = [.mcpJSON, .sshd, .sshd, .sshd, .sshd, .combined]
        for (seed, format) in zip(Self.seeds, expected) {
            var e = Event()
            var line = seed
            let r = line.withUTF8 { context.makeDecoder(format)!.decode(UnsafeRawBufferPointer($0), into: &e) }
            #expect(r == .event, "\(seed)")
        }
    }

    /// Mutated and random lines through every decoder: no crash, and whatever comes out obeys
    /// the event's invariants (addresses round-trip, times are plausible, malformed lines say why).
    @Test func mutatedAndRandomLinesKeepInvariants() {
        var rng = SeededRandom(seed: 0xF00D)
        let symbols = SymbolTable()
        let context = DecodeContext(symbols: symbols, yearAnchor: 1_790_000_000_000)
        let decoders = LogFormat.concrete.map { context.makeDecoder($0)! }
        var events = 0, malformed = 0
        let year1970 = Int64(0), year10000 = EventTime.millis(year: 10000, month: 1, day: 1, hour: 0, minute: 0, second: 0)
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
                switch bytes.withUnsafeBytes({ d.decode($0, into: &e) }) {
                case .event, .eventAndMore:
                    events += 1
                    if let ip = e.clientIP { #expect(IPAddress(ip.description) == ip, "address must round-trip: \(ip)") }
                    // Offsets can push a valid stamp a day either side of the calendar's range.
                    #expect(e.time >= year1970 - EventTime.day && e.time < year10000 + EventTime.day, "time \(e.time)")
                    #expect(e.user.isNone || symbols.string(e.user) != nil)
                case .malformed(let reason):
                    malformed += 1
                    #expect(!reason.isEmpty)
                case .ignored:
                    break
                }
            }
        }
        // The mutations must leave enough lines decodable to exercise the decoders' paths, and
        // enough broken ones to exercise their error paths.
        #expect(events > 2_000, "\(events) events")
        #expect(malformed > 20_000, "\(malformed) malformed")
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
