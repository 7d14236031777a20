import Foundation

/// Whether a path Vigil is about to read whole (a policy file, a GeoIP database, a policy test's
/// input) is a regular file. A FIFO blocks the open (or the read) until someone writes, and a
/// device such as `/dev/zero` never ends: either would hang `vigil policy lint` or
/// `vigil analyze` at start, silently. Checked first, so the error says what the path is.
enum RegularFile {
    /// What is wrong with `path` as a regular file of at most `maxBytes`, or `nil` when nothing is.
    static func problem(_ path: String, maxBytes: Int64? = nil) -> String? {
        var info = stat()
        guard stat(path, &info) == 0 else {
            switch errno {
            case ENOENT: return "no such file"
            case EACCES: return "not readable by this user (permission denied on it or a directory above it)"
            case ELOOP: return "a loop of symbolic links"
            default: return String(cString: strerror(errno))
            }
        }
        switch info.st_mode & S_IFMT {
        case S_IFREG: break
        case S_IFDIR: return "a directory, not a file"
        case S_IFIFO: return "a named pipe (FIFO), not a regular file; reading it would wait for a writer"
        case S_IFCHR, S_IFBLK: return "a device, not a regular file"
        case S_IFSOCK: return "a socket, not a regular file"
        default: return "not a regular file"
        }
        if let maxBytes, Int64(info.st_size) > maxBytes {
            return "\(NumberText.grouped(Int64(info.st_size))) bytes, more than the \(NumberText.grouped(maxBytes)) allowed"
        }
        if access(path, R_OK) != 0 { return "not readable by this user; check its permissions" }
        return nil
    }
}
