import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// The one-writer-at-a-time lock of a findings database: `analyze` and `tail` hold it for
/// their whole run.
///
/// Why a lock and not per-writer state merged afterwards: a writer loads the detectors' state
/// when it starts and stores all of it at each checkpoint, so a second writer's checkpoints
/// overwrite the first's windows, baselines and open findings (found in hardening: two runs on
/// one database gave extra, missing and wrong-count findings, and false P1s). Merging sliding
/// windows and baselines written from interleaved, differently ordered events has no correct
/// answer in general; refusing the second writer has one. Readers (`findings`, `report`,
/// `status`) and triage (`ack`, `suppress`, `prune`) never take it: SQLite's WAL lets them run
/// beside a writer.
///
/// An advisory `flock` on `<database>-lock`, a file beside the database like SQLite's own
/// `-wal` and `-shm`: the kernel releases it when the holder exits, even after `kill -9`, so a
/// crash never leaves a stale lock. The file's text (PID, command, start) only names the
/// holder in the error; it is never trusted for the decision.
package final class WriterLock: Sendable {
    package let path: String
    private let descriptor: Int32

    /// Takes the lock of the database at `databasePath` for `command` (`analyze`, `tail`), or
    /// throws `VigilError.store` naming the process that holds it.
    package init(databasePath: String, command: String) throws {
        path = databasePath + "-lock"
        let fd = Glibc.open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0o644)
        guard fd >= 0 else {
            let reason = String(cString: strerror(errno))
            throw VigilError.store(
                path: databasePath, reason: "cannot create the writer lock \(path) (\(reason))",
                hint: "The database's directory must be writable for analyze and tail.")
        }
        if flock(fd, LOCK_EX | LOCK_NB) != 0 {
            let holder = WriterLock.holderText(fd)
            Glibc.close(fd)
            throw VigilError.store(
                path: databasePath, reason: "the database is in use by \(holder)",
                hint:
                    "One writer at a time: wait for it to finish or stop it, or pass another --db. Reading commands (findings, report, status) work meanwhile."
            )
        }
        descriptor = fd
        let text = "PID \(getpid()) (vigil \(command), since \(EventTime.format(EventTime.wallNow())))\n"
        _ = ftruncate(fd, 0)
        _ = text.utf8CString.withUnsafeBufferPointer { pwrite(fd, $0.baseAddress, $0.count - 1, 0) }
    }

    deinit {
        flock(descriptor, LOCK_UN)
        Glibc.close(descriptor)
    }

    /// What the holder wrote into the lock file (at most one short line, sanitized: it is
    /// read back from disk), or a generic name when it wrote nothing yet.
    private static func holderText(_ fd: Int32) -> String {
        var buffer = [UInt8](repeating: 0, count: 200)
        let count = pread(fd, &buffer, buffer.count, 0)
        guard count > 0 else { return "another Vigil process" }
        let line = buffer[0..<count].prefix { $0 != 0x0a }
        let text = String(decoding: line.map { $0 < 0x20 || $0 == 0x7f ? 0x3f : $0 }, as: UTF8.self)
        return text.isEmpty ? "another Vigil process" : text
    }
}
