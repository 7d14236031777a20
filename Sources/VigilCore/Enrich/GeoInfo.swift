/// What the GeoIP databases say about one address. Any part may be unknown.
package struct GeoInfo: Sendable, Equatable, Codable {
    /// ISO 3166-1 alpha-2 country code, upper case.
    package var country: String?
    package var city: String?
    var latitude: Double?
    var longitude: Double?
    package var asn: UInt32?
    var asOrganization: String?

    package init() {}

    package var isEmpty: Bool { self == GeoInfo() }

    /// The country as two ASCII bytes in one integer, for allocation-free set lookups.
    var countryCode: UInt16? { country.flatMap(GeoInfo.code) }

    static func code(_ iso: String) -> UInt16? {
        let u = Array(iso.utf8)
        guard u.count == 2, u.allSatisfy({ $0 >= 65 && $0 <= 90 }) else { return nil }
        return UInt16(u[0]) << 8 | UInt16(u[1])
    }

    /// Evidence attributes: `country`, `city`, `location` (lat,lon), `asn`, `as_org`.
    var attributes: [String: String] {
        var a: [String: String] = [:]
        if let country { a["country"] = country }
        if let city { a["city"] = city }
        if let latitude, let longitude { a["location"] = "\(latitude),\(longitude)" }
        if let asn { a["asn"] = "AS\(asn)" }
        if let asOrganization { a["as_org"] = asOrganization }
        return a
    }
}
