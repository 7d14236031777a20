import Foundation
import Testing

@testable import VigilCore

@Suite struct LineReaderTests {
    /// Reads a file with a given buffer size and returns its lines as strings plus flags.
    func readAll(_ path: String, bufferSize: Int, maxLine: Int = 1 << 20) throws -> [(String, Bool)] {
        let source = try InputSource(path: path)
        let reader = LineReader(source: source, bufferSize: bufferSize, maxLineLength: maxLine)
        var out: [(String, Bool)] = []
        while let line = try reader.next() {
            out.append((String(decoding: line.bytes, as: UTF8.self), line.truncated))
        }
        return out
    }

    @Test func anyBufferSizeGivesTheSameLines() throws {
        let dir = TempDir()
        var rng = SeededRandom(seed: 42)
        for round in 0..<40 {
            var expected: [String] = []
            var text = ""
            for _ in 0..<Int.random(in: 0..<60, using: &rng) {
                let len = Int.random(in: 0..<120, using: &rng)
                let line = String((0..<len).map { _ in "abcdefgh \t{}\"é".randomElement(using: &rng)! })
                expected.append(line)
                text += line + (Bool.random(using: &rng) ? "\r\n" : "\n")
            }
            if !expected.isEmpty && round % 3 == 0 {  // no final newline
                text.removeLast()  // "\r\n" is one Character
            }
            let path = dir.path("in\(round).log")
            try text.write(toFile: path, atomically: true, encoding: .utf8)
            for size in [1, 2, 3, 7, 64, 4096] {
                let lines = try readAll(path, bufferSize: size)
                #expect(lines.map(\.0) == expected, "round \(round), buffer \(size)")
            }
        }
    }

    @Test func overlongLinesAreCutAndFlaggedNotFatal() throws {
        let dir = TempDir()
        let path = dir.path("long.log")
        let long = String(repeating: "x", count: 5000)
        try "a\n\(long)\nb\n".write(toFile: path, atomically: true, encoding: .utf8)
        let lines = try readAll(path, bufferSize: 64, maxLine: 1024)
        #expect(lines.count == 3)
        #expect(lines[0].0 == "a" && lines[2].0 == "b")
        #expect(lines[1].1 == true)
    }

    @Test func megabyteLinesAreRead() throws {
        let dir = TempDir()
        let path = dir.path("mb.jsonl")
        let tool = String(repeating: "t", count: 1 << 20)
        try "{\"timestamp\":\"2026-11-05T09:00:00Z\",\"tool_name\":\"\(tool)\"}\n".write(toFile: path, atomically: true, encoding: .utf8)
        let lines = try readAll(path, bufferSize: 1 << 16, maxLine: LineReader.defaultMaxLineLength)
        #expect(lines.count == 1 && lines[0].1 == false && lines[0].0.count > 1 << 20)
    }

    @Test func gzipIsReadByMagicAndCorruptionIsAnError() throws {
        let dir = TempDir()
        let plain = dir.path("a.log")
        try "one\ntwo\nthree\n".write(toFile: plain, atomically: true, encoding: .utf8)
        let gz = dir.path("a.log.gz")
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/sh")
        p.arguments = ["-c", "gzip -c '\(plain)' > '\(gz)' && cp '\(gz)' '\(dir.path("renamed.txt"))'"]
        try p.run(); p.waitUntilExit()
        #expect(try readAll(gz, bufferSize: 5).map(\.0) == ["one", "two", "three"])
        #expect(try readAll(dir.path("renamed.txt"), bufferSize: 5).map(\.0) == ["one", "two", "three"])
        // cut the gzip file short: the reader must throw a clear error, not crash or hang
        var data = try Data(contentsOf: URL(fileURLWithPath: gz))
        data = data.prefix(data.count - 6)
        let broken = dir.path("broken.gz")
        try data.write(to: URL(fileURLWithPath: broken))
        #expect(throws: VigilError.self) { _ = try readAll(broken, bufferSize: 5) }
    }

    @Test func unreadableInputsAreClearErrors() {
        #expect(throws: VigilError.self) { _ = try InputSource(path: "/nonexistent/auth.log") }
        do {
            _ = try InputSource(path: "/tmp")
            Issue.record("a directory must be refused")
        } catch let e as VigilError {
            #expect(e.description.contains("is a directory"))
        } catch { Issue.record("\(error)") }
    }
}
