import Foundation
import GRDB
import Testing

@testable import VigilCore

/// What leaves the store when the database fails: always a `VigilError.store` naming the file,
/// never a GRDB error (callers handle one type and print it as it is).
@Suite struct StoreErrorTests {
    /// The path a `VigilError.store` names, or nil for any other error.
    static func storePath(_ error: any Error) -> String? {
        if case let .store(path, _, _) = error as? VigilError { return path }
        return nil
    }

    @Test func aFileThatIsNotSQLiteIsAStoreErrorNamingIt() throws {
        let dir = TempDir()
        let path = dir.path("not-a-database.sqlite")
        try Data(String(repeating: "these are not the pages of an SQLite database\n", count: 100).utf8).write(
            to: URL(fileURLWithPath: path))
        let error = #expect(throws: VigilError.self) { try FindingStore(path: path) }
        #expect(error.map(Self.storePath) == path)
        #expect(error?.description.contains("cannot open the findings database") == true)
    }

    /// A read that fails once the database is open (a table gone) goes through the same boundary.
    @Test func aFailedReadIsAStoreErrorNamingTheFile() throws {
        let dir = TempDir()
        let path = dir.path("v.sqlite")
        let store = try FindingStore(path: path)
        try store.pool.write { try $0.execute(sql: "DROP TABLE suppression") }
        let error = #expect(throws: VigilError.self) { try store.suppressions() }
        #expect(error.map(Self.storePath) == path)
        #expect(error?.description.contains("cannot read the findings database") == true)
        let write = #expect(throws: VigilError.self) { try store.suppress(detector: "*", subject: "x", until: 1, note: "", at: 0) }
        #expect(write.map(Self.storePath) == path)
    }

    /// Not only GRDB's errors: a stored finding whose evidence no longer decodes is reported
    /// the same way, not as a `DecodingError`.
    @Test func anUndecodableRowIsAStoreError() throws {
        let dir = TempDir()
        let path = dir.path("v.sqlite")
        let store = try FindingStore(path: path)
        var checkpoint = Checkpoint()
        checkpoint.findings = [AlertTests.finding(1)]
        try store.commit(checkpoint)
        try store.pool.write { try $0.execute(sql: "UPDATE finding SET evidence = 'not json'") }
        let error = #expect(throws: VigilError.self) { try store.findings(FindingQuery()) }
        #expect(error.map(Self.storePath) == path)
    }
}
