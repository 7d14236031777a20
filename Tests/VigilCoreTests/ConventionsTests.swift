import Foundation
import Testing

@testable import VigilCore

/// Issue 17, "progress and conventions": `--version` with build information, a man page and
/// shell completions installed by `make install`, `tail --log-format json`, `analyze
/// --progress`; and `decode --stats` counting ignored lines by program.
@Suite struct ConventionsTests {
    @Test func versionSaysWhatTheBinaryWasBuiltWith() throws {
        let result = try runVigil(["--version"])
        #expect(result.status == 0, "\(result.err)")
        let lines = result.out.split(separator: "\n").map(String.init)
        #expect(lines.first == "vigil \(Vigil.version)", "first line as scripts expect: \(result.out)")
        // The tests run the debug build.
        #expect(result.out.contains("build: debug, Swift 6."), "\(result.out)")
        #expect(result.out.contains("Linux x86_64") || result.out.contains("Linux arm64") || result.out.contains("macOS"))
        #expect(try Regex(#"SQLite: 3\.\d+\.\d+"#).firstMatch(in: result.out) != nil, "\(result.out)")
        #expect(try Regex(#"libmaxminddb: \d+\.\d+"#).firstMatch(in: result.out) != nil, "\(result.out)")
    }

    /// Every command and subcommand, and every visible long option, from the binary's own
    /// description of its arguments.
    static func commandsAndOptions() throws -> (commands: Set<String>, options: Set<String>) {
        let dump = try runVigil(["--experimental-dump-help"])
        let root = try JSONSerialization.jsonObject(with: Data(dump.out.utf8)) as! [String: Any]
        var commands = Set<String>(), options = Set<String>()
        func walk(_ command: [String: Any]) {
            for argument in command["arguments"] as? [[String: Any]] ?? [] where argument["shouldDisplay"] as? Bool != false {
                for name in argument["names"] as? [[String: Any]] ?? [] where name["kind"] as? String == "long" {
                    options.insert(name["name"] as! String)
                }
            }
            for sub in command["subcommands"] as? [[String: Any]] ?? [] where sub["commandName"] as? String != "help" {
                commands.insert(sub["commandName"] as! String)
                walk(sub)
            }
        }
        walk(root["command"] as! [String: Any])
        return (commands, options)
    }

