import CMaxMindDB
import Foundation

/// One MaxMind DB file (GeoIP2/GeoLite2 City, Country or ASN) opened with libmaxminddb.
///
/// Opening checks what can be checked up front — the file exists, its metadata and search tree
/// are sane, it is the kind of database asked for — so a bad file is an error at start, never
/// a crash in the middle of a run. Lookups that still fail on a damaged data section return
/// what they could read and are counted in `lookupErrors`.
package final class GeoIPDatabase {
    package enum Kind: String, Sendable {
        /// Country and city, with location (GeoIP2/GeoLite2-City, or -Country for country only).
        case city
        /// Autonomous system number and organisation (GeoLite2-ASN).
        case asn
    }

    /// Why a database cannot be used.
    package struct OpenError: Error, CustomStringConvertible, Equatable {
        package var path: String
        package var reason: String
        package var description: String { "GeoIP database \(path): \(reason)" }
    }

    package let path: String
    package let kind: Kind
    /// `database_type` from the metadata, e.g. `GeoIP2-City`.
    let databaseType: String
    /// When MaxMind built the file (ms since the epoch).
    let buildTime: Int64
    package private(set) var lookupErrors = 0
    private var mmdb = MMDB_s()
    private var isOpen = false

    package init(path: String, kind: Kind) throws {
        self.path = path
        self.kind = kind
        // Only a regular, readable file: a named pipe would block libmaxminddb's open until a
        // writer came. What the path is instead is the error.
        if let problem = RegularFile.problem(path) {
            let missing = !FileManager.default.fileExists(atPath: path)
            throw OpenError(
                path: path,
                reason: missing
                    ? "no such file. Download the MaxMind database (e.g. with geoipupdate) or fix the path in the policy's geoip section"
                    : problem)
        }
        let status = MMDB_open(path, UInt32(MMDB_MODE_MMAP), &mmdb)
        guard status == MMDB_SUCCESS else {
            throw OpenError(
                path: path,
                reason:
                    "cannot be opened as a MaxMind DB (\(String(cString: MMDB_strerror(status)))); it may be truncated or corrupt. Download it again"
            )
        }
        isOpen = true
        databaseType = String(cString: mmdb.metadata.database_type)
        buildTime = Int64(mmdb.metadata.build_epoch) * 1000
        let isASN = databaseType.localizedCaseInsensitiveContains("ASN")
        if kind == .asn && !isASN {
            throw OpenError(path: path, reason: "is a \(databaseType) database, not an ASN database (expected e.g. GeoLite2-ASN)")
        }
        if kind == .city && isASN {
            throw OpenError(path: path, reason: "is an ASN database; geoip.city needs a City or Country database")
        }
        try selfCheck()
    }

    deinit {
        if isOpen { MMDB_close(&mmdb) }
    }

    /// Walks the whole search tree and decodes data records, so that a damaged file shows
    /// now rather than mid-run. Every node is read (linear in the node count: about 0.1 s
    /// for a full GeoLite2-City); data records are all decoded in small databases and a spread
    /// of about 20,000 in large ones.
    private func selfCheck() throws {
        let count = mmdb.metadata.node_count
        let stride = max(1, Int(count) / 20_000)
        var node = MMDB_search_node_s()
        for i in 0..<count {
            let status = MMDB_read_node(&mmdb, i, &node)
            guard status == MMDB_SUCCESS else {
                throw OpenError(
                    path: path, reason: "is corrupt (\(String(cString: MMDB_strerror(status))) at search tree node \(i)). Download it again"
                )
            }
            if node.left_record_type == MMDB_RECORD_TYPE_INVALID || node.right_record_type == MMDB_RECORD_TYPE_INVALID {
                throw OpenError(path: path, reason: "is corrupt (search tree node \(i) points outside the file). Download it again")
            }
            guard Int(i) % stride == 0 else { continue }
            for (type, entry) in [(node.left_record_type, node.left_record_entry), (node.right_record_type, node.right_record_entry)]
            where type == MMDB_RECORD_TYPE_DATA {
                var e = entry
                var list: UnsafeMutablePointer<MMDB_entry_data_list_s>?
                let status = MMDB_get_entry_data_list(&e, &list)
                MMDB_free_entry_data_list(list)
                if status != MMDB_SUCCESS {
                    throw OpenError(
                        path: path,
                        reason:
                            "is corrupt (\(String(cString: MMDB_strerror(status))) in the data of search tree node \(i)). Download it again"
                    )
                }
            }
        }
    }

    private func lookupEntry(_ a: IPAddress, _ error: inout Int32) -> MMDB_lookup_result_s {
        if let v4 = a.v4Value {
            var sin = sockaddr_in()
            sin.sin_family = sa_family_t(AF_INET)
            sin.sin_addr.s_addr = v4.bigEndian
            return withUnsafePointer(to: &sin) { p in
                p.withMemoryRebound(to: sockaddr.self, capacity: 1) { MMDB_lookup_sockaddr(&mmdb, $0, &error) }
            }
        }
        if mmdb.metadata.ip_version == 4 {
            error = MMDB_SUCCESS
            return MMDB_lookup_result_s()
        }
        var sin6 = sockaddr_in6()
        sin6.sin6_family = sa_family_t(AF_INET6)
        withUnsafeMutableBytes(of: &sin6.sin6_addr) { b in
            for i in 0..<16 { b[i] = UInt8(truncatingIfNeeded: a.raw >> UInt128(8 * (15 - i))) }
        }
        return withUnsafePointer(to: &sin6) { p in
            p.withMemoryRebound(to: sockaddr.self, capacity: 1) { MMDB_lookup_sockaddr(&mmdb, $0, &error) }
        }
    }

    /// Fills in what this database knows about `a`.
    func lookup(_ a: IPAddress, into info: inout GeoInfo) {
        var error: Int32 = 0
        var result = lookupEntry(a, &error)
        guard error == MMDB_SUCCESS else { lookupErrors += 1; return }
        guard result.found_entry else { return }
        switch kind {
        case .city:
            info.country = string(&result.entry, LookupPath.country) ?? string(&result.entry, LookupPath.registeredCountry)
            info.city = string(&result.entry, LookupPath.city)
            info.latitude = double(&result.entry, LookupPath.latitude)
            info.longitude = double(&result.entry, LookupPath.longitude)
        case .asn:
            if let n = value(&result.entry, LookupPath.asn), n.type == MMDB_DATA_TYPE_UINT32 { info.asn = n.uint32 }
            info.asOrganization = string(&result.entry, LookupPath.asOrganization)
        }
    }

    private func value(_ entry: inout MMDB_entry_s, _ path: LookupPath) -> MMDB_entry_data_s? {
        var data = MMDB_entry_data_s()
        let status = MMDB_aget_value(&entry, &data, path.argv)
        if status != MMDB_SUCCESS {
            if status != MMDB_LOOKUP_PATH_DOES_NOT_MATCH_DATA_ERROR { lookupErrors += 1 }
            return nil
        }
        return data.has_data ? data : nil
    }

    private func string(_ entry: inout MMDB_entry_s, _ path: LookupPath) -> String? {
        guard let d = value(&entry, path), d.type == MMDB_DATA_TYPE_UTF8_STRING, let p = d.utf8_string else { return nil }
        // Not NUL-terminated: exactly data_size bytes.
        let bytes = UnsafeRawBufferPointer(start: p, count: Int(d.data_size))
        return String(decoding: bytes, as: UTF8.self)
    }

    private func double(_ entry: inout MMDB_entry_s, _ path: LookupPath) -> Double? {
        guard let d = value(&entry, path) else { return nil }
        if d.type == MMDB_DATA_TYPE_DOUBLE { return d.double_value }
        if d.type == MMDB_DATA_TYPE_FLOAT { return Double(d.float_value) }
        return nil
    }
}

/// A lookup path as the NULL-terminated C string array `MMDB_aget_value` wants, built once.
final class LookupPath: @unchecked Sendable {
    let argv: UnsafeMutablePointer<UnsafePointer<CChar>?>
    private let count: Int

    init(_ parts: String...) {
        count = parts.count
        argv = .allocate(capacity: parts.count + 1)
        for (i, p) in parts.enumerated() { argv[i] = UnsafePointer(strdup(p)) }
        argv[parts.count] = nil
    }

    deinit {
        for i in 0..<count { free(UnsafeMutablePointer(mutating: argv[i])) }
        argv.deallocate()
    }

    // Immutable after init and never freed while the process runs.
    static let country = LookupPath("country", "iso_code")
    static let registeredCountry = LookupPath("registered_country", "iso_code")
    static let city = LookupPath("city", "names", "en")
    static let latitude = LookupPath("location", "latitude")
    static let longitude = LookupPath("location", "longitude")
    static let asn = LookupPath("autonomous_system_number")
    static let asOrganization = LookupPath("autonomous_system_organization")
}
