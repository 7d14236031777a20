import Foundation

/// What the store remembers of an input so that analyzing it again continues where it ended.
///
/// Inputs are recognized by content, not name: a fingerprint of their first bytes
/// (decompressed), so `auth.log` renamed to `auth.log.1`, or compressed to `auth.log.1.gz`,
/// is still the same input and is not counted twice.
package struct InputRecord: Sendable, Equatable {
    /// FNV-1a of the first `fingerprintLength` decompressed bytes, as hex.
    var fingerprint: String
    var fingerprintLength: Int
    package var path: String
    var device: UInt64
    var inode: UInt64
    package var size: Int64
    /// Decompressed byte offset just past the last line analyzed.
    package var offset: Int64
    /// Lines analyzed so far (the next line's number is `lines + 1`).
    package var lines: Int64
    package var format: String
    package var malformed: Int64
    var lastEventTime: Int64?
    var updatedAt: Int64
    /// The decoder's carry-over state (sshd: connections with an attempt half logged).
    var decoderState: Data?
    /// FNV-1a of the (up to) `fingerprintBytes` bytes just before `offset`, for plain files:
    /// a file whose first bytes are unchanged but whose content before the offset is not (cut
    /// short and written again) is not resumed at the offset, which would skip its new lines.
    var endFingerprint: String?
    /// The settings it was last read with: the `--format` asked for (`auto` or a format; the
    /// format it was read as is `format`), the `--year` (`nil`: inferred from the file's
    /// modification time) and the policy's fingerprint (`nil`: the built-in defaults). A later
    /// run with other settings says so, and `vigil reanalyze` reads it again with them.
    /// All `nil` on records written before Vigil kept them.
    package var requestedFormat: String?
    package var fixedYear: Int?
    package var policyFingerprint: String?
    /// When it was first analyzed (wall clock, ms): `reanalyze` reads inputs in that order.
    package var firstAnalyzedAt: Int64?
    /// `path` made absolute when it was first analyzed (`path` is kept as given, as evidence
    /// names it), so `reanalyze` finds the file from any directory.
    package var absolutePath: String?
    /// A `journal:` input's position: the journal cursor (`__CURSOR`) of the last entry
    /// analyzed, which the next run reads after. Nil for files (their position is `offset`)
    /// and for a journal nothing was read from yet.
    package var cursor: String? = nil

    static let fingerprintBytes = 1024
}
