import Foundation
import Logging
import Testing
import VigilMetrics

@testable import VigilCore

/// The metrics endpoint's limits against real TCP clients on loopback (issue 18, item 6):
/// idle and slowloris connections are closed, connections beyond the cap are closed at once,
/// a client that pipelines without reading is cut off, an oversize head is refused, and each
/// refusal is counted in `vigil_metrics_connections_refused_total{reason}`.
@Suite(.serialized) struct MetricsHardeningTests {
    /// Short timeouts so the suite stays fast; each test widens the ones it does not test.
    /// Answers come from Swift's cooperative pool, which other tests' blocking waits can hold
    /// for seconds, so the write timeout stays wide: a slow answer must not read as a refusal.
    static func testLimits() -> MetricsServerLimits {
        var limits = MetricsServerLimits()
        limits.maxConnections = 4
        limits.idleTimeout = .seconds(1)
        limits.headerTimeout = .seconds(1)
        limits.readTimeout = .seconds(1)
        limits.writeTimeout = .seconds(5)
        limits.maxPipelinedRequests = 4
        return limits
    }

    /// A metrics server on a free loopback port, and that port.
    static func startServer(_ limits: MetricsServerLimits) throws -> (MetricsServer, Int) {
        var lastError: (any Error)?
        for _ in 0..<20 {
            let port = 20_000 + Int(UInt16.random(in: 0..<30_000))
            do {
                let server = try MetricsServer(
                    address: MetricsAddress("127.0.0.1:\(port)"), store: InMemoryStore(), logger: Logger(label: "test.metrics"),
                    limits: limits)
                try server.start()
                return (server, port)
            } catch {
                lastError = error
            }
        }
        throw lastError ?? VigilError.usage("no free port")
    }

    /// Sends `requests` for up to 3 s without reading an answer: how many bytes went out, and
    /// whether the server closed the connection meanwhile.
    static func sendWithoutReading(_ requests: [UInt8], to client: TestTCPClient) -> (offset: Int, serverGone: Bool) {
        var offset = 0
        let sendUntil = ContinuousClock.now + .seconds(3)
        while offset < requests.count && ContinuousClock.now < sendUntil {
            guard let sent = client.sendWithoutWaiting(requests[offset...]) else { return (offset, true) }
            offset += sent
            if sent == 0 { usleep(20_000) }
        }
        return (offset, false)
    }

    /// The refusals counted for one reason so far.
    static func refusals(_ server: MetricsServer, _ reason: String) -> Int {
        refusals(in: String(decoding: server.metrics.render(), as: UTF8.self), reason)
    }

    /// The refusals for one reason in a Prometheus text exposition.
    static func refusals(in text: String, _ reason: String) -> Int {
        let prefix = "vigil_metrics_connections_refused_total{reason=\"\(reason)\"} "
        return text.split(separator: "\n").first { $0.hasPrefix(prefix) }.flatMap { Int($0.dropFirst(prefix.count)) } ?? 0
    }

    static let scrape = "GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"

    /// How long a close may come after the limit that causes it, at most. The limits are
    /// checked on the event loop, but under a loaded machine (two cores, the whole suite in
    /// parallel) a check can run late by seconds; a close that comes late still proves the
    /// limit, one that comes early would not (see `closedNotBefore`).
    static let lateness = Duration.seconds(15)

    /// Waits for `client` to be closed, and tells whether that happened, and not before
    /// `earliest`: a close before the limit could bite was caused by something else.
    static func closedNotBefore(
        _ earliest: ContinuousClock.Instant, _ client: TestTCPClient, limit: Duration
    ) -> (closed: Bool, early: Bool) {
        let closed = client.waitUntilClosed(timeout: (earliest - ContinuousClock.now) + limit + lateness)
        let at = ContinuousClock.now
        return (closed, closed && at < earliest)
    }

