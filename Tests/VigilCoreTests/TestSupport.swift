import Foundation

@testable import VigilCore

/// Decodes one line with a fresh decoder of `format`; returns the result and the event.
func decodeLine(
    _ text: String, _ format: LogFormat, year: Int? = 2026,
    anchor: Int64 = EventTime.millis(year: 2026, month: 11, day: 29, hour: 0, minute: 0, second: 0),
    symbols: SymbolTable = SymbolTable()
) -> (DecodeResult, Event, SymbolTable) {
    let decoder = DecodeContext(symbols: symbols, yearAnchor: anchor, fixedYear: year).makeDecoder(format)!
    var e = Event()
    var t = text
    let r = t.withUTF8 { decoder.decode(UnsafeRawBufferPointer($0), into: &e) }
    return (r, e, symbols)
}

/// Decodes several lines with one decoder (so per-connection state carries over).
func decodeLines(_ lines: [String], _ format: LogFormat, year: Int? = 2026) -> [(DecodeResult, Event)] {
    let symbols = SymbolTable()
    let decoder = DecodeContext(symbols: symbols, yearAnchor: 0, fixedYear: year).makeDecoder(format)!
    return lines.map { line in
        var e = Event()
        var t = line
        let r = t.withUTF8 { decoder.decode(UnsafeRawBufferPointer($0), into: &e) }
        return (r, e)
    }
}

func ms(_ iso: String) -> Int64 {
    var s = iso
    return s.withUTF8 { EventTime.parseISO8601(UnsafeRawBufferPointer($0))!.0 }
}

/// A scratch directory removed when the value goes away.
final class TempDir {
    let url: URL
    init() {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("vigil-test-\(UUID().uuidString)")
        try! FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }
    func path(_ name: String) -> String { url.appendingPathComponent(name).path }
    /// A copy of the shipped policy in `policies/`, with `fixtures/` linked beside it (its
    /// GeoIP paths are relative to it: ../fixtures/geoip), for tests that move or edit it.
    func copyShippedPolicy() throws {
        try FileManager.default.copyItem(atPath: packageRoot.appendingPathComponent("policies").path, toPath: path("policies"))
        try FileManager.default.createSymbolicLink(
            atPath: path("fixtures"), withDestinationPath: packageRoot.appendingPathComponent("fixtures").path)
    }
    deinit { try? FileManager.default.removeItem(at: url) }
}

/// Deterministic pseudo-random numbers, so property tests are reproducible.
typealias SeededRandom = SplitMix64

let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

/// Runs the built `vigil` binary; returns exit status, stdout and stderr.
@discardableResult
func runVigil(
    _ args: [String], stdin: Data? = nil, cwd: URL = packageRoot, tool: String = "vigil"
) throws -> (status: Int32, out: String, err: String) {
    let candidates = [
        URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent(tool),
        packageRoot.appendingPathComponent(".build/debug/\(tool)"),
    ]
    guard let binary = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0.path) }) else {
        throw VigilError.usage("\(tool) binary not built; run swift build")
    }
    return try runProcess(binary, args, stdin: stdin, cwd: cwd)
}

/// Runs a program to its end; returns exit status, stdout and stderr.
func runProcess(
    _ binary: URL, _ args: [String], stdin: Data? = nil, cwd: URL = packageRoot
) throws -> (
    status: Int32, out: String, err: String
) {
    let p = Process()
    p.executableURL = binary
    p.arguments = args
    p.currentDirectoryURL = cwd
    let out = Pipe(), err = Pipe(), input = Pipe()
    p.standardOutput = out
    p.standardError = err
    p.standardInput = input
    try p.run()
    if let stdin { input.fileHandleForWriting.write(stdin) }
    try input.fileHandleForWriting.close()
    let o = out.fileHandleForReading.readDataToEndOfFile()
    let e = err.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    return (p.terminationStatus, String(decoding: o, as: UTF8.self), String(decoding: e, as: UTF8.self))
}

/// Drives detectors directly with synthetic events, one line each.
final class DetectorHarness {
    let context = DetectionContext(symbols: SymbolTable())
    let detectors: [Detector]
    var line: Int64 = 0

    init(policy: Policy, enricher: Enricher? = nil) {
        context.findings.enricher = enricher
        detectors = DetectorRegistry.make(policy, enricher: enricher)
        context.inputNames = ["test.log"]
    }

    func feed(
        _ time: String, ip: String, server: String? = nil, _ outcome: Outcome, attempts: UInt32 = 1,
        key: String? = nil, user: String? = nil, status: Int32 = 0
    ) {
        var e = Event()
        e.status = status
        e.time = ms(time)
        e.clientIP = IPAddress(ip)
        e.outcome = outcome
        e.attempts = attempts
        if let server { e.server = context.symbols.intern(server) }
        if let key { e.apiKey = context.symbols.intern(key) }
        if let user { e.user = context.symbols.intern(user) }
        line += 1
        e.line = line
        for d in detectors { d.observe(e, context: context) }
    }

    /// Feeds an event built by `build` (MCP fields and the like), after the common fields:
    /// `feedMCP("2026-11-05T09:00:00Z", ip: "192.0.2.1") { e, s in e.method = s.intern("tools/list") }`.
    func feedMCP(
        _ time: String, ip: String? = nil, server: String? = nil, _ outcome: Outcome = .success, key: String? = nil,
        user: String? = nil, status: Int32 = 200, session: String? = nil, method: String? = nil, tool: String? = nil,
        build: (inout Event, SymbolTable) -> Void = { _, _ in }
    ) {
        var e = Event()
        e.time = ms(time)
        e.clientIP = ip.flatMap { IPAddress($0) }
        e.outcome = outcome
        e.status = status
        let symbols = context.symbols
        if let server { e.server = symbols.intern(server) }
        if let key { e.apiKey = symbols.intern(key) }
        if let user { e.user = symbols.intern(user) }
        if let session { e.session = SessionKey(id: session) }
        if let method { e.method = symbols.intern(method) }
        if let tool { e.tool = symbols.intern(tool) }
        build(&e, symbols)
        line += 1
        e.line = line
        for d in detectors { d.observe(e, context: context) }
    }

    /// Moves every detector's watermark (what a pipeline does as event time passes).
    func advance(to time: String) {
        for d in detectors { d.advance(to: ms(time), context: context) }
    }

    var findings: [Finding] { context.drainFindings(detectors) }
}

extension AlertSinkStatus {
    /// The counts alone, without when the pending alerts were created and are tried next
    /// (wall-clock times a test cannot spell).
    var counts: AlertSinkStatus {
        var c = self
        c.oldestPendingAt = nil
        c.nextAttemptAt = nil
        return c
    }
}
