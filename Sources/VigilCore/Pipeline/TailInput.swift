/// One file (or standard input) that `tail` is reading, and what it knows about it.
final class TailInput {
    let stream: EventStream
    /// The path it was opened by (after a rename, the file may live elsewhere).
    let path: String
    let device: UInt64
    let inode: UInt64
    /// No longer at its path (renamed, deleted, truncated away): read to its end, then closed.
    var rotated = false
    /// Wall time (ms) bytes were last read from it.
    var lastGrowth: Int64
    /// Wall time (ms) since which a partial last line has waited for its newline.
    var partialSince: Int64?
    /// Whether its read or format error was logged already.
    var reportedError = false
    /// Whether its silence (`--silent-after`) was logged, and not its end yet.
    var reportedSilent = false
    /// How the store knows this file as of the last checkpoint: not at all, by device and
    /// inode only (`FollowedFile`), or by its record.
    var storedIdentity = StoredIdentity.none

    enum StoredIdentity {
        case none, followed, record
    }

    /// Whether the store's knowledge of this file lags what is known now: a file just opened,
    /// or one that just got its first line (and so a record). A checkpoint is taken at once
    /// then, so a `kill -9` and a rotation right after cannot make the file unknown.
    var identityNeedsCommit: Bool {
        if isStdin { return false }
        switch storedIdentity {
        case .none: return true
        case .followed: return stream.record != nil
        case .record: return false
        }
    }
    private var lastReadPosition: Int64

    init(stream: EventStream, path: String, now: Int64) {
        self.stream = stream
        self.path = path
        device = stream.source.device
        inode = stream.source.inode
        lastGrowth = now
        lastReadPosition = stream.reader.readPosition
    }

    var isStdin: Bool { stream.source.isStdin }
    /// Standard input or a journal: read as it comes, with no file to watch for rotation.
    var isStream: Bool { stream.source.isStdin || stream.source.journal != nil }

    /// Standard input that was closed, or a compressed file read to its end.
    var isExhausted: Bool { stream.head == nil && stream.reader.isAtEnd }

    /// Notes whether reading moved on; returns true when it did.
    func noteProgress(now: Int64) -> Bool {
        let position = stream.reader.readPosition
        guard position != lastReadPosition else { return false }
        if lastReadPosition == 0 { stream.ensureRecord() }  // first bytes: fingerprint the file now
        lastReadPosition = position
        lastGrowth = now
        partialSince = nil
        return true
    }
}