    /// dist/man/vigil.1 is generated (`make man`) and committed: a command or option added
    /// without regenerating it fails here.
    @Test func manPageCoversEveryCommandAndOption() throws {
        let page = try String(contentsOf: packageRoot.appendingPathComponent("dist/man/vigil.1"), encoding: .utf8)
        let (commands, options) = try Self.commandsAndOptions()
        #expect(commands.isSuperset(of: ["analyze", "tail", "report", "decode", "policy", "lint"]))
        let missingCommands = commands.filter { !page.contains(".It Em \($0)\n") }
        let missingOptions = options.filter { !page.contains("Fl -\($0)") }
        #expect(
            missingCommands.isEmpty && missingOptions.isEmpty,
            "dist/man/vigil.1 is out of date (run `make man`): \(missingCommands.sorted()) \(missingOptions.sorted())")
    }

    /// `make install-files` (what `make install` runs after the release build) into a staging
    /// DESTDIR: the binary, the man page and the three shells' completions, where each looks.
    @Test func makeInstallPutsEverythingUnderThePrefix() throws {
        let dir = TempDir()
        let binary = TailProcessTests.binary
        let make = try runProcess(
            URL(fileURLWithPath: "/usr/bin/env"),
            ["make", "-s", "install-files", "DESTDIR=\(dir.path("stage"))", "PREFIX=/opt/vigil", "VIGIL_BIN=\(binary)"])
        #expect(make.status == 0, "\(make.out)\(make.err)")
        let root = dir.path("stage") + "/opt/vigil"
        #expect(FileManager.default.isExecutableFile(atPath: root + "/bin/vigil"))
        let manual = try String(contentsOfFile: root + "/share/man/man1/vigil.1", encoding: .utf8)
        #expect(manual.contains(".Dt VIGIL 1"))
        let bash = try String(contentsOfFile: root + "/share/bash-completion/completions/vigil", encoding: .utf8)
        let zsh = try String(contentsOfFile: root + "/share/zsh/site-functions/_vigil", encoding: .utf8)
        let fish = try String(contentsOfFile: root + "/share/fish/vendor_completions.d/vigil.fish", encoding: .utf8)
        for command in try Self.commandsAndOptions().commands where command != "lint" && command != "test" {
            #expect(bash.contains(command) && zsh.contains(command) && fish.contains(command), "completions name \(command)")
        }
        #expect(bash.contains("--log-format") && zsh.contains("--progress") && fish.contains("mask-secret-file"))
        let installed = try runProcess(URL(fileURLWithPath: root + "/bin/vigil"), ["--version"])
        #expect(installed.status == 0 && installed.out.hasPrefix("vigil "))
    }

    /// `tail --log-format json`: every line on standard error is one JSON object (time, level,
    /// label, message, metadata), the stop summary and errors included; text stays the default.
    @Test func tailLogsJSONLinesOnRequest() throws {
        let dir = TempDir()
        let log = dir.path("auth\u{1B}[31m.log")
        try "Nov  3 07:01:00 bastion sshd[600]: Failed password for alice from 203.0.113.70 port 42000 ssh2\n".write(
            toFile: log, atomically: true, encoding: .utf8)
        let arguments = ["tail", "--db", dir.path("t.sqlite"), "--year", "2026", "--idle-exit", "0.5", log, dir.path("later-*.log")]
        let json = try runVigil(arguments + ["--log-format", "json"])
        #expect(json.status == 0, "\(json.err)")
        let lines = json.err.split(separator: "\n").map(String.init)
        let objects = lines.compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
        #expect(objects.count == lines.count && lines.count >= 3, "every line is JSON: \(json.err)")
        for object in objects {
            #expect(Set(object.keys) == ["time", "level", "label", "source", "message", "metadata"], "\(object)")
            #expect((object["time"] as? String)?.hasSuffix("Z") == true && object["metadata"] is [String: Any])
        }
        let levels = objects.compactMap { $0["level"] as? String }
        #expect(levels.contains("info") && levels.contains("warning"), "\(levels)")
        let messages = objects.compactMap { $0["message"] as? String }
        #expect(messages.contains { $0.contains("following") && $0.contains("\\x1b") }, "file names escaped: \(messages)")
        #expect(messages.contains { $0.contains("stopped after") }, "the stop summary too")
        #expect(!json.err.contains("\u{1B}"), "no raw escape reaches the log")

        let failed = try runVigil(arguments + ["--log-format", "json", "--policy", dir.path("no-such-policy")])
        #expect(failed.status == 2)
        let error = failed.err.split(separator: "\n").last.flatMap {
            try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
        }
        #expect(
            error?["level"] as? String == "error" && (error?["message"] as? String)?.contains("no-such-policy") == true, "\(failed.err)")

        let text = try runVigil(["tail", "--db", dir.path("t2.sqlite"), "--year", "2026", "--idle-exit", "0.5", log])
        #expect(text.err.contains("info vigil.tail:") && !text.err.contains(#""level""#), "text by default: \(text.err)")
    }

    /// `decode --stats` on a syslog input counts the ignored lines by program (text and JSON):
    /// the top ten by name, the rest as "other programs". Program names are the attacker's
    /// choice: bounded in number tracked, cut in length, escaped on the terminal.
    @Test func decodeStatsCountIgnoredLinesByProgram() throws {
        let dir = TempDir()
        var lines = ["Nov  3 07:01:00 bastion sshd[600]: Failed password for alice from 203.0.113.70 port 42000 ssh2"]
        for (program, count) in [("CRON", 5), ("sudo", 4), ("su", 3), ("kernel", 2), ("ftpd", 1)] {
            for index in 0..<count { lines.append("Nov  3 07:02:0\(index) bastion \(program)[\(700 + index)]: something of no interest") }
        }
        // A program with an escape in its name, an empty line, then 1,500 distinct made-up
        // programs: only the first 1,000 names are tracked; the rest count as "other".
        lines.append("Nov  3 07:04:00 bastion evil\u{1B}[2J[1]: noise")
        lines.append("")
        for index in 0..<1500 { lines.append("Nov  3 07:03:00 bastion prog\(index)[1]: noise") }
        let log = dir.path("auth.log")
        try (lines.joined(separator: "\n") + "\n").write(toFile: log, atomically: true, encoding: .utf8)

        let text = try runVigil(["decode", "--stats", "--format", "sshd", "--year", "2026", log])
        #expect(text.status == 0, "\(text.err)")
        #expect(
            text.out.contains(
                "  ignored by program: CRON 5, sudo 4, su 3, kernel 2, (empty line) 1, evil\\x1b 1, ftpd 1, prog0 1, prog1 1, prog10 1, other programs 1,497"
            ),
            "\(text.out)")
        #expect(!text.out.contains("\u{1B}"))

        let json = try runVigil(["decode", "--stats", "--output", "json", "--format", "sshd", "--year", "2026", log])
        let stats = try #require(try JSONSerialization.jsonObject(with: Data(json.out.utf8)) as? [[String: Any]]).first
        let programs = stats?["ignored_by_program"] as? [[String: Any]] ?? []
        #expect(
            programs.count == 10 && programs.first?["name"] as? String == "CRON" && programs.first?["lines"] as? Int == 5, "\(json.out)")
        #expect(stats?["ignored_other_programs"] as? Int == 1497)
        let listed = programs.reduce(0) { $0 + ($1["lines"] as? Int ?? 0) }
        #expect(listed + 1497 == stats?["ignored"] as? Int, "every ignored line is counted once")

        // Access logs have no program: no table.
        let access = try runVigil([
            "decode", "--stats", "--output", "json", packageRoot.appendingPathComponent("fixtures/combined/access.log").path,
        ])
        #expect(access.status == 0 && !access.out.contains("ignored_by_program"), "\(access.out.prefix(300))")
    }

    /// The table of program names holds at most `maxDistinct` names whatever the input: a name
    /// first seen after that is counted with "other", however frequent.
    @Test func programTallyIsBounded() {
        var tally = BoundedTally(maxDistinct: 1000, maxNameLength: 8)
        for index in 0..<2000 { tally.add("p\(index)") }
        for _ in 0..<50 { tally.add("late") }
        tally.add("averyveryverylongname")
        tally.add("averyveryverylongname-too")
        let (top, other) = tally.top(3)
        #expect(!top.contains { $0.name == "late" } && other == 2052 - 3, "\(top) \(other)")
        var small = BoundedTally(maxDistinct: 10, maxNameLength: 8)
        small.add("averyveryverylongname")
        small.add("averyveryverylongname-too")
        #expect(small.top(5).entries == [.init(name: "averyver…", lines: 2)], "names are cut, so long ones cannot grow the table")
    }

    /// The progress line: each input's share, bytes, lines/s and time left, cut to the width.
    @Test func progressLineSaysHowFarAndHowLong() {
        let snapshot = AnalysisProgress.Snapshot(
            files: [
                .init(path: "/var/log/auth.log", done: 50_000_000, startedAt: 0, total: 100_000_000),
                .init(path: "/logs/mcp\u{1B}.jsonl", done: 30_000_000, startedAt: 10_000_000, total: 40_000_000),
            ],
            lines: 1_200_000)
        // 70 MB read this run in 2 s: 35 MB/s, 60 MB left, so about 2 s.
        #expect(
            snapshot.line(elapsedSeconds: 2, width: 200)
                == "auth.log 50%, mcp\\x1b.jsonl 75% · 80.0 MB of 140.0 MB · 600 k lines/s · about 2 s left")
        #expect(snapshot.line(elapsedSeconds: 2, width: 40).count == 39, "never wider than the terminal")
        let read = AnalysisProgress.Snapshot(files: [.init(path: "a.log", done: 5_000, startedAt: 0, total: 5_000)], lines: 100)
        #expect(read.line(elapsedSeconds: 1) == "a.log 100% · 5 kB of 5 kB · 100 lines/s · finishing")
        let stdin = AnalysisProgress.Snapshot(files: [.init(path: "-", done: 2_000, startedAt: 0, total: nil)], lines: 30)
        #expect(stdin.line(elapsedSeconds: 3) == "- · 2 kB · 10 lines/s", "no size, no time left")
    }

    /// `analyze --progress always` draws on standard error while it runs (here: standard input
    /// fed slowly) and erases the line at the end; `auto` draws nothing when standard error is
    /// not a terminal, and standard output is the summary alone either way.
    @Test func analyzeShowsProgressOnlyWhereAsked() throws {
        let dir = TempDir()
        func analyze(_ mode: String) throws -> (status: Int32, out: String, err: String) {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: TailProcessTests.binary)
            process.arguments = [
                "analyze", "--db", dir.path("\(mode).sqlite"), "--year", "2026", "--format", "sshd", "--progress", mode, "-",
            ]
            let input = Pipe(), out = Pipe(), err = Pipe()
            process.standardInput = input
            process.standardOutput = out
            process.standardError = err
            try process.run()
            for second in 0..<4 {
                let line =
                    "Nov  3 07:01:0\(second) bastion sshd[\(600 + second)]: Failed password for alice from 203.0.113.70 port 4200\(second) ssh2\n"
                input.fileHandleForWriting.write(Data(line.utf8))
                usleep(300_000)
            }
            try input.fileHandleForWriting.close()
            let outData = out.fileHandleForReading.readDataToEndOfFile()
            let errData = err.fileHandleForReading.readDataToEndOfFile()
            process.waitUntilExit()
            return (process.terminationStatus, String(decoding: outData, as: UTF8.self), String(decoding: errData, as: UTF8.self))
        }
        let always = try analyze("always")
        #expect(always.status == 0, "\(always.err)")
        #expect(always.err.hasPrefix("\r") && always.err.contains("lines/s"), "\(always.err.debugDescription)")
        #expect(always.err.hasSuffix("\r\u{1B}[K"), "the line is erased at the end: \(always.err.debugDescription)")
        #expect(always.out.contains("4 lines") && !always.out.contains("\r"), "\(always.out)")
        for mode in ["auto", "never"] {
            let quiet = try analyze(mode)
            #expect(
                quiet.status == 0 && !quiet.err.contains("\r") && !quiet.err.contains("lines/s"), "\(mode): \(quiet.err.debugDescription)")
        }
    }
}
