import CMaxMindDB

extension GeoIPDatabase {
    /// The libmaxminddb linked at run time, for `vigil --version` (a GeoIP database that will
    /// not open is often an old library).
    package static var libraryVersion: String { String(cString: MMDB_lib_version()) }
}
