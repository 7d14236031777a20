import Foundation
import Testing

@testable import VigilCore

#if canImport(Glibc)
    import Glibc
#endif

/// A `journal:DIR` input is read per group of files (one writer's: `remote-web1.journal` and
/// its archives), each group with its own cursor: a host's backlog that arrives after other
/// hosts' newer entries (stamped before the directory's newest entry) is read, and only once.
@Suite(.serialized) struct JournalGroupTests {
    typealias Journal = JournalTests

    /// An archived file's name, as journald and journal-remote give it (`STEM@seqnum id-seqnum-time.journal`).
    static func archivedName(_ stem: String, _ number: Int = 1) -> String {
        "\(stem)@0123456789abcdef0123456789abcdef-\(String(format: "%016x", number))-0006431e3c1f0000.journal"
    }

    /// The lines recorded for every journal input of the database, summed.
    static func journalLines(_ database: String) throws -> Int64 {
        try FindingStore(path: database).inputRecords().filter { $0.path.hasPrefix("journal:") }.reduce(0) { $0 + $1.lines }
    }

    static func findingCount(_ database: String, subject: String) throws -> Int? {
        let out = try runVigil(["findings", "--db", database, "--output", "jsonl"]).out
        let finding = Journal.lines(out).first { ($0["subject"] as? String) == subject && ($0["rule"] as? String) == "auth_failure_burst" }
        return finding?["count"] as? Int
    }

    /// File names to groups: the stem before `@` (an archive) or `.journal`; anything that is
    /// not a journal file is no group; an `@` not followed by an archive's hex is the name's.
    @Test func fileNamesMakeGroups() throws {
        #expect(JournalGroup.stem(ofFile: "remote-web1.journal") == "remote-web1")
        #expect(JournalGroup.stem(ofFile: Self.archivedName("remote-web1")) == "remote-web1")
        #expect(JournalGroup.stem(ofFile: "system@00061a2b3c4d5e6f-0123456789abcdef.journal~") == "system")
        #expect(JournalGroup.stem(ofFile: "user-1000.journal") == "user-1000")
        #expect(JournalGroup.stem(ofFile: "odd@name.journal") == "odd@name")
        #expect(JournalGroup.stem(ofFile: "notes.txt") == nil && JournalGroup.stem(ofFile: ".journal") == nil)

        let dir = TempDir()
        let machine = "0123456789abcdef0123456789abcdef"
        for name in ["remote-a.journal", Self.archivedName("remote-a"), "remote-ab.journal", "x.txt", "\(machine)/system.journal"] {
            try FileManager.default.createDirectory(
                atPath: (dir.path(name) as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            _ = FileManager.default.createFile(atPath: dir.path(name), contents: Data())
        }
        try FileManager.default.createDirectory(atPath: dir.path("other"), withIntermediateDirectories: true)
        _ = FileManager.default.createFile(atPath: dir.path("other/deep.journal"), contents: Data())
        let query = try #require(JournalQuery(input: "journal:\(dir.url.path)/", matches: []))
        let groups = try query.groupQueries()
        let root = dir.url.standardizedFileURL.resolvingSymlinksInPath().path
        #expect(
            groups.map(\.name) == [
                "journal:\(dir.url.path)/remote-a", "journal:\(dir.url.path)/remote-ab", "journal:\(dir.url.path)/\(machine)/system",
            ],
            "files in the directory and in machine-ID subdirectories, as journalctl --directory reads them")
        #expect(groups.first?.identity == "journal:\(root)/remote-a")
        #expect(
            try groups.first?.arguments(after: nil, follow: false)
                == [
                    "--output=json", "--all", "--quiet", "--no-pager", "--file=\(root)/remote-a.journal",
                    "--file=\(root)/\(Self.archivedName("remote-a"))",
                ]
                + JournalQuery.defaultMatches,
            "each file of the group named, not remote-ab's")
        let file = try #require(JournalQuery(input: "journal:\(dir.path("remote-a.journal"))", matches: []))
        #expect(file.isCovered(by: groups[0]) && !file.isCovered(by: groups[1]))
    }

