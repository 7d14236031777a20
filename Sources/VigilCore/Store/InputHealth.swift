import Foundation

/// One input of a running `tail` as its heartbeat records it (in the `service` row's JSON):
/// what `vigil status` shows per input, and what `/metrics` and `/healthz` answer from.
///
/// Kept in the heartbeat, not in `input`: it describes the tail's view now (open or not, why
/// not, when bytes last came), which an input record, written at checkpoints and kept after
/// the tail stops, does not.
package struct InputHealth: Sendable, Equatable, Codable {
    /// The path as the tail follows it (the `input` label of the metrics).
    package var path: String
    /// Open and being read. False: it cannot be opened, or its reading stopped on an error
    /// (a format not recognized).
    package var readable: Bool
    /// Bytes written to it and not read yet (its size minus the offset read); nil when there
    /// is no size to compare (standard input, a compressed file, a file not open).
    package var lagBytes: Int64?
    /// Event time (ms) of the newest event read from it.
    package var lastEventTime: Int64?
    /// Wall time (ms) bytes were last read from it, or it was opened, before any: what
    /// silence is measured from.
    package var lastReadAt: Int64?
    /// How many times in this run it became unreadable (an open or read error), not counting
    /// the retries while it stays so.
    package var errors: Int64 = 0
    /// The last of those errors, also once it is readable again.
    package var lastError: String?
    /// Renamed or deleted and being read to its end: not expected to grow, so never silent.
    package var rotated = false

    package init(
        path: String, readable: Bool, lagBytes: Int64? = nil, lastEventTime: Int64? = nil, lastReadAt: Int64? = nil,
        errors: Int64 = 0, lastError: String? = nil, rotated: Bool = false
    ) {
        self.path = path
        self.readable = readable
        self.lagBytes = lagBytes
        self.lastEventTime = lastEventTime
        self.lastReadAt = lastReadAt
        self.errors = errors
        self.lastError = lastError
        self.rotated = rotated
    }

    enum CodingKeys: String, CodingKey {
        case path, readable, errors, rotated
        case lagBytes = "lag_bytes"
        case lastEventTime = "last_event_time"
        case lastReadAt = "last_read_at"
        case lastError = "last_error"
    }

    /// Whether it has read nothing for longer than `silentAfter` (ms) of wall time at `now`.
    /// Only an input being followed can be silent: one that cannot be read is reported as
    /// such, and a rotated one is finishing.
    package func isSilent(now: Int64, silentAfter: Int64?) -> Bool {
        guard let silentAfter, readable, !rotated, let lastReadAt else { return false }
        return now - lastReadAt > silentAfter
    }

    /// What is wrong with a value read back from the database, or nil.
    func storedProblem() -> String? {
        if path.isEmpty { return "has an input with an empty path" }
        if let lagBytes, lagBytes < 0 { return "has a negative lag (\(lagBytes)) for \(TerminalText.escape(path))" }
        if errors < 0 { return "has a negative error count for \(TerminalText.escape(path))" }
        for (name, time) in [("last_event_time", lastEventTime), ("last_read_at", lastReadAt)] {
            if let time, !StoredColumn.times.contains(time) {
                return "has \(name) \(time) for \(TerminalText.escape(path)), not a time between years 0 and 9999"
            }
        }
        return nil
    }
}