    @Test func idleConnectionIsClosedAfterTheIdleTimeout() throws {
        let limits = Self.testLimits()
        let (server, port) = try Self.startServer(limits)
        defer { server.stop() }
        // A request first: a connection that was used is closed once idle too.
        let client = try TestTCPClient(port: port)
        // Before the send: the answer, and the idleness after it, cannot start sooner.
        let sentAt = ContinuousClock.now
        client.send(Self.scrape)
        #expect(client.readResponse(timeout: Self.lateness).hasPrefix("HTTP/1.1 200"))
        let silentSince = ContinuousClock.now  // before the connection is made
        let silent = try TestTCPClient(port: port)
        // Idle from the answer (used) and from the connection (never used): not closed
        // sooner than the idle timeout after that, and closed in the end.
        let used = Self.closedNotBefore(sentAt + limits.idleTimeout, client, limit: .zero)
        #expect(used.closed && !used.early, "used connection: \(used)")
        let unused = Self.closedNotBefore(silentSince + limits.idleTimeout, silent, limit: .zero)
        #expect(unused.closed && !unused.early, "unused connection: \(unused)")
        #expect(Self.refusals(server, "idle_timeout") >= 2)
    }

    /// A client that sends requests and never reads: once its socket's buffer is full the
    /// answer is not taken, and the connection is closed at `writeTimeout` (counted as
    /// `write_timeout`). The pipelining limit is raised out of the way so it cannot be what
    /// bites.
    @Test func anAnswerNotTakenIsCutOffAtTheWriteTimeout() throws {
        var limits = Self.testLimits()
        limits.idleTimeout = .seconds(60)
        limits.headerTimeout = .seconds(60)
        limits.readTimeout = .seconds(60)
        limits.writeTimeout = .seconds(1)
        limits.maxPipelinedRequests = 1_000_000
        let (server, port) = try Self.startServer(limits)
        defer { server.stop() }
        // Answers of some 20 KB: many inputs' series.
        var status = TailStatus()
        status.inputHealth = (0..<50).map {
            InputHealth(path: "/var/log/service-\($0)/a-rather-long-path-name/app.jsonl", readable: true, lagBytes: 0, lastReadAt: 0)
        }
        server.metrics.update(status, alertSinks: [])
        let client = try TestTCPClient(port: port, receiveBuffer: 4096)
        let requests = Array(String(repeating: Self.scrape, count: 2_000).utf8)
        let (_, serverGone) = Self.sendWithoutReading(requests, to: client)
        let closed = serverGone || client.waitUntilClosed(timeout: limits.writeTimeout + Self.lateness, reading: false)
        #expect(closed, "a client that took no answer was never cut off")
        #expect(Self.refusals(server, "write_timeout") == 1)
        #expect(Self.refusals(server, "pipelined_requests") == 0)
    }

    /// A request body over `maxBodyBytes` closes the connection (`body_too_large`); one under
    /// it is answered.
    @Test func oversizeBodyIsCutOff() throws {
        let limits = Self.testLimits()
        let (server, port) = try Self.startServer(limits)
        defer { server.stop() }
        let small = try TestTCPClient(port: port)
        small.send("GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 100\r\n\r\n" + String(repeating: "a", count: 100))
        #expect(small.readResponse(timeout: Self.lateness).hasPrefix("HTTP/1.1 200"), "a 100-byte body is within the limit")
        let large = try TestTCPClient(port: port)
        let length = limits.maxBodyBytes * 4
        large.send("POST /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: \(length)\r\n\r\n")
        large.send(String(repeating: "a", count: limits.maxBodyBytes + 1024))
        #expect(large.waitUntilClosed(timeout: .seconds(2)), "a body over the limit was still being read")
        #expect(Self.refusals(server, "body_too_large") == 1)
        #expect(Self.refusals(server, "read_timeout") == 0)
    }

    @Test func slowlorisHeadIsCutOffAtTheHeaderTimeout() throws {
        var limits = Self.testLimits()
        limits.idleTimeout = .seconds(5)
        let (server, port) = try Self.startServer(limits)
        defer { server.stop() }
        let client = try TestTCPClient(port: port)
        // One byte every 0.5 s: never idle for long, never a complete head (it would take 20 s).
        let head = Array("GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: yes\r\n\r\n".utf8)
        var closed = false
        for byte in head.prefix(12) {
            guard client.send([byte]) else {
                closed = true
                break
            }
            if client.waitUntilClosed(timeout: .milliseconds(500)) {
                closed = true
                break
            }
        }
        #expect(closed, "a head sent one byte per 0.5 s was still open after 6 s")
        #expect(Self.refusals(server, "header_timeout") == 1)
    }

