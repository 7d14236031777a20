import Dispatch
#if canImport(Glibc)
import Glibc
#endif

/// A request to stop a running `tail`, from a signal (SIGTERM, SIGINT) or another thread.
///
/// Requesting also writes a byte to a pipe that the tail loop polls, so a sleeping loop
/// wakes at once and stops after its final commit instead of at its next timeout.
public final class StopSignal: @unchecked Sendable {
    private let flag = LockedBox(false)
    private var pipeFDs: [Int32] = [-1, -1]
    private var sources: [DispatchSourceSignal] = []

    public init() {
        _ = pipeFDs.withUnsafeMutableBufferPointer { pipe($0.baseAddress) }
        for fd in pipeFDs where fd >= 0 {
            _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
            _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
        }
    }

    deinit {
        for s in sources { s.cancel() }
        for fd in pipeFDs where fd >= 0 { close(fd) }
    }

    public var isRequested: Bool { flag.value }

    public func request() {
        flag.update { $0 = true }
        var byte: UInt8 = 1
        _ = write(pipeFDs[1], &byte, 1)
    }

    /// Readable once a stop was requested.
    var descriptor: Int32 { pipeFDs[0] }

    /// Turns these signals into stop requests (instead of killing the process mid-write).
    public func install(signals: [Int32] = [SIGTERM, SIGINT]) {
        for sig in signals {
            signal(sig, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: sig, queue: .global())
            source.setEventHandler { [weak self] in self?.request() }
            source.resume()
            sources.append(source)
        }
    }
}
