/// Adds GeoIP and ASN facts to addresses, through a cache.
///
/// Detectors ask only for the addresses they need (an address outside every CIDR of an
/// allowlist that also names countries, a finding about an address), so events that need
/// no enrichment cost nothing. The answer for an address never changes within a run, so the
/// cache cannot change results; it is cleared when it grows past `maxCached` entries.
package final class Enricher {
    let city: GeoIPDatabase?
    let asn: GeoIPDatabase?
    private var cache = AddressCache()
    private var infos: [GeoInfo] = []
    private var codes: [GeoCode] = []
    private let maxCached = 1 << 18
    private(set) var lookups = 0

    package init(city: GeoIPDatabase?, asn: GeoIPDatabase?) {
        self.city = city
        self.asn = asn
    }

    package var isEmpty: Bool { city == nil && asn == nil }

    /// Lookup failures on damaged databases, for the run summary.
    package var lookupErrors: Int { (city?.lookupErrors ?? 0) + (asn?.lookupErrors ?? 0) }

    package func info(_ a: IPAddress) -> GeoInfo { infos[index(a)] }

    /// The same facts without strings, for per-event checks: copying it costs no reference
    /// counting.
    func code(_ a: IPAddress) -> GeoCode { codes[index(a)] }

    private func index(_ a: IPAddress) -> Int {
        if let i = cache.find(a.raw) { return Int(i) }
        if cache.count >= maxCached {
            cache.removeAll()
            infos.removeAll(keepingCapacity: true)
            codes.removeAll(keepingCapacity: true)
        }
        var info = GeoInfo()
        city?.lookup(a, into: &info)
        asn?.lookup(a, into: &info)
        lookups += 1
        cache.insert(a.raw, Int32(infos.count))
        infos.append(info)
        codes.append(
            GeoCode(
                country: info.countryCode ?? 0, asn: info.asn ?? 0,
                latitude: info.latitude.map(Float.init) ?? .nan, longitude: info.longitude.map(Float.init) ?? .nan))
        return infos.count - 1
    }
}

/// Country, AS number and location as plain numbers (0 / NaN when unknown).
struct GeoCode: Sendable {
    var country: UInt16
    var asn: UInt32
    var latitude: Float
    var longitude: Float

    var hasLocation: Bool { !latitude.isNaN && !longitude.isNaN }
}
