import Testing

@testable import VigilCore

@Suite struct CIDRTests {
    func parse(_ s: String) -> CIDR? { try? CIDR.parse(s).get() }

    @Test func parsesBlocksOfBothFamilies() {
        #expect(parse("10.20.0.0/16")?.description == "10.20.0.0/16")
        #expect(parse("10.20.0.0/16")?.contains(IPAddress("10.20.255.1")!) == true)
        #expect(parse("10.20.0.0/16")?.contains(IPAddress("10.21.0.1")!) == false)
        #expect(parse("2001:db8:100::/48")?.contains(IPAddress("2001:db8:100:ffff::1")!) == true)
        #expect(parse("192.0.2.7")?.prefix == 32)
        #expect(parse("2001:db8::1")?.prefix == 128)
        // IPv4-mapped IPv6 addresses are IPv4 addresses.
        #expect(parse("10.0.0.0/8")?.contains(IPAddress("::ffff:10.1.2.3")!) == true)
        #expect(parse("::ffff:10.0.0.0/104") == parse("10.0.0.0/8"))
        #expect(parse("::ffff:0:0/96")?.prefix == 0 && parse("::ffff:0:0/96")?.isV4 == true)
    }

    @Test func rejectsWhatLintMustReport() {
        #expect(CIDR.parse("10.0.0.0/33") == .failure(.badPrefix("10.0.0.0/33", max: 32)))
        #expect(CIDR.parse("2001:db8::/129") == .failure(.badPrefix("2001:db8::/129", max: 128)))
        #expect(CIDR.parse("10.0.0.1/8") == .failure(.hostBitsSet("10.0.0.1/8", suggestion: "10.0.0.0/8")))
        #expect(CIDR.parse("2001:db8::1/32") == .failure(.hostBitsSet("2001:db8::1/32", suggestion: "2001:db8::/32")))
        for bad in ["10.0.0/8", "010.0.0.0/8", "10.0.0.0/", "10.0.0.0/+8", "10.0.0.0/8/8", "example.com/8", "", "/8", "10.0.0.0/ 8"] {
            #expect((try? CIDR.parse(bad).get()) == nil, "\(bad) should not parse")
        }
    }

    /// The range set against the obvious loop, on random blocks with random expiries.
    @Test func rangeSetAgreesWithALoopOverEntries() {
        var rng = SeededRandom(seed: 42)
        for round in 0..<40 {
            var blocks: [(CIDR, Int64)] = []
            for _ in 0..<Int.random(in: 1...60, using: &rng) {
                let v6 = Bool.random(using: &rng) && round % 3 == 0
                let block: CIDR
                if v6 {
                    let a = IPAddress(raw: (UInt128(0x2001_0db8) << 96) | UInt128(UInt64.random(in: 0...0xffff, using: &rng)) << 64)
                    block = CIDR(network: a, prefix: Int.random(in: 32...64, using: &rng))
                } else {
                    // A small space so that blocks overlap and nest.
                    let a = IPAddress(v4: 0x0A00_0000 | UInt32.random(in: 0...0xffff, using: &rng))
                    block = CIDR(network: a, prefix: Int.random(in: 16...32, using: &rng))
                }
                let expiry: Int64 = [Int64.max, 100, 200, 300].randomElement(using: &rng)!
                blocks.append((block, expiry))
            }
            let set = AddressRangeSet(blocks)
            for _ in 0..<500 {
                let probe: IPAddress
                if let (b, _) = blocks.randomElement(using: &rng), Bool.random(using: &rng) {
                    // Just inside, at the edges, and just outside blocks.
                    let edge = [b.first.raw, b.last.raw, b.first.raw &- 1, b.last.raw &+ 1].randomElement(using: &rng)!
                    probe = IPAddress(raw: edge)
                } else {
                    probe = IPAddress(v4: 0x0A00_0000 | UInt32.random(in: 0...0x1ffff, using: &rng))
                }
                let expected = blocks.filter { $0.0.contains(probe) }.map(\.1).max()
                #expect(set.expiry(of: probe) == expected, "round \(round): \(probe)")
                for t: Int64 in [0, 150, 250, 1_000] {
                    #expect(set.contains(probe, at: t) == (expected.map { t < $0 } ?? false))
                }
            }
            // Disjoint and sorted.
            for i in 1..<max(set.count, 1) where set.count > 1 { #expect(set.highs[i - 1] < set.lows[i]) }
        }
    }

    @Test func thousandsOfBlocksStayFewRanges() {
        var blocks: [(CIDR, Int64)] = []
        for i in 0..<10_000 { blocks.append((CIDR(network: IPAddress(v4: 0x0B00_0000 | UInt32(i) << 8), prefix: 24), .max)) }
        let set = AddressRangeSet(blocks)
        #expect(set.count == 1)  // adjacent /24s coalesce
        // 10,000 × 256 addresses from 11.0.0.0 end at 11.39.15.255.
        #expect(set.contains(IPAddress("11.39.15.255")!, at: 0))
        #expect(!set.contains(IPAddress("11.39.16.0")!, at: 0))
        #expect(!set.contains(IPAddress("10.255.255.255")!, at: 0))
    }
}
