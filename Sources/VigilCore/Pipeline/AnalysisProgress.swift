import Foundation

/// How far `analyze` has got, per input: written by the reading thread every 65,536 events
/// (where it already stops to count lines for checkpoints, so the hot path gains no work), read
/// by the progress display's timer. The lock is taken a few times a second at most on each side.
package final class AnalysisProgress: @unchecked Sendable {
    /// One input's position.
    package struct File: Sendable, Equatable {
        package var path: String
        /// Bytes of the file on disk consumed so far (compressed bytes for gzip).
        package var done: Int64
        /// Where this run started (a resumed input starts after what earlier runs read).
        package var startedAt: Int64
        /// Size on disk when the run started; nil for standard input.
        package var total: Int64?

        package init(path: String, done: Int64, startedAt: Int64, total: Int64?) {
            self.path = path
            self.done = done
            self.startedAt = startedAt
            self.total = total
        }
    }

    /// What the display draws from.
    package struct Snapshot: Sendable, Equatable {
        package var files: [File] = []
        /// Lines read in this run, all inputs together.
        package var lines: Int64 = 0

        package init(files: [File] = [], lines: Int64 = 0) {
            self.files = files
            self.lines = lines
        }
    }

    private let lock = NSLock()
    private var stored = Snapshot()

    package init() {}

    package var snapshot: Snapshot { lock.withLock { stored } }

    func publish(_ snapshot: Snapshot) { lock.withLock { stored = snapshot } }
}
