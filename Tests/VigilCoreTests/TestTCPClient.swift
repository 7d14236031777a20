import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A raw TCP client on loopback, for the metrics endpoint's limits: it sends exactly the bytes
/// a test chooses (one byte at a time, thousands of pipelined requests, a huge head) and
/// tells when the server closed the connection, which an HTTP client library hides.
final class TestTCPClient {
    private var descriptor: Int32
    /// POLLRDHUP (the peer sent FIN), a Linux value Glibc's Swift module leaves out.
    private static let peerHangUp: Int16 = 0x2000

    /// Connects to 127.0.0.1:`port`; throws when nothing listens there. `receiveBuffer`
    /// shrinks the socket's receive buffer (SO_RCVBUF), so a client that never reads fills
    /// it, and the server's output backs up, after a few kilobytes.
    init(port: Int, receiveBuffer: Int32? = nil) throws {
        descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        if var size = receiveBuffer {
            setsockopt(descriptor, SOL_SOCKET, SO_RCVBUF, &size, socklen_t(MemoryLayout<Int32>.size))
        }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = UInt16(port).bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let socketDescriptor = descriptor
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(socketDescriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard connected == 0 else {
            // `close()`, not Glibc.close: a class whose init throws once every property is set
            // still runs deinit, which closed the number a second time — by then another
            // thread's descriptor (NIO's epoll, a FileHandle), which crashed with EBADF.
            close()
            throw POSIXError(.ECONNREFUSED)
        }
    }

    deinit { close() }

    func close() {
        if descriptor >= 0 { Glibc.close(descriptor) }
        descriptor = -1
    }

    /// Sends all of `bytes`, waiting for room; false when the server has gone.
    @discardableResult
    func send(_ bytes: [UInt8]) -> Bool {
        var offset = 0
        while offset < bytes.count {
            let sent = bytes[offset...].withUnsafeBytes { Glibc.send(descriptor, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if sent < 0 && errno == EINTR { continue }
            if sent <= 0 { return false }
            offset += sent
        }
        return true
    }

    @discardableResult
    func send(_ text: String) -> Bool { send(Array(text.utf8)) }

    /// Sends as much of `bytes` as the socket takes without waiting: the count taken, or nil
    /// when the server has gone.
    func sendWithoutWaiting(_ bytes: ArraySlice<UInt8>) -> Int? {
        let sent = bytes.withUnsafeBytes { Glibc.send(descriptor, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL | MSG_DONTWAIT)) }
        if sent >= 0 { return sent }
        return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR ? 0 : nil
    }

    /// Reads one response (head, then `Content-Length` bytes of body) within `timeout`:
    /// its text, or what arrived before the server closed or the time ran out.
    func readResponse(timeout: Duration = .seconds(10)) -> String {
        let deadline = ContinuousClock.now + timeout
        var received: [UInt8] = []
        while ContinuousClock.now < deadline {
            if let expected = Self.completeLength(received), received.count >= expected { break }
            guard let chunk = receive(until: deadline), !chunk.isEmpty else { break }
            received += chunk
        }
        return String(decoding: received, as: UTF8.self)
    }

    /// Whether the server closes the connection within `timeout`. With `reading`, what it
    /// sends meanwhile is read and dropped; without, nothing is read (a client that never
    /// reads its answers) and the close is seen as the peer's FIN or reset.
    func waitUntilClosed(timeout: Duration, reading: Bool = true) -> Bool {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            var watched = pollfd(fd: descriptor, events: Int16(POLLIN) | Self.peerHangUp, revents: 0)
            let ready = poll(&watched, 1, 50)
            if ready < 0 && errno != EINTR { return true }
            guard ready > 0 else { continue }
            if watched.revents & (Self.peerHangUp | Int16(POLLHUP) | Int16(POLLERR)) != 0 { return true }
            if reading {
                guard let chunk = receive(until: deadline) else { return true }
                if chunk.isEmpty { return true }
            } else {
                usleep(50_000)
            }
        }
        return false
    }

    /// Bytes available before `deadline`: empty at the end of the stream, nil on an error
    /// (a reset); an empty array too when nothing came in time.
    private func receive(until deadline: ContinuousClock.Instant) -> [UInt8]? {
        let remaining = deadline - ContinuousClock.now
        let milliseconds = max(1, Int32(remaining.components.seconds * 1000 + remaining.components.attoseconds / 1_000_000_000_000_000))
        var watched = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
        guard poll(&watched, 1, milliseconds) > 0 else { return [] }
        var buffer = [UInt8](repeating: 0, count: 65536)
        let count = buffer.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress, $0.count, 0) }
        if count < 0 { return nil }
        return Array(buffer[0..<count])
    }

    /// The full length of a response once its head has arrived (head plus Content-Length).
    private static func completeLength(_ received: [UInt8]) -> Int? {
        let text = String(decoding: received, as: UTF8.self)
        guard let headEnd = text.range(of: "\r\n\r\n") else { return nil }
        let head = text[..<headEnd.lowerBound].lowercased()
        let bodyLength =
            head.split(separator: "\r\n").first { $0.hasPrefix("content-length:") }
            .flatMap { Int($0.dropFirst("content-length:".count).trimmingCharacters(in: .whitespaces)) } ?? 0
        return text.utf8.distance(from: text.startIndex, to: headEnd.upperBound) + bodyLength
    }
}
