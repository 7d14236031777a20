import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A real HTTP/1.1 receiver on 127.0.0.1 for alert tests: records each POST body and answers
/// as told (200, a failure status, a redirect, or never).
final class TestHTTPReceiver: @unchecked Sendable {
    enum Mode: Sendable {
        case ok
        /// Answers with this status the first `times` requests, then 200.
        case fail(status: Int, times: Int)
        /// Answers with this status until `seconds` after the receiver started (an outage of
        /// that length), then 200.
        case failFor(status: Int, seconds: TimeInterval)
        /// Answers `302 Found` with a `Location` back to itself: a redirect loop.
        case redirectToSelf
        /// Reads the request and never answers.
        case hang
    }

    private let lock = NSLock()
    private var bodies: [String] = []
    private var requests = 0
    private let mode: Mode
    private let listener: Int32
    let port: Int
    private var stopped = false
    private let started = Date()

    init(mode: Mode) throws {
        self.mode = mode
        let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        self.listener = listener
        var yes: Int32 = 1
        setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &yes, socklen_t(MemoryLayout<Int32>.size))
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = 0
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(listener, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, listen(listener, 16) == 0 else { throw POSIXError(.EADDRINUSE) }
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(listener, $0, &len) } }
        port = Int(UInt16(bigEndian: addr.sin_port))
        startAccepting()
    }

    private func startAccepting() {
        let thread = Thread { [self] in acceptLoop() }
        thread.start()
    }

    deinit { stop() }

    func stop() {
        lock.lock()
        let was = stopped
        stopped = true
        lock.unlock()
        if !was { shutdown(listener, Int32(SHUT_RDWR)); close(listener) }
    }

    var url: String { "http://127.0.0.1:\(port)/hook" }

    var received: [String] {
        lock.lock()
        defer { lock.unlock() }
        return bodies
    }

    var requestCount: Int {
        lock.lock()
        defer { lock.unlock() }
        return requests
    }

    private func acceptLoop() {
        while true {
            let client = accept(listener, nil, nil)
            if client < 0 { return }
            let thread = Thread { [self] in handle(client) }
            thread.start()
        }
    }

    private func handle(_ fd: Int32) {
        var data = [UInt8]()
        var buffer = [UInt8](repeating: 0, count: 65536)
        var bodyStart: Int?
        var length = 0
        while true {
            let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n <= 0 { close(fd); return }
            data.append(contentsOf: buffer[0..<n])
            if bodyStart == nil, let r = find(data, [13, 10, 13, 10]) {
                bodyStart = r + 4
                let head = String(decoding: data[0..<r], as: UTF8.self).lowercased()
                for line in head.split(separator: "\r\n") where line.hasPrefix("content-length:") {
                    length = Int(line.dropFirst("content-length:".count).trimmingCharacters(in: .whitespaces)) ?? 0
                }
                // libcurl asks before sending a body over 1 KiB; answer, or it waits a second.
                if head.contains("expect: 100-continue") {
                    let go = "HTTP/1.1 100 Continue\r\n\r\n"
                    _ = go.withCString { write(fd, $0, strlen($0)) }
                }
            }
            if let s = bodyStart, data.count - s >= length { break }
        }
        let body = String(decoding: data[bodyStart!..<(bodyStart! + length)], as: UTF8.self)
        lock.lock()
        requests += 1
        let n = requests
        lock.unlock()
        var status = 200
        var extraHeaders = ""
        switch mode {
        case .ok: break
        case let .fail(s, times): if n <= times { status = s }
        case let .failFor(s, seconds): if Date().timeIntervalSince(started) < seconds { status = s }
        case .redirectToSelf:
            status = 302
            extraHeaders = "Location: \(url)\r\n"
        case .hang:
            Thread.sleep(forTimeInterval: 30)
            close(fd)
            return
        }
        if status == 200 {
            lock.lock()
            bodies.append(body)
            lock.unlock()
        }
        let response = "HTTP/1.1 \(status) X\r\n\(extraHeaders)Content-Length: 0\r\nConnection: close\r\n\r\n"
        _ = response.withCString { write(fd, $0, strlen($0)) }
        close(fd)
    }

    private func find(_ hay: [UInt8], _ needle: [UInt8]) -> Int? {
        guard hay.count >= needle.count else { return nil }
        for i in 0...(hay.count - needle.count) where hay[i..<(i + needle.count)].elementsEqual(needle) { return i }
        return nil
    }
}
