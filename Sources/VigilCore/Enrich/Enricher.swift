/// Adds GeoIP and ASN facts to addresses, through a cache.
///
/// Detectors ask only for the addresses they need (an address outside every CIDR of an
/// allowlist that also names countries, a finding about an address), so events that need
/// no enrichment cost nothing. The answer for an address never changes within a run, so the
/// cache cannot change results; it is cleared when it grows past `maxCached` entries.
public final class Enricher {
    let city: GeoIPDatabase?
    let asn: GeoIPDatabase?
    private var cache: [UInt128: Int32] = [:]
    private var infos: [GeoInfo] = []
    private let maxCached = 1 << 18
    private(set) var lookups = 0

    public init(city: GeoIPDatabase?, asn: GeoIPDatabase?) {
        self.city = city
        self.asn = asn
    }

    public var isEmpty: Bool { city == nil && asn == nil }

    /// Lookup failures on damaged databases, for the run summary.
    public var lookupErrors: Int { (city?.lookupErrors ?? 0) + (asn?.lookupErrors ?? 0) }

    public func info(_ a: IPAddress) -> GeoInfo {
        if let i = cache[a.raw] { return infos[Int(i)] }
        if cache.count >= maxCached {
            cache.removeAll(keepingCapacity: true)
            infos.removeAll(keepingCapacity: true)
        }
        var info = GeoInfo()
        city?.lookup(a, into: &info)
        asn?.lookup(a, into: &info)
        lookups += 1
        cache[a.raw] = Int32(infos.count)
        infos.append(info)
        return info
    }
}
