import GRDB

extension FindingStore {
    /// The SQLite library linked at run time (`SELECT sqlite_version()`), for `vigil --version`:
    /// Vigil links the system's libsqlite3, so the version is the machine's, not the build's.
    package static var sqliteVersion: String {
        (try? DatabaseQueue().read { try String.fetchOne($0, sql: "SELECT sqlite_version()") }) ?? "unknown"
    }
}
