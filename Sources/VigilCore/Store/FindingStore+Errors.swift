import Foundation
import GRDB

/// The store's error boundary. Every database access of `FindingStore` goes through `read`,
/// `write` or `writeWithoutTransaction` here, so whatever fails inside — a GRDB
/// `DatabaseError`, a stored row that no longer decodes — leaves the store as a
/// `VigilError.store` naming the file and what to do. Callers (and a second backend's callers)
/// handle one error type and never import GRDB to do it.
extension FindingStore {
    /// What the store was doing when it failed, for the message and the hint.
    enum Access {
        case open, openForReading, read, write
    }

    func read<T>(_ body: (Database) throws -> T) throws -> T {
        try FindingStore.translatingErrors(path: path, .read) { try pool.read(body) }
    }

    func write<T>(_ body: (Database) throws -> T) throws -> T {
        try FindingStore.translatingErrors(path: path, .write) { try pool.write(body) }
    }

    /// For statements that cannot run in a transaction (`VACUUM`).
    func writeWithoutTransaction<T>(_ body: (Database) throws -> T) throws -> T {
        try FindingStore.translatingErrors(path: path, .write) { try pool.writeWithoutTransaction(body) }
    }

    /// Runs `body`, turning any error but a `VigilError` (already meant for the user) into
    /// `VigilError.store`.
    static func translatingErrors<T>(path: String, _ access: Access, _ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as VigilError {
            throw error
        } catch let error as StoredValueError {
            throw VigilError.store(
                path: path, reason: "a stored value is not one Vigil writes: \(error)",
                hint:
                    "The row was changed outside Vigil, or the file is damaged: correct or delete that row (sqlite3), then run the command again."
            )
        } catch {
            let cause = (error as? DatabaseError).map { $0.message ?? $0.description } ?? "\(error)"
            let (reason, hint): (String, String)
            switch access {
            case .open:
                (reason, hint) = (
                    "cannot open the findings database", "Check that the path is writable and is a Vigil SQLite file, or pass another --db."
                )
            case .openForReading:
                (reason, hint) = (
                    "cannot open the findings database for reading",
                    "Check that the path is a Vigil SQLite file you can read. A copy needs its -wal and -shm files beside it (or none: copy it after the writer stopped), or a directory you can write to."
                )
            case .read:
                (reason, hint) = (
                    "cannot read the findings database", "Check that the path is a Vigil SQLite file and readable, or pass another --db."
                )
            case .write:
                (reason, hint) = ("cannot write findings", "Check free disk space and that no other program holds the database.")
            }
            throw VigilError.store(path: path, reason: "\(reason) (\(cause))", hint: hint)
        }
    }
}
