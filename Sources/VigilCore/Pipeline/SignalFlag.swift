import Dispatch

#if canImport(Glibc)
    import Glibc
#endif

/// A request to a running `tail`, from a signal or another thread: stop (SIGTERM, SIGINT) or
/// reload the policy (SIGHUP).
///
/// Requesting also writes a byte to a pipe that the tail loop polls, so a sleeping loop
/// wakes at once instead of at its next timeout.
package final class SignalFlag: @unchecked Sendable {
    private let flag = LockedBox(false)
    private var pipeFDs: [Int32] = [-1, -1]
    private var sources: [DispatchSourceSignal] = []

    package init() {
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

    var isRequested: Bool { flag.value }

    package func request() {
        flag.update { $0 = true }
        var byte: UInt8 = 1
        _ = write(pipeFDs[1], &byte, 1)
    }

    /// Whether a request came since the last call; clears it (for requests that recur, such
    /// as reloads).
    func take() -> Bool {
        var was = false
        flag.update {
            was = $0; $0 = false
        }
        if was {
            var buffer = [UInt8](repeating: 0, count: 64)
            while read(pipeFDs[0], &buffer, buffer.count) > 0 {}
        }
        return was
    }

    /// Readable once a request was made (until `take`).
    var descriptor: Int32 { pipeFDs[0] }

    /// Turns these signals into requests (instead of their default action, which for these
    /// is to kill the process mid-write).
    package func install(signals: [Int32]) {
        for sig in signals {
            signal(sig, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: sig, queue: .global())
            source.setEventHandler { [weak self] in self?.request() }
            source.resume()
            sources.append(source)
        }
    }
}

/// What stops a `tail`: SIGTERM, SIGINT or `request()`.
package typealias StopSignal = SignalFlag

extension SignalFlag {
    /// SIGTERM and SIGINT become a stop request.
    package func install() { install(signals: [SIGTERM, SIGINT]) }
}
