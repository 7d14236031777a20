import ArgumentParser
import Foundation
import VigilCore

#if canImport(Glibc)
    import Glibc
#endif

/// `analyze --progress`: one status line on standard error, redrawn in place four times a
/// second from what the reading thread published (`AnalysisProgress`), and erased when the run
/// ends, so standard output and the summary are untouched. `auto` draws only when standard
/// error is a terminal: a log file or CI output must not fill with carriage returns. No colour.
final class ProgressDisplay: @unchecked Sendable {
    enum Mode: String, ExpressibleByArgument, CaseIterable {
        case auto, always, never
    }

    /// Redraws per second at most: enough to look alive, few enough to cost nothing.
    static let interval: TimeInterval = 0.25

    let progress = AnalysisProgress()
    private let started = Date()
    private let stopped = NSCondition()
    private var isStopped = false
    private var drewSomething = false
    private var thread: Thread?

    /// Starts drawing, or returns nil when `mode` says not to.
    static func start(_ mode: Mode) -> ProgressDisplay? {
        switch mode {
        case .never: return nil
        case .auto where isatty(2) == 0: return nil
        default: break
        }
        let display = ProgressDisplay()
        let thread = Thread { [display] in display.loop() }
        thread.name = "vigil-progress"
        display.thread = thread
        thread.start()
        return display
    }

    private func loop() {
        stopped.lock()
        defer { stopped.unlock() }
        while !isStopped {
            _ = stopped.wait(until: Date().addingTimeInterval(Self.interval))
            if isStopped { break }
            let line = progress.snapshot.line(elapsedSeconds: Date().timeIntervalSince(started), width: Self.terminalWidth())
            write("\r" + line + "\u{1B}[K")
            drewSomething = true
        }
        if drewSomething { write("\r\u{1B}[K") }
        isStopped = false  // tells `stop` the line is erased
        stopped.broadcast()
    }

    /// Stops drawing and erases the line; returns once it is erased.
    func stop() {
        stopped.lock()
        defer { stopped.unlock() }
        isStopped = true
        stopped.broadcast()
        while isStopped { stopped.wait() }
    }

    private func write(_ text: String) {
        FileHandle.standardError.write(Data(text.utf8))
    }

    /// Columns of the terminal on standard error; 80 when it is not one.
    static func terminalWidth() -> Int {
        var size = winsize()
        guard ioctl(2, UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 0 else { return 80 }
        return Int(size.ws_col)
    }
}
