import Testing

@testable import VigilCore

@Suite struct IPAddressTests {
    @Test func parsesStrictIPv4() {
        #expect(IPAddress("203.0.113.7")?.description == "203.0.113.7")
        #expect(IPAddress("0.0.0.0")?.v4Value == 0)
        #expect(IPAddress("255.255.255.255")?.v4Value == UInt32.max)
        for bad in ["256.1.1.1", "1.2.3", "1.2.3.4.5", "01.2.3.4", "0x51.2.69.160", "1.2.3.4 ", "", "a.b.c.d", "1..2.3"] {
            #expect(IPAddress(bad) == nil, "\(bad) must be rejected")
        }
    }

    @Test func parsesIPv6AndMapsIPv4() {
        #expect(IPAddress("2001:db8::66")?.description == "2001:db8::66")
        #expect(IPAddress("::1")?.isV4 == false)
        #expect(IPAddress("::ffff:198.51.100.20") == IPAddress("198.51.100.20"))
        #expect(IPAddress("::ffff:198.51.100.20")?.description == "198.51.100.20")
        #expect(IPAddress("2001:db8::g") == nil)
        #expect(IPAddress("fe80::1%eth0") == nil)
    }

    @Test func ordersAsIntegers() {
        #expect(IPAddress("10.0.0.2")! > IPAddress("10.0.0.1")!)
        #expect(IPAddress("2001:db8::1")! > IPAddress("255.255.255.255")!)
    }
}
