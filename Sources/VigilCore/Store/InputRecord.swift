import Foundation

/// What the store remembers of an input so that analyzing it again continues where it ended.
///
/// Inputs are recognized by content, not name: a fingerprint of their first bytes
/// (decompressed), so `auth.log` renamed to `auth.log.1`, or compressed to `auth.log.1.gz`,
/// is still the same input and is not counted twice.
public struct InputRecord: Sendable, Equatable {
    /// FNV-1a of the first `fingerprintLength` decompressed bytes, as hex.
    public var fingerprint: String
    public var fingerprintLength: Int
    public var path: String
    public var device: UInt64
    public var inode: UInt64
    public var size: Int64
    /// Decompressed byte offset just past the last line analyzed.
    public var offset: Int64
    /// Lines analyzed so far (the next line's number is `lines + 1`).
    public var lines: Int64
    public var format: String
    public var malformed: Int64
    public var lastEventTime: Int64?
    public var updatedAt: Int64
    /// The decoder's carry-over state (sshd: connections with an attempt half logged).
    public var decoderState: Data?

    public static let fingerprintBytes = 1024
}