    /// The bug this design fixes: host b's backlog, sent after an outage and stamped before
    /// host a's entries that were analyzed already, was never read (journalctl merges a
    /// directory by time, and one cursor for it placed the backlog behind). Per group, it is
    /// read by the next run, and a run after that reads nothing again.
    @Test func aHostsLateBacklogIsReadOnce() throws {
        let dir = TempDir()
        let remote = dir.path("remote")
        try FileManager.default.createDirectory(atPath: remote, withIntermediateDirectories: true)
        let database = dir.path("v.sqlite")
        try Journal.writeJournal(
            Journal.failures(from: "203.0.113.1", count: 3, startingAt: 0, host: "b"), to: remote + "/remote-b.journal")
        try Journal.writeJournal(
            Journal.failures(from: "203.0.113.2", count: 3, startingAt: 1000, host: "a"), to: remote + "/remote-a.journal")
        let first = try runVigil(["analyze", "--db", database, "journal:\(remote)/"])
        #expect(first.status == 0, "\(first.err)")
        #expect(first.out.contains("6 lines, 6 events from 2 inputs"), "\(first.out)")
        #expect(first.out.contains("journal:\(remote)/remote-a  [journal-json, detected]  3 lines"), "\(first.out)")

        // Host b was cut off at second 2; its journal-upload sends what it logged meanwhile.
        try Journal.writeJournal(
            Journal.failures(from: "198.51.100.77", count: 8, startingAt: 100, host: "b"), to: remote + "/remote-b.journal")
        let second = try runVigil(["analyze", "--db", database, "journal:\(remote)/"])
        #expect(second.status == 0, "\(second.err)")
        #expect(second.out.contains("8 lines, 8 events"), "the backlog is read: \(second.out)")
        #expect(try Self.findingCount(database, subject: "198.51.100.77") == 8, "its brute force is found")

        let third = try runVigil(["analyze", "--db", database, "journal:\(remote)/"])
        #expect(third.out.contains("0 lines, 0 events"), "nothing is read twice: \(third.out)")
        #expect(try Self.findingCount(database, subject: "198.51.100.77") == 8)
        #expect(try Self.journalLines(database) == 14)

        let status = try runVigil(["status", "--db", database]).out
        for stem in ["remote-a", "remote-b"] {
            #expect(
                status.contains("journal:\(remote)/\(stem)") && status.components(separatedBy: "after journal cursor s=").count == 3,
                "each group's position is listed: \(status)")
        }
    }

    /// A group's active file archived (`remote-a@….journal`) and a new one started: the next
    /// run reads the new entries, and nothing of the archived file again. A file named beside
    /// its directory, before or after it, is read once (its group holds it).
    @Test func aRotatedGroupIsReadOnAndAFileBesideItsDirectoryOnce() throws {
        let dir = TempDir()
        let remote = dir.path("remote")
        try FileManager.default.createDirectory(atPath: remote, withIntermediateDirectories: true)
        let database = dir.path("v.sqlite")
        try Journal.writeJournal(
            Journal.failures(from: "203.0.113.3", count: 3, startingAt: 0, host: "a"), to: remote + "/remote-a.journal")
        #expect(try runVigil(["analyze", "--quiet", "--db", database, "journal:\(remote)/"]).status == 0)
        try FileManager.default.moveItem(atPath: remote + "/remote-a.journal", toPath: remote + "/" + Self.archivedName("remote-a"))
        try Journal.writeJournal(
            Journal.failures(from: "203.0.113.3", count: 4, startingAt: 60, host: "a"), to: remote + "/remote-a.journal")
        let rotated = try runVigil(["analyze", "--db", database, "journal:\(remote)/"])
        #expect(rotated.out.contains("4 lines, 4 events from 1 input") && rotated.out.contains("continued after line 3"), "\(rotated.out)")
        let again = try runVigil(["analyze", "--db", database, "journal:\(remote)/"])
        #expect(again.out.contains("0 lines"), "\(again.out)")
        #expect(try Self.journalLines(database) == 7)

        for order in [
            ["journal:\(remote)/remote-a.journal", "journal:\(remote)/"], ["journal:\(remote)/", "journal:\(remote)/remote-a.journal"],
        ] {
            let fresh = dir.path("fresh-\(order[0].count).sqlite")
            let both = try runVigil(["analyze", "--db", fresh] + order)
            #expect(both.out.contains("7 lines, 7 events from 1 input") && both.out.contains("read once"), "\(order): \(both.out)")
        }
    }

    /// `tail journal:DIR`: a host's late backlog, a new host's journal (with its past), and a
    /// group's rotation while following are all analyzed, each entry once.
    @Test func tailReadsABacklogANewHostAndARotation() throws {
        let dir = TempDir()
        let remote = dir.path("remote")
        try FileManager.default.createDirectory(atPath: remote, withIntermediateDirectories: true)
        let database = dir.path("v.sqlite")
        try Journal.writeJournal(
            Journal.failures(from: "203.0.113.1", count: 3, startingAt: 0, host: "b"), to: remote + "/remote-b.journal")
        try Journal.writeJournal(
            Journal.failures(from: "203.0.113.2", count: 3, startingAt: 1000, host: "a"), to: remote + "/remote-a.journal")
        let process = try TailProcessTests.start(
            ["tail", "--no-alerts", "--checkpoint-interval", "0.2", "--db", database, "journal:\(remote)/"], in: dir)
        defer {
            if process.isRunning {
                kill(process.processIdentifier, SIGTERM)
                process.waitUntilExit()
            }
        }
        func waitForLines(_ count: Int64) -> Int64? {
            var seen: Int64?
            for _ in 0..<150 {
                seen = try? Self.journalLines(database)
                if seen == count { break }
                usleep(100_000)
            }
            return seen
        }
        #expect(waitForLines(6) == 6)
        try Journal.writeJournal(
            Journal.failures(from: "198.51.100.77", count: 8, startingAt: 100, host: "b"), to: remote + "/remote-b.journal")
        #expect(waitForLines(14) == 14, "host b's backlog is read")
        try Journal.writeJournal(
            Journal.failures(from: "198.51.100.88", count: 8, startingAt: 200, host: "c"), to: remote + "/remote-c.journal")
        #expect(waitForLines(22) == 22, "a new host's journal is read from its start")
        try FileManager.default.moveItem(atPath: remote + "/remote-a.journal", toPath: remote + "/" + Self.archivedName("remote-a"))
        try Journal.writeJournal(
            Journal.failures(from: "203.0.113.2", count: 2, startingAt: 1100, host: "a"), to: remote + "/remote-a.journal")
        #expect(waitForLines(24) == 24, "a group's new active file is read after its rotation")
        usleep(1_500_000)
        #expect(waitForLines(24) == 24, "nothing is read twice")
        kill(process.processIdentifier, SIGTERM)
        process.waitUntilExit()
        #expect(try Self.findingCount(database, subject: "198.51.100.77") == 8)
        #expect(try Self.findingCount(database, subject: "198.51.100.88") == 8)

        let restarted = try runVigil(["tail", "--no-alerts", "--idle-exit", "1", "--db", database, "journal:\(remote)/"])
        #expect(restarted.status == 0 && restarted.err.contains(": 0 lines"), "\(restarted.err)")
        #expect(try Self.journalLines(database) == 24)
    }

    /// `reanalyze` of a directory input reads every group again, once.
    @Test func reanalyzeReadsEveryGroupAgain() throws {
        let dir = TempDir()
        let remote = dir.path("remote")
        try FileManager.default.createDirectory(atPath: remote, withIntermediateDirectories: true)
        let database = dir.path("v.sqlite")
        try Journal.writeJournal(
            Journal.failures(from: "203.0.113.1", count: 8, startingAt: 0, host: "b"), to: remote + "/remote-b.journal")
        try Journal.writeJournal(
            Journal.failures(from: "203.0.113.2", count: 3, startingAt: 1000, host: "a"), to: remote + "/remote-a.journal")
        #expect(try runVigil(["analyze", "--quiet", "--db", database, "journal:\(remote)/"]).status == 0)
        let again = try runVigil(["reanalyze", "--db", database])
        #expect(again.status == 0, "\(again.err)")
        #expect(again.out.contains("11 lines, 11 events from 2 inputs"), "\(again.out)")
        #expect(try Self.findingCount(database, subject: "203.0.113.1") == 8)
        let next = try runVigil(["analyze", "--db", database, "journal:\(remote)/"])
        #expect(next.out.contains("0 lines"), "\(next.out)")
    }
}
