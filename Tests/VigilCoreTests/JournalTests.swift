import Foundation
import Testing

@testable import VigilCore

#if canImport(Glibc)
    import Glibc
#endif

/// Issue 13, "the systemd journal, natively": `journal:` inputs read through journalctl, on
/// real journal files written by Debian's `systemd-journal-remote` from the export format.
@Suite(.serialized) struct JournalTests {
    static let remote = "/lib/systemd/systemd-journal-remote"
    /// 2026-11-05T00:00:00Z in microseconds.
    static let day: Int64 = 1_793_836_800_000_000

    /// One entry in the journal export format; a field that is not plain ASCII is written in
    /// the binary form (name, newline, 64-bit little-endian length, bytes, newline).
    static func entry(
        second: Int64, _ message: [UInt8], host: String = "web1", pid: Int = 4000, identifier: String = "sshd-session",
        comm: String? = nil
    ) -> [UInt8] {
        var out: [UInt8] = []
        func field(_ name: String, _ value: [UInt8]) {
            if value.contains(where: { $0 < 0x20 || $0 >= 0x80 }) {
                out += Array(name.utf8) + [0x0a]
                withUnsafeBytes(of: UInt64(value.count).littleEndian) { out += Array($0) }
                out += value + [0x0a]
            } else {
                out += Array("\(name)=".utf8) + value + [0x0a]
            }
        }
        let micros = day + second * 1_000_000
        field("__REALTIME_TIMESTAMP", Array(String(micros).utf8))
        field("__MONOTONIC_TIMESTAMP", Array(String(micros - day + 1_000_000).utf8))
        field("_BOOT_ID", Array("5c1e0a6b9d2f4e3a8b7c6d5e4f3a2b1c".utf8))
        field("_HOSTNAME", Array(host.utf8))
        field("SYSLOG_IDENTIFIER", Array(identifier.utf8))
        // journald's own record of the process (what the writer cannot choose).
        field("_COMM", Array((comm ?? identifier).utf8))
        field("_PID", Array(String(pid).utf8))
        field("MESSAGE", message)
        return out + [0x0a]
    }

    static func entry(
        second: Int64, _ message: String, host: String = "web1", pid: Int = 4000, identifier: String = "sshd-session",
        comm: String? = nil
    )
        -> [UInt8]
    {
        entry(second: second, Array(message.utf8), host: host, pid: pid, identifier: identifier, comm: comm)
    }

    /// `count` failed passwords from `address`, one connection (pid) each, a second apart.
    static func failures(from address: String, count: Int, startingAt second: Int64, host: String = "web1") -> [UInt8] {
        (0..<count).flatMap { index in
            entry(
                second: second + Int64(index), "Failed password for root from \(address) port \(50000 + index) ssh2", host: host,
                pid: 7000 + Int(second) + index)
        }
    }

    /// Writes (or appends to) a real journal file, as a collector's systemd-journal-remote does.
    static func writeJournal(_ export: [UInt8], to path: String) throws {
        let result = try runProcess(URL(fileURLWithPath: remote), ["-o", path, "-"], stdin: Data(export))
        #expect(result.status == 0, "systemd-journal-remote: \(result.err)")
    }

    static func lines(_ text: String) -> [[String: Any]] {
        text.split(separator: "\n").compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
    }

    static func journalLines(_ database: String) throws -> Int64? {
        try FindingStore(path: database).inputRecords().first { $0.path.hasPrefix("journal:") }?.lines
    }

    // MARK: decoding

