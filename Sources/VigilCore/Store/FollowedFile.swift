/// A file `tail` follows that has no `InputRecord` yet: empty when opened, or without a whole
/// first line to fingerprint.
///
/// Stored as soon as the file is opened, before any line: if Vigil is killed before its first
/// checkpoint and the file is rotated while it is down, the restart still knows the file by
/// its device and inode (which a rename keeps) and reads the rotated copy from its start,
/// instead of losing every line written to it (found in hardening: 50,000 of 60,000 lines).
/// Dropped once the file has a record, which recognizes it by content from then on.
package struct FollowedFile: Sendable, Equatable {
    package var path: String
    var device: UInt64
    var inode: UInt64
    var openedAt: Int64
}
