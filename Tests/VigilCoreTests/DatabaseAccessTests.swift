import Foundation
import Testing

@testable import VigilCore

#if canImport(Glibc)
    import Glibc
#endif

/// Who may use a findings database at once, with real processes: one writer (`analyze` or
/// `tail`) at a time, refused with the holder's PID and exit 2; the lock dies with its holder
/// (kill -9); readers work beside a writer and on a database they may not write.
@Suite(.serialized) struct DatabaseAccessTests {
    /// Waits until the lock file beside `database` names a holder containing `text`.
    private func waitForLock(_ database: String, containing text: String) -> String? {
        for _ in 0..<200 {
            if let content = try? String(contentsOfFile: database + "-lock", encoding: .utf8), content.contains(text) {
                return content
            }
            usleep(50_000)
        }
        return nil
    }

    @Test func aSecondAnalyzeIsRefusedWhileTheFirstRuns() throws {
        let dir = TempDir()
        let database = dir.path("v.sqlite")
        let first = Process()
        first.executableURL = URL(fileURLWithPath: TailProcessTests.binary)
        first.arguments = ["analyze", "--db", database, "--format", "sshd", "--year", "2026", "-"]
        let input = Pipe()
        first.standardInput = input
        first.standardOutput = FileHandle.nullDevice
        first.standardError = FileHandle.nullDevice
        try first.run()
        // The first run holds the lock while it waits for more standard input.
        let holder = waitForLock(database, containing: "PID \(first.processIdentifier) (vigil analyze")
        #expect(holder != nil)

        let refused = try runVigil(["analyze", "--db", database, "--year", "2026", packageRoot.path + "/fixtures/sshd/auth.log"])
        #expect(refused.status == 2)
        #expect(refused.err.contains("in use by PID \(first.processIdentifier) (vigil analyze"))
        #expect(refused.err.contains("One writer at a time"))

        // Readers are not writers: they run beside it.
        let listed = try runVigil(["findings", "--db", database])
        #expect(listed.status == 0)

        input.fileHandleForWriting.write(Data("Nov  3 07:01:02 host sshd[1]: Failed password for root from 203.0.113.7 port 1 ssh2\n".utf8))
        try input.fileHandleForWriting.close()
        first.waitUntilExit()
        #expect(first.terminationStatus == 0)

        let after = try runVigil(["analyze", "--db", database, "--year", "2026", packageRoot.path + "/fixtures/sshd/auth.log"])
        #expect(after.status == 0, "\(after.err)")
    }

    @Test func analyzeIsRefusedWhileTailRunsAndAllowedOnceItIsKilled() throws {
        let dir = TempDir()
        let database = dir.path("v.sqlite")
        let log = dir.path("auth.log")
        try String(contentsOfFile: packageRoot.path + "/fixtures/sshd/auth.log", encoding: .utf8).write(
            toFile: log, atomically: true, encoding: .utf8)
        let tail = try TailProcessTests.start(["tail", "--db", database, "--year", "2026", log], in: dir)
        #expect(waitForLock(database, containing: "PID \(tail.processIdentifier) (vigil tail") != nil)

        let refused = try runVigil(["analyze", "--db", database, "--year", "2026", log])
        #expect(refused.status == 2)
        #expect(refused.err.contains("in use by PID \(tail.processIdentifier) (vigil tail"))
        let secondTail = try runVigil(["tail", "--db", database, "--idle-exit", "1", log])
        #expect(secondTail.status == 2)

        kill(tail.processIdentifier, SIGKILL)
        tail.waitUntilExit()
        // The kernel released the lock with the process; the stale text in the file is ignored.
        let after = try runVigil(["analyze", "--db", database, "--year", "2026", log])
        #expect(after.status == 0, "\(after.err)")
    }

    @Test func readingCommandsNeverCreateADatabase() throws {
        let dir = TempDir()
        let database = dir.path("typo.sqlite")
        let listed = try runVigil(["findings", "--db", database])
        #expect(listed.status == 2)
        #expect(listed.err.contains("no such database"))
        #expect(!FileManager.default.fileExists(atPath: database))
    }

    /// A database the user may only read (root's, read by `nobody`): `findings`, `status`,
    /// `report` and `baseline` work and write nothing.
    @Test(.enabled(if: getuid() == 0 && FileManager.default.isExecutableFile(atPath: "/usr/sbin/runuser")))
    func readersWorkOnADatabaseTheyCannotWrite() throws {
        let dir = TempDir()
        let database = dir.path("v.sqlite")
        let analyzed = try runVigil(["analyze", "--db", database, "--year", "2026", packageRoot.path + "/fixtures/sshd/auth.log"])
        #expect(analyzed.status == 0)
        chmod(dir.url.path, 0o755)
        let before = try FileManager.default.contentsOfDirectory(atPath: dir.url.path).sorted()
        let commands = [
            ["findings", "--db", database],
            ["status", "--db", database],
            ["report", "--db", database, "--week", "2026-W45", "--format", "md"],
        ]
        for arguments in commands {
            let result = try runProcess(
                URL(fileURLWithPath: "/usr/sbin/runuser"), ["-u", "nobody", "--", TailProcessTests.binary] + arguments)
            #expect(result.status == 0, "\(arguments[0]): \(result.err)")
            if arguments[0] == "findings" { #expect(result.out.contains("auth_failure_burst")) }
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.url.path).sorted() == before)
    }
}