    /// Time from `__REALTIME_TIMESTAMP` (no year guessed), host from `_HOSTNAME`, the sshd
    /// category from `MESSAGE`; a message that is not UTF-8 (journalctl prints it as a byte
    /// array) is decoded as bytes, not malformed; other programs are left out by the default
    /// match, and `--journal-match` selects others.
    @Test func decodesAJournalFile() throws {
        let dir = TempDir()
        let journal = dir.path("sshd.journal")
        var export = Self.entry(second: 3600, "Failed password for root from 203.0.113.50 port 52000 ssh2", host: "web1", pid: 41000)
        export += Self.entry(
            second: 3700, Array("Invalid user ".utf8) + [0xff, 0xfe] + Array("admin from 192.0.2.77 port 33512".utf8), pid: 6001)
        export += Self.entry(second: 3800, "Accepted publickey for alice from 198.51.100.23 port 40022 ssh2: ED25519 SHA256:x", host: "db1")
        export += Self.entry(second: 3900, "(root) CMD (run-parts /etc/cron.hourly)", identifier: "CRON")
        try Self.writeJournal(export, to: journal)

        let decoded = try runVigil(["decode", "journal:\(journal)"])
        #expect(decoded.status == 0, "\(decoded.err)")
        let events = Self.lines(decoded.out)
        #expect(events.count == 3, "\(decoded.out)")
        guard events.count == 3 else { return }
        #expect(events[0]["time"] as? String == "2026-11-05T01:00:00.000Z")
        #expect(events[0]["server"] as? String == "web1")
        #expect(events[0]["operation"] as? String == "password" && events[0]["outcome"] as? String == "auth_failure")
        #expect(events[0]["client_ip"] as? String == "203.0.113.50")
        #expect(events[0]["file"] as? String == "journal:\(journal)", "the input is named journal:PATH")
        #expect(events[1]["operation"] as? String == "invalid_user" && events[1]["client_ip"] as? String == "192.0.2.77")
        #expect(events[2]["server"] as? String == "db1" && events[2]["outcome"] as? String == "success")

        let stats = try runVigil(["decode", "--stats", "journal:\(journal)"])
        #expect(stats.out.contains("format journal-json, 3 lines, 3 decoded, 0 ignored, 0 malformed"), "\(stats.out)")

        let db1 = try runVigil(["decode", "--journal-match", "_HOSTNAME=db1", "journal:\(journal)"])
        #expect(Self.lines(db1.out).map { $0["server"] as? String } == ["db1"], "\(db1.out)\(db1.err)")

        let injected = try runVigil(["decode", "--journal-match=--file=/etc/passwd", "journal:\(journal)"])
        #expect(injected.status == 2 && injected.err.contains("--file is not a journal field name"), "\(injected.err)")
        let bare = try runVigil(["decode", "--journal-match", "sshd", "journal:\(journal)"])
        #expect(bare.status == 2 && bare.err.contains("sshd is not FIELD=VALUE"), "\(bare.err)")
    }

    /// `--format journal-json` reads `journalctl -o json` output saved in a file or piped in,
    /// and `--format auto` recognizes it: the same events as the `journal:` input.
    @Test func journalJSONInFilesAndOnStandardInput() throws {
        let dir = TempDir()
        let journal = dir.path("sshd.journal")
        var export = Self.failures(from: "203.0.113.50", count: 3, startingAt: 100)
        export += Self.entry(second: 200, Array("Invalid user ".utf8) + [0xc3, 0x28] + Array(" from 192.0.2.77 port 1".utf8), pid: 9)
        try Self.writeJournal(export, to: journal)
        let json = try runProcess(URL(fileURLWithPath: "/usr/bin/journalctl"), ["-o", "json", "--file", journal])
        #expect(json.status == 0 && json.out.contains("\"MESSAGE\":[73,"), "journalctl prints the non-UTF-8 message as bytes")
        let saved = dir.path("sshd.json")
        try json.out.write(toFile: saved, atomically: true, encoding: .utf8)

        func events(_ output: String) -> [String] {
            Self.lines(output).map { "\($0["time"] ?? "") \($0["client_ip"] ?? "") \($0["operation"] ?? "") \($0["server"] ?? "")" }
        }
        let native = try runVigil(["decode", "journal:\(journal)"])
        let file = try runVigil(["decode", "--format", "journal-json", saved])
        let piped = try runVigil(["decode", "-"], stdin: Data(json.out.utf8))
        #expect(events(native.out).count == 4)
        #expect(events(file.out) == events(native.out), "\(file.err)")
        #expect(events(piped.out) == events(native.out), "auto-detected on stdin: \(piped.err)")
        #expect(Self.lines(piped.out).first?["format"] as? String == "journal-json")
    }

