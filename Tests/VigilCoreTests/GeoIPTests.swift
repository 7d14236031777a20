import Foundation
import Testing

@testable import VigilCore

@Suite struct GeoIPTests {
    static func db(_ name: String) -> String { packageRoot.appendingPathComponent("fixtures/geoip/\(name)").path }

    @Test func maxMindCityTestDatabase() throws {
        let city = try GeoIPDatabase(path: Self.db("GeoIP2-City-Test.mmdb"), kind: .city)
        #expect(city.databaseType == "GeoIP2-City")
        var info = GeoInfo()
        city.lookup(IPAddress("81.2.69.160")!, into: &info)
        #expect(info.country == "GB" && info.city == "London")
        #expect(info.latitude != nil && info.longitude != nil)
        var se = GeoInfo()
        city.lookup(IPAddress("89.160.20.112")!, into: &se)
        #expect(se.country == "SE")
        // The IPv4-mapped spelling is the same address.
        var mapped = GeoInfo()
        city.lookup(IPAddress("::ffff:81.2.69.160")!, into: &mapped)
        #expect(mapped == info)
        var v6 = GeoInfo()
        city.lookup(IPAddress("2001:218::1")!, into: &v6)
        #expect(v6.country == "JP")
        var none = GeoInfo()
        city.lookup(IPAddress("10.0.0.1")!, into: &none)
        #expect(none.isEmpty)
        #expect(city.lookupErrors == 0)
    }

    @Test func maxMindASNTestDatabase() throws {
        let asn = try GeoIPDatabase(path: Self.db("GeoLite2-ASN-Test.mmdb"), kind: .asn)
        var info = GeoInfo()
        asn.lookup(IPAddress("1.128.0.1")!, into: &info)
        #expect(info.asn == 1221)
        #expect(info.asOrganization == "Telstra Pty Ltd")
    }

    @Test func vigilTestDatabasesCoverTheDocumentationRanges() throws {
        let e = Enricher(
            city: try GeoIPDatabase(path: Self.db("vigil-test-city.mmdb"), kind: .city),
            asn: try GeoIPDatabase(path: Self.db("vigil-test-asn.mmdb"), kind: .asn))
        let br = e.info(IPAddress("203.0.113.9")!)
        #expect(br.country == "BR" && br.asn == 64502 && br.city == "Sao Paulo")
        #expect(e.info(IPAddress("2001:db8::5")!).country == "DE")
        #expect(e.info(IPAddress("192.0.2.1")!).attributes["asn"] == "AS64500")
        // Cached: the second lookup does not reach the database.
        let before = e.lookups
        _ = e.info(IPAddress("203.0.113.9")!)
        #expect(e.lookups == before)
    }

    @Test(arguments: [
        "GeoIP2-City-Test-Broken-Double-Format.mmdb",
        "GeoIP2-City-Test-Invalid-Node-Count.mmdb",
        "MaxMind-DB-test-broken-pointers-24.mmdb",
        "MaxMind-DB-test-broken-search-tree-24.mmdb",
    ])
    func brokenDatabasesFailAtOpenWithAClearError(_ name: String) {
        #expect(throws: GeoIPDatabase.OpenError.self) { try GeoIPDatabase(path: Self.db(name), kind: .city) }
        do {
            _ = try GeoIPDatabase(path: Self.db(name), kind: .city)
        } catch {
            #expect("\(error)".contains(name))
        }
    }

    @Test func missingWrongKindAndNonDatabaseFiles() throws {
        let t = TempDir()
        let text = t.path("not.mmdb")
        try "hello".write(toFile: text, atomically: true, encoding: .utf8)
        for (path, kind, fragment) in [
            (t.path("missing.mmdb"), GeoIPDatabase.Kind.city, "no such file"),
            (text, .city, "cannot be opened as a MaxMind DB"),
            (t.url.path, .city, "directory"),
            (Self.db("GeoLite2-ASN-Test.mmdb"), .city, "is an ASN database"),
            (Self.db("GeoIP2-City-Test.mmdb"), .asn, "not an ASN database"),
        ] {
            do {
                _ = try GeoIPDatabase(path: path, kind: kind)
                Issue.record("\(path) opened")
            } catch let e as GeoIPDatabase.OpenError {
                #expect(e.reason.contains(fragment), "\(e)")
            }
        }
    }
}