    @Test func connectionsBeyondTheCapAreClosedAndCounted() throws {
        var limits = Self.testLimits()
        limits.idleTimeout = .seconds(10)
        let (server, port) = try Self.startServer(limits)
        defer { server.stop() }
        var admitted: [TestTCPClient] = []
        for _ in 0..<limits.maxConnections {
            let client = try TestTCPClient(port: port)
            client.send(Self.scrape)
            #expect(client.readResponse().hasPrefix("HTTP/1.1 200"))
            admitted.append(client)
        }
        // Keep-alive still answers a second request on an admitted connection.
        admitted[0].send(Self.scrape)
        #expect(admitted[0].readResponse().hasPrefix("HTTP/1.1 200"))
        let excess = try (0..<6).map { _ in try TestTCPClient(port: port) }
        for client in excess {
            #expect(client.waitUntilClosed(timeout: .seconds(2)), "a connection beyond the cap was left open")
        }
        #expect(Self.refusals(server, "max_connections") == excess.count)
        for client in admitted { client.close() }
        // Once the others are gone, a new client is served again.
        var answer = ""
        for _ in 0..<20 where !answer.hasPrefix("HTTP/1.1 200") {
            usleep(100_000)
            let client = try TestTCPClient(port: port)
            client.send(Self.scrape)
            answer = client.readResponse()
        }
        #expect(answer.hasPrefix("HTTP/1.1 200"))
        // At least: under load the admitted connections may take a moment to close, and a
        // retry before that is refused too.
        #expect(Self.refusals(in: answer, "max_connections") >= excess.count)
    }

    @Test func pipeliningWithoutReadingIsCutOff() throws {
        let (server, port) = try Self.startServer(Self.testLimits())
        defer { server.stop() }
        let client = try TestTCPClient(port: port)
        let requests = Array(String(repeating: Self.scrape, count: 10_000).utf8)
        let (offset, serverGone) = Self.sendWithoutReading(requests, to: client)
        // The answers are never read: the server must stop at a bounded number of
        // outstanding answers and close the connection, not buffer 10,000 of them.
        let closed = serverGone || client.waitUntilClosed(timeout: .seconds(4), reading: false)
        #expect(closed, "a client pipelining \(offset / Self.scrape.utf8.count) requests without reading was never cut off")
        #expect(Self.refusals(server, "pipelined_requests") + Self.refusals(server, "write_timeout") >= 1)
    }

    @Test func oversizeRequestHeadIsRefused() throws {
        let (server, port) = try Self.startServer(Self.testLimits())
        defer { server.stop() }
        let client = try TestTCPClient(port: port)
        let head = "GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Fill: \(String(repeating: "a", count: 64 * 1024))\r\n\r\n"
        client.send(head)
        let answer = client.readResponse()
        #expect(!answer.hasPrefix("HTTP/1.1 200"), "a 64 KiB head was served")
        #expect(answer.isEmpty || answer.hasPrefix("HTTP/1.1 431"), "\(answer.prefix(80))")
        #expect(client.waitUntilClosed(timeout: .seconds(2)))
        #expect(Self.refusals(server, "head_too_large") == 1)
    }

    /// The descriptors the endpoint no longer takes are the tail's inputs'; when they run out
    /// anyway, the tail says so and what to do (before: "Check the path.", once per file).
    @Test func tailSaysHowToFixRunningOutOfDescriptors() throws {
        let dir = TempDir()
        let line = #"{"ts":"2026-11-30T10:00:00Z","type":"tool_call","server":"s","tool":"t","session":"x"}"#
        for index in 0..<40 { try (line + "\n").write(toFile: dir.path("f\(index).jsonl"), atomically: false, encoding: .utf8) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        // `ulimit -n` sets the hard limit too, so vigil cannot raise it past 24.
        process.arguments = [
            "-c", #"ulimit -n 24 && exec "$0" tail --db t.sqlite --idle-exit 1 --format mcp-json '*.jsonl'"#, TailProcessTests.binary,
        ]
        process.currentDirectoryURL = dir.url
        let errors = Pipe()
        process.standardOutput = FileHandle.nullDevice
        process.standardError = errors
        try process.run()
        let log = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(log.contains("cannot open: too many open files (the limit of 24 open files is reached)"), "\(log)")
        #expect(log.contains("LimitNOFILE="))
    }
}