    @Test func decoderReadsTheFieldsJournalctlPrints() {
        func line(_ fields: String) -> String { "{\(fields)}" }
        let base = #""__CURSOR":"s=1;i=2","__REALTIME_TIMESTAMP":"1793840400123456","_HOSTNAME":"web1","SYSLOG_IDENTIFIER":"sshd""#
        let (result, event, symbols) = decodeLine(
            line(base + #","_PID":"42","MESSAGE":"Failed password for root from 203.0.113.5 port 1 ssh2""#), .journalJSON)
        #expect(result == .event)
        #expect(event.time == 1_793_840_400_123, "microseconds to milliseconds, no year guessed")
        #expect(symbols.string(event.server) == "web1")
        #expect(event.outcome == .authFailure && event.clientIP == IPAddress("203.0.113.5"))

        let bytes =
            #","MESSAGE":[73,110,118,97,108,105,100,32,117,115,101,114,32,255,32,102,114,111,109,32,49,46,50,46,51,46,52,32,112,111,114,116,32,49]"#
        let (byteResult, byteEvent, byteSymbols) = decodeLine(line(base + bytes), .journalJSON)
        #expect(byteResult == .event && byteEvent.clientIP == IPAddress("1.2.3.4"))
        let invalidUTF8: [UInt8] = [0xff]
        // The user name's bytes reach the sshd parser as they were (which stores an implausible
        // name by its redacted marker, as for a syslog line), not U+FFFD or a decoding error.
        let userBytes = invalidUTF8.withUnsafeBytes { SecretRedaction.loginName($0, symbols: byteSymbols) }
        #expect(byteEvent.user == userBytes, "the user name's bytes, kept as they were")

        let escaped = #","MESSAGE":"Failed password for r\u006fot from 203.0.113.5 port 1 ssh2""#
        let (_, escapedEvent, escapedSymbols) = decodeLine(line(base + escaped), .journalJSON)
        #expect(escapedSymbols.string(escapedEvent.user) == "root")

        #expect(
            decodeLine(line(#""__REALTIME_TIMESTAMP":"1793840400123456","SYSLOG_IDENTIFIER":"CRON","MESSAGE":"x""#), .journalJSON).0
                == .ignored)
        #expect(
            decodeLine(line(#""SYSLOG_IDENTIFIER":"sshd","MESSAGE":"x""#), .journalJSON).0
                == .malformed("missing or invalid __REALTIME_TIMESTAMP"))
        #expect(
            decodeLine(line(#""__REALTIME_TIMESTAMP":"1","SYSLOG_IDENTIFIER":"sshd""#), .journalJSON).0
                == .malformed("missing or invalid MESSAGE"))
    }

    @Test func decoderFollowsTheCursorOfTheLinesItRead() {
        let decoder = JournalJSONDecoder(context: DecodeContext(symbols: SymbolTable(), yearAnchor: 0))
        var event = Event()
        for index in 1...3 {
            var text = #"{"__CURSOR":"c\#(index)","__REALTIME_TIMESTAMP":"1793840400000000","SYSLOG_IDENTIFIER":"CRON","MESSAGE":"x"}"#
            _ = text.withUTF8 { decoder.decode(UnsafeRawBufferPointer($0), into: &event) }
        }
        #expect(decoder.cursor(beforeLastLine: false) == "c3")
        #expect(decoder.cursor(beforeLastLine: true) == "c2", "a checkpoint with an event decoded ahead resumes before it")
    }

    /// A line that stands for two events (a success releasing another user's held failures)
    /// is decoded twice: the second decode is the same entry, so a checkpoint taken with its
    /// second event ahead resumes before that entry, not after it.
    @Test func aLineDecodedAgainKeepsItsCursor() {
        let decoder = JournalJSONDecoder(context: DecodeContext(symbols: SymbolTable(), yearAnchor: 0))
        var event = Event()
        func decode(_ cursor: String, _ message: String) -> DecodeResult {
            var text =
                #"{"__CURSOR":"\#(cursor)","__REALTIME_TIMESTAMP":"1793840400000000","SYSLOG_IDENTIFIER":"sshd","_PID":"7","_HOSTNAME":"h","MESSAGE":"\#(message)"}"#
            return text.withUTF8 { decoder.decode(UnsafeRawBufferPointer($0), into: &event) }
        }
        #expect(decode("c1", "Failed publickey for git from 192.0.2.1 port 1 ssh2: RSA SHA256:x") == .event)
        let accepted = "Accepted password for root from 192.0.2.1 port 1 ssh2"
        #expect(decode("c2", accepted) == .eventAndMore)
        #expect(decoder.cursor(beforeLastLine: true) == "c1")
        #expect(decode("c2", accepted) == .event)
        #expect(event.outcome == .success && event.failuresBefore == 1)
        #expect(decoder.cursor(beforeLastLine: true) == "c1", "the entry of the event ahead is read again on resume")
        #expect(decoder.cursor(beforeLastLine: false) == "c2")
    }

    /// The journalctl command lines: the local journal (`journal:`) names no file, a
    /// directory is `--directory`, a file `--file`; the cursor, `--follow` and matches last.
    @Test func journalctlArguments() throws {
        let dir = TempDir()
        let file = dir.path("one.journal")
        _ = FileManager.default.createFile(atPath: file, contents: Data())
        let local = try #require(JournalQuery(input: "journal:", matches: []))
        #expect(local.path == nil && local.identity == "journal:")
        #expect(
            try local.arguments(after: "s=1;i=2", follow: false)
                == [
                    "--output=json", "--all", "--quiet", "--no-pager", "--after-cursor=s=1;i=2", "_COMM=sshd", "_COMM=sshd-session",
                    "_COMM=sshd-auth",
                ])
        let directory = try #require(JournalQuery(input: "journal:\(dir.url.path)/", matches: ["_SYSTEMD_UNIT=ssh.service"]))
        #expect(directory.identity == "journal:\(dir.url.standardizedFileURL.path)", "the same directory named with or without /")
        #expect(
            try directory.arguments(after: nil, follow: true)
                == [
                    "--output=json", "--all", "--quiet", "--no-pager", "--directory=\(dir.url.standardizedFileURL.path)", "--follow",
                    "--lines=all",
                    "_SYSTEMD_UNIT=ssh.service",
                ])
        let single = try #require(JournalQuery(input: "journal:\(file)", matches: []))
        #expect(
            try single.arguments(after: nil, follow: false) == ["--output=json", "--all", "--quiet", "--no-pager", "--file=\(file)"]
                + JournalQuery.defaultMatches)
        #expect(JournalQuery(input: "/var/log/auth.log", matches: []) == nil)
        #expect(throws: VigilError.self) { try JournalQuery(input: "journal:\(dir.path("missing"))", matches: [])!.sourceArguments() }
    }

    // MARK: analyze: exactly once

    /// A brute force in a journal file is found; a re-run reads nothing twice; entries the
    /// collector appends later are read, and only they.
    @Test func analyzeFindsABruteForceAndReadsNothingTwice() throws {
        let dir = TempDir()
        let journal = dir.path("remote-web1.journal")
        let database = dir.path("v.sqlite")
        try Self.writeJournal(Self.failures(from: "203.0.113.50", count: 8, startingAt: 0), to: journal)

        let first = try runVigil(["analyze", "--db", database, "journal:\(journal)"])
        #expect(first.status == 0, "\(first.err)")
        #expect(first.out.contains("journal:\(journal)  [journal-json, detected]  8 lines, 8 events"), "\(first.out)")
        let findings = try runVigil(["findings", "--db", database, "--output", "jsonl"]).out
        #expect(findings.contains(#""rule":"auth_failure_burst""#) && findings.contains("203.0.113.50"), "\(findings)")
        #expect(findings.contains("\"at\":\"journal:\(journal):1\""), "evidence names the journal input: \(findings)")

        let again = try runVigil(["analyze", "--db", database, "journal:\(journal)"])
        #expect(again.out.contains("0 lines, 0 events") && again.out.contains("continued after line 8"), "\(again.out)")

        try Self.writeJournal(Self.failures(from: "198.51.100.9", count: 3, startingAt: 600), to: journal)
        let appended = try runVigil(["analyze", "--db", database, "journal:\(journal)"])
        #expect(appended.out.contains("3 lines, 3 events") && appended.out.contains("continued after line 8"), "\(appended.out)")
        let status = try runVigil(["status", "--db", database]).out
        #expect(status.contains("line 11, after journal cursor s="), "\(status)")
        #expect(status.contains("times from the journal") && !status.contains("the year from the file's date"), "\(status)")
    }

    /// `logger -t sshd` lets any local user write entries whose SYSLOG_IDENTIFIER is sshd; the
    /// process journald records (`_COMM`) is `logger`. Such an entry must not pass for sshd:
    /// not through the default match, not through `--format journal-json`.
    @Test func anEntryThatOnlyCallsItselfSSHDIsNotSSHD() throws {
        let dir = TempDir()
        let journal = dir.path("forged.journal")
        var export = Self.failures(from: "203.0.113.51", count: 2, startingAt: 0)
        export += Self.entry(
            second: 10, "Accepted password for root from 198.51.100.99 port 1 ssh2", pid: 9999, identifier: "sshd", comm: "logger")
        try Self.writeJournal(export, to: journal)
        let decoded = try runVigil(["decode", "journal:\(journal)"])
        #expect(decoded.status == 0, "\(decoded.err)")
        #expect(!decoded.out.contains("198.51.100.99") && decoded.out.contains("203.0.113.51"), "\(decoded.out)")
        let json =
            #"{"__REALTIME_TIMESTAMP":"1793840400000000","SYSLOG_IDENTIFIER":"sshd","_COMM":"logger","_PID":"9","_HOSTNAME":"h","MESSAGE":"Accepted password for root from 198.51.100.99 port 1 ssh2"}"#
        #expect(decodeLine(json, .journalJSON).0 == .ignored)
    }

    /// A journal named twice — through a symbolic link, or as a file of a directory named
    /// before it — is read once, as plain files are (its failures were counted twice).
    @Test func aJournalNamedTwiceIsReadOnce() throws {
        let dir = TempDir()
        try FileManager.default.createDirectory(atPath: dir.path("fleet"), withIntermediateDirectories: true)
        let journal = dir.path("fleet/web1.journal")
        try Self.writeJournal(Self.failures(from: "203.0.113.52", count: 8, startingAt: 0), to: journal)
        try FileManager.default.createSymbolicLink(atPath: dir.path("link.journal"), withDestinationPath: journal)
        let linked = try runVigil(["analyze", "--db", dir.path("a.sqlite"), "journal:\(journal)", "journal:\(dir.path("link.journal"))"])
        #expect(linked.out.contains("8 lines, 8 events from 1 input"), "\(linked.out)")
        let nested = try runVigil(["analyze", "--db", dir.path("b.sqlite"), "journal:\(dir.path("fleet"))/", "journal:\(journal)"])
        #expect(nested.out.contains("8 lines, 8 events from 1 input"), "\(nested.out)")
        let findings = try runVigil(["findings", "--db", dir.path("b.sqlite"), "--output", "jsonl"]).out
        #expect(findings.contains(#""count":8"#), "\(findings)")
    }

    /// `vigil reanalyze` reads a journal input again from its oldest entry (it was reported
    /// as gone: there is no file at `journal:PATH`), and the next run continues after its end.
    @Test func reanalyzeReadsAJournalAgain() throws {
        let dir = TempDir()
        let journal = dir.path("remote-web1.journal")
        let database = dir.path("v.sqlite")
        try Self.writeJournal(Self.failures(from: "203.0.113.50", count: 7, startingAt: 0), to: journal)
        #expect(try runVigil(["analyze", "--quiet", "--db", database, "journal:\(journal)"]).status == 0)
        let again = try runVigil(["reanalyze", "--db", database])
        #expect(again.status == 0, "\(again.err)")
        #expect(again.out.contains("journal:\(journal)  [journal-json]  7 lines, 7 events"), "\(again.out)")
        #expect(again.out.contains("1 findings produced again") || again.out.contains("1 finding produced again"), "\(again.out)")
        let next = try runVigil(["analyze", "--db", database, "journal:\(journal)"])
        #expect(next.out.contains("0 lines") && next.out.contains("continued after line 7"), "\(next.out)")
    }

    /// A cursor whose entry was vacuumed (the collector's old files deleted while Vigil was
    /// stopped) is reported, and reading resumes at the oldest entry left, counted.
    @Test func aVacuumedCursorIsReportedAndReadingResumesAtTheOldestEntry() throws {
        let dir = TempDir()
        let remote = dir.path("remote")
        try FileManager.default.createDirectory(atPath: remote, withIntermediateDirectories: true)
        let database = dir.path("v.sqlite")
        let archived = remote + "/" + JournalGroupTests.archivedName("remote-web1")
        try Self.writeJournal(Self.failures(from: "203.0.113.50", count: 5, startingAt: 0), to: archived)
        let first = try runVigil(["analyze", "--db", database, "journal:\(remote)/"])
        #expect(first.out.contains("5 lines, 5 events"), "\(first.out)\(first.err)")

        try FileManager.default.removeItem(atPath: archived)
        try Self.writeJournal(Self.failures(from: "198.51.100.9", count: 4, startingAt: 3600), to: remote + "/remote-web1.journal")
        let resumed = try runVigil(["analyze", "--db", database, "journal:\(remote)/"])
        #expect(resumed.status == 0, "\(resumed.err)")
        #expect(resumed.out.contains("is no longer in the journal") && resumed.out.contains("oldest entry"), "\(resumed.out)")
        #expect(resumed.out.contains("4 lines, 4 events"), "every entry left is read: \(resumed.out)")
        let third = try runVigil(["analyze", "--db", database, "journal:\(remote)/"])
        #expect(third.out.contains("0 lines") && !third.out.contains("no longer in the journal"), "\(third.out)")
    }

    /// A database from before groups holds one cursor for a directory: each group goes on
    /// from where that cursor places it, so nothing analyzed then is counted again (reading
    /// the groups from their start would have counted every entry twice).
    @Test func aDirectoryCursorFromBeforeGroupsIsWhereEachGroupGoesOn() throws {
        let dir = TempDir()
        let remote = dir.path("remote")
        try FileManager.default.createDirectory(atPath: remote, withIntermediateDirectories: true)
        try Self.writeJournal(Self.failures(from: "203.0.113.1", count: 3, startingAt: 0, host: "b"), to: remote + "/remote-b.journal")
        try Self.writeJournal(Self.failures(from: "203.0.113.2", count: 3, startingAt: 1000, host: "a"), to: remote + "/remote-a.journal")
        // What a run before groups recorded: the directory, after its newest entry (a's last).
        let scratch = dir.path("scratch.sqlite")
        #expect(try runVigil(["analyze", "--quiet", "--db", scratch, "journal:\(remote)/"]).status == 0)
        var record = try #require(try FindingStore(path: scratch).inputRecords().first { $0.path.hasSuffix("/remote-a") })
        let identity = "journal:" + URL(fileURLWithPath: remote).standardizedFileURL.resolvingSymlinksInPath().path
        record.fingerprint = EventStream.journalFingerprint(identity: identity)
        record.path = "journal:\(remote)/"
        record.absolutePath = identity
        record.lines = 6
        let database = dir.path("v.sqlite")
        var checkpoint = Checkpoint()
        checkpoint.inputs = [record]
        checkpoint.now = EventTime.wallNow()
        _ = try FindingStore(path: database).commit(checkpoint)

        try Self.writeJournal(Self.failures(from: "203.0.113.2", count: 1, startingAt: 1100, host: "a"), to: remote + "/remote-a.journal")
        let upgraded = try runVigil(["analyze", "--db", database, "journal:\(remote)/"])
        #expect(upgraded.status == 0, "\(upgraded.err)")
        #expect(upgraded.out.contains("1 lines, 1 events from 2 inputs"), "only the entry written since: \(upgraded.out)")
        #expect(upgraded.out.contains("the position recorded for the whole directory"), "\(upgraded.out)")
        let again = try runVigil(["analyze", "--db", database, "journal:\(remote)/"])
        #expect(again.out.contains("0 lines") && !again.out.contains("no longer in the journal"), "\(again.out)")

        // Once the groups are read, a group without a record is a new host: from its start,
        // past entries (stamped before the old directory cursor) included.
        try Self.writeJournal(Self.failures(from: "203.0.113.3", count: 2, startingAt: 500, host: "c"), to: remote + "/remote-c.journal")
        let newHost = try runVigil(["analyze", "--db", database, "journal:\(remote)/"])
        #expect(newHost.out.contains("2 lines, 2 events from 3 inputs"), "\(newHost.out)")
        #expect(!newHost.out.contains("the position recorded for the whole directory"), "\(newHost.out)")
    }

    // MARK: tail

    /// `vigil tail journal:PATH` follows entries appended while it runs, and after a restart
    /// continues after the last committed cursor: entries written while it was stopped are
    /// read, none twice.
    @Test func tailFollowsAJournalAndResumesAfterRestart() throws {
        let dir = TempDir()
        let journal = dir.path("remote-web1.journal")
        let database = dir.path("v.sqlite")
        try Self.writeJournal(Self.failures(from: "203.0.113.50", count: 3, startingAt: 0), to: journal)
        let process = try TailProcessTests.start(
            ["tail", "--no-alerts", "--checkpoint-interval", "0.2", "--db", database, "journal:\(journal)"], in: dir)
        func waitForLines(_ count: Int64) throws -> Int64? {
            var seen: Int64?
            for _ in 0..<150 {
                seen = try? Self.journalLines(database)
                if seen == count { break }
                usleep(100_000)
            }
            return seen
        }
        #expect(try waitForLines(3) == 3)
        try Self.writeJournal(Self.failures(from: "203.0.113.50", count: 5, startingAt: 60), to: journal)
        #expect(try waitForLines(8) == 8, "entries appended while the tail runs are read")
        kill(process.processIdentifier, SIGTERM)
        process.waitUntilExit()

        try Self.writeJournal(Self.failures(from: "198.51.100.9", count: 2, startingAt: 120), to: journal)
        let restarted = try runVigil(["tail", "--no-alerts", "--idle-exit", "1", "--db", database, "journal:\(journal)"])
        #expect(restarted.status == 0, "\(restarted.err)")
        #expect(restarted.err.contains("after line 8") && restarted.err.contains("stopped after"), "\(restarted.err)")
        #expect(restarted.err.contains(": 2 lines, 2 events"), "only what was written while stopped: \(restarted.err)")
        let findings = try runVigil(["findings", "--db", database, "--output", "jsonl"]).out
        #expect(findings.contains(#""subject":"203.0.113.50""#), "\(findings)")
    }

    /// `tail --from-end` on a journal never read starts after its last entry and records that
    /// position at once: a restart reads what came since, not the journal from its start.
    @Test func tailFromEndStartsAtTheJournalsEndAndKeepsIt() throws {
        let dir = TempDir()
        let journal = dir.path("remote.journal")
        let database = dir.path("v.sqlite")
        try Self.writeJournal(Self.failures(from: "203.0.113.50", count: 5, startingAt: 0), to: journal)
        let first = try runVigil(["tail", "--from-end", "--no-alerts", "--idle-exit", "1", "--db", database, "journal:\(journal)"])
        #expect(first.status == 0 && first.err.contains(": 0 lines"), "\(first.err)")
        try Self.writeJournal(Self.failures(from: "198.51.100.9", count: 3, startingAt: 600), to: journal)
        let second = try runVigil(["tail", "--no-alerts", "--idle-exit", "1", "--db", database, "journal:\(journal)"])
        #expect(second.err.contains(": 3 lines"), "only the entries written since: \(second.err)")
    }

    /// A tail of a journal directory that does not exist yet (the collector not set up) waits
    /// for it, as it waits for a log file, and reads it once it appears.
    @Test func tailWaitsForAJournalDirectoryToAppear() throws {
        let dir = TempDir()
        let remote = dir.path("remote")
        let database = dir.path("v.sqlite")
        let process = try TailProcessTests.start(["tail", "--no-alerts", "--db", database, "journal:\(remote)/"], in: dir)
        usleep(1_500_000)
        #expect(process.isRunning, "a missing journal directory does not end the tail")
        try FileManager.default.createDirectory(atPath: remote, withIntermediateDirectories: true)
        try Self.writeJournal(Self.failures(from: "203.0.113.50", count: 3, startingAt: 0), to: remote + "/remote-web1.journal")
        var lines: Int64? = nil
        for _ in 0..<100 where lines != 3 {
            usleep(100_000)
            lines = try? Self.journalLines(database)
        }
        kill(process.processIdentifier, SIGTERM)
        process.waitUntilExit()
        #expect(lines == 3)
    }

    /// kill -9 while a tail follows a journal the collector keeps appending to, then a
    /// restart: every entry is analyzed exactly once (the cursor is committed with the
    /// findings it produced), and the findings are those of one batch run.
    @Test func killNineWhileTailingAJournalReadsEveryEntryOnce() throws {
        let dir = TempDir()
        let journal = dir.path("remote.journal")
        // 1,200 bursts of 7 failed passwords, each from its own address, in 6 appends.
        let bursts = 1200
        let total = Int64(bursts * 7)
        func chunk(_ index: Int) -> [UInt8] {
            (index * 200..<(index + 1) * 200).flatMap { burst in
                Self.failures(from: "10.\(burst / 250).\(burst % 250).1", count: 7, startingAt: Int64(burst) * 10)
            }
        }
        let database = dir.path("tail.sqlite")
        try Self.writeJournal(chunk(0), to: journal)
        let process = try TailProcessTests.start(
            ["tail", "--no-alerts", "--checkpoint-interval", "0.1", "--db", database, "journal:\(journal)"], in: dir)
        for index in 1..<3 { try Self.writeJournal(chunk(index), to: journal) }
        for _ in 0..<1000 where ((try? Self.journalLines(database)) ?? 0) == 0 { usleep(10_000) }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        let atKill = (try? Self.journalLines(database)) ?? 0
        for index in 3..<6 { try Self.writeJournal(chunk(index), to: journal) }
        #expect(atKill > 0 && atKill < total, "killed part-way (at \(atKill) of \(total))")

        let restarted = try runVigil(["tail", "--no-alerts", "--idle-exit", "1", "--db", database, "journal:\(journal)"])
        #expect(restarted.status == 0, "\(restarted.err)")
        #expect(try Self.journalLines(database) == total, "every entry once, none twice")
        let rest = (total - atKill).formatted(.number.grouping(.automatic).locale(Locale(identifier: "en_US")))
        #expect(restarted.err.contains("after line") && restarted.err.contains(": \(rest) lines"), "\(restarted.err)")
        let batch = dir.path("batch.sqlite")
        #expect(try runVigil(["analyze", "--quiet", "--db", batch, "journal:\(journal)"]).status == 0)
        let batchFindings = try runVigil(["findings", "--db", batch, "--output", "jsonl"]).out
        let tailFindings = try runVigil(["findings", "--db", database, "--output", "jsonl"]).out
        #expect(Self.lines(batchFindings).count >= bursts && tailFindings == batchFindings)
    }

    /// The weekly report counts a journal's sshd entries as SSH, as it counts an auth log's
    /// (hourly counts keyed as `sshd`), not as requests of some unknown source.
    @Test func theReportCountsJournalEntriesAsSSH() throws {
        let dir = TempDir()
        let journal = dir.path("remote.journal")
        let database = dir.path("v.sqlite")
        try Self.writeJournal(Self.failures(from: "203.0.113.50", count: 8, startingAt: 0), to: journal)
        #expect(try runVigil(["analyze", "--quiet", "--db", database, "journal:\(journal)"]).status == 0)
        let report = try runVigil(["report", "--db", database, "--week", "2026-W45", "--format", "md"])
        #expect(report.status == 0, "\(report.err)")
        #expect(report.out.contains("Events analyzed: 8 (0 requests)"), "\(report.out)")
        #expect(report.out.contains("SSH\\: 8 failed login attempts"), "\(report.out)")
    }

    // MARK: fixture

    /// The shipped journal fixture (built from its export file) gives its golden findings,
    /// in `analyze` and in `tail`.
    @Test func theJournalFixtureGivesItsGoldenFindings() throws {
        let build = try runProcess(packageRoot.appendingPathComponent("scripts/build-journal-fixture.sh"), [])
        #expect(build.status == 0, "\(build.err)")
        let golden = try String(
            contentsOfFile: packageRoot.appendingPathComponent("fixtures/journal/sshd.expected.jsonl").path, encoding: .utf8)
        for command in [["analyze", "--quiet"], ["tail", "--quiet", "--no-alerts", "--idle-exit", "0.5"]] {
            let dir = TempDir()
            let database = dir.path("db.sqlite")
            let run = try runVigil(command + ["--db", database, "journal:fixtures/journal/sshd.journal"])
            #expect(run.status == 0, "\(run.err)")
            let out = try runVigil(["findings", "--db", database, "--output", "jsonl"])
            #expect(out.out == golden, "\(command[0]): findings of the journal fixture differ from its golden file (make golden)")
        }
    }
}
