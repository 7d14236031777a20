import CZlib
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A readable byte stream: a plain file, a gzip file, standard input, or the output of
/// journalctl for a `journal:` input (`JournalQuery`).
///
/// Plain files are read with `read(2)` straight into the caller's buffer; gzip (detected by its
/// magic bytes, not the file name) goes through zlib's `gzread`, which also handles
/// concatenated members. Standard input is read through zlib's transparent mode, so
/// `zcat`-less piping of compressed logs works too.
package final class InputSource {
    package let path: String
    let isStdin: Bool
    let isCompressed: Bool
    let device: UInt64
    let inode: UInt64
    /// Size on disk (compressed size for gzip), 0 for stdin.
    package let size: Int64
    let modificationTime: Int64?
    private var fd: Int32
    private var gz: gzFile?
    /// Standard input or journalctl's output read as it arrives (`tail -`, `tail journal:`):
    /// plain `read(2)` after `poll(2)` says there is something, so an idle pipe never blocks
    /// the loop. No gzip sniffing there.
    private var pollStdin = false
    /// The journalctl a `journal:` input reads from; nil for files and standard input.
    private var child: ChildProcess?
    /// The journal a `journal:` input reads; nil for files and standard input.
    package let journal: JournalQuery?
    /// The source said it is over (a closed pipe); a growing file never is.
    package private(set) var ended = false

    package init(path: String, follow: Bool = false) throws {
        self.path = path
        journal = nil
        if path == "-" {
            isStdin = true
            fd = 0
            device = 0; inode = 0; size = 0; modificationTime = nil
            if follow {
                pollStdin = true
                isCompressed = false
                return
            }
            guard let g = gzdopen(dup(0), "rb") else {
                throw VigilError.input(path: "<stdin>", reason: "cannot read standard input", hint: "Pipe a log into vigil or name a file.")
            }
            gz = g
            gzbuffer(g, 1 << 17)
            isCompressed = false
            return
        }
        isStdin = false
        fd = open(path, O_RDONLY | O_CLOEXEC)
        if fd < 0 {
            let err = errno
            if err == EMFILE || err == ENFILE { throw VigilError.descriptorsExhausted(path: path, limit: DescriptorLimit.soft) }
            throw VigilError.input(
                path: path, reason: "cannot open (\(String(cString: strerror(err))))",
                hint: err == EACCES ? "Run vigil as a user that can read it (e.g. in group adm)." : "Check the path.")
        }
        var st = stat()
        guard fstat(fd, &st) == 0 else {
            Glibc.close(fd)
            throw VigilError.input(path: path, reason: "cannot stat", hint: "Check the path.")
        }
        if (st.st_mode & S_IFMT) == S_IFDIR {
            Glibc.close(fd)
            throw VigilError.input(path: path, reason: "is a directory", hint: "Name the log files inside it, e.g. \(path)/*.log.")
        }
        device = UInt64(st.st_dev)
        inode = UInt64(st.st_ino)
        size = Int64(st.st_size)
        modificationTime = Int64(st.st_mtim.tv_sec) * 1000 + Int64(st.st_mtim.tv_nsec) / 1_000_000
        var magic: (UInt8, UInt8) = (0, 0)
        let rawFD = fd
        let n = withUnsafeMutableBytes(of: &magic) { pread(rawFD, $0.baseAddress, 2, 0) }
        if n == 2 && magic.0 == 0x1f && magic.1 == 0x8b {
            isCompressed = true
            guard let g = gzdopen(dup(fd), "rb") else {
                Glibc.close(fd)
                throw VigilError.input(path: path, reason: "cannot open gzip stream", hint: "Check that the file is a valid .gz.")
            }
            gzbuffer(g, 1 << 17)
            gz = g
        } else {
            isCompressed = false
        }
    }

    /// Starts journalctl for `query`: the entries after `cursor` (from the oldest when nil),
    /// followed as they are written with `follow`.
    init(journal query: JournalQuery, after cursor: String?, follow: Bool) throws {
        path = query.name
        journal = query
        isStdin = false
        isCompressed = false
        device = 0; inode = 0; size = 0; modificationTime = nil
        let process = try ChildProcess(
            JournalQuery.journalctl(for: query.name), query.arguments(after: cursor, follow: follow), input: query.name)
        child = process
        fd = process.output
        pollStdin = follow
    }

    deinit { close() }

    package func close() {
        if let g = gz { gzclose(g); gz = nil }
        if fd > 0 { Glibc.close(fd); fd = -1 }
        child?.terminate()
        child = nil
    }

    /// The descriptor `poll(2)` should watch for standard input or journalctl, if this is one.
    var pollDescriptor: Int32? { pollStdin ? fd : nil }

    /// The open file's current identity and size (it may have been renamed or truncated).
    func currentStat() -> (device: UInt64, inode: UInt64, size: Int64)? {
        guard !isStdin, journal == nil, fd >= 0 else { return nil }
        var st = stat()
        guard fstat(fd, &st) == 0 else { return nil }
        return (UInt64(st.st_dev), UInt64(st.st_ino), Int64(st.st_size))
    }

    /// The first `count` bytes of a file's content (decompressed for gzip), or nil when it
    /// cannot be read. Used to recognize rotated files by fingerprint.
    static func contentPrefix(path: String, count: Int) -> [UInt8]? {
        guard count > 0, let source = try? InputSource(path: path) else { return nil }
        defer { source.close() }
        var out = [UInt8](repeating: 0, count: count)
        var have = 0
        while have < count {
            let n = (try? out.withUnsafeMutableBytes { try source.read(into: $0.baseAddress! + have, count: count - have) }) ?? 0
            if n <= 0 { break }
            have += n
        }
        out.removeLast(count - have)
        return out
    }

    /// The first `count` bytes of a file on disk (not decompressed).
    static func rawPrefix(path: String, count: Int) -> [UInt8]? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { Glibc.close(fd) }
        var out = [UInt8](repeating: 0, count: count)
        let n = out.withUnsafeMutableBytes { pread(fd, $0.baseAddress, count, 0) }
        guard n >= 0 else { return nil }
        out.removeLast(count - n)
        return out
    }

    /// Where the last whole line before `limit` ends in a plain file, and how many lines come
    /// before it: where to continue a file that shrank below its stored offset. Nil when the
    /// file cannot be read.
    static func lastLineEnd(path: String, before limit: Int64) -> (offset: Int64, lines: Int64)? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { Glibc.close(fd) }
        var buffer = [UInt8](repeating: 0, count: 1 << 20)
        var position: Int64 = 0
        var lines: Int64 = 0
        var lastEnd: Int64 = 0
        while position < limit {
            let want = Int(min(Int64(buffer.count), limit - position))
            let count = buffer.withUnsafeMutableBytes { pread(fd, $0.baseAddress, want, off_t(position)) }
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else { break }
            buffer.withUnsafeBytes { bytes in
                var index = 0
                while index < count, let found = memchr(bytes.baseAddress! + index, 0x0a, count - index) {
                    index = bytes.baseAddress!.distance(to: UnsafeRawPointer(found)) + 1
                    lines += 1
                    lastEnd = position + Int64(index)
                }
            }
            position += Int64(count)
        }
        return (lastEnd, lines)
    }

    /// Whether a (possibly compressed) file ends at `offset`: a plain file by its size, a
    /// gzip file by the uncompressed size in its trailer (modulo 2^32, as gzip stores it).
    static func isFullyRead(path: String, size: Int64, offset: Int64) -> Bool {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return false }
        defer { Glibc.close(fd) }
        var head: (UInt8, UInt8) = (0, 0)
        guard withUnsafeMutableBytes(of: &head, { pread(fd, $0.baseAddress, 2, 0) }) == 2 else { return size == offset }
        guard head.0 == 0x1f && head.1 == 0x8b else { return size == offset }
        var trailer: UInt32 = 0
        guard size >= 4, withUnsafeMutableBytes(of: &trailer, { pread(fd, $0.baseAddress, 4, off_t(size - 4)) }) == 4 else { return false }
        return UInt32(littleEndian: trailer) == UInt32(truncatingIfNeeded: offset)
    }

    /// The `count` bytes of a plain file that end at `offset` (fewer when `offset` is
    /// smaller), read without moving the read position; nil for standard input and gzip.
    func bytes(endingAt offset: Int64, count: Int) -> [UInt8]? {
        guard !isStdin, !isCompressed, fd >= 0, offset > 0 else { return nil }
        let length = Int(min(Int64(count), offset))
        var out = [UInt8](repeating: 0, count: length)
        let rawFD = fd
        let n = out.withUnsafeMutableBytes { pread(rawFD, $0.baseAddress, length, off_t(offset - Int64(length))) }
        guard n == length else { return nil }
        return out
    }

    /// The first `count` bytes of a plain file, read without moving the read position.
    func prefix(_ count: Int) -> [UInt8]? {
        guard !isCompressed else { return nil }
        return rawPrefix(count)
    }

    /// The first `count` bytes on disk (compressed or not), without moving the read position.
    func rawPrefix(_ count: Int) -> [UInt8]? {
        guard !isStdin, fd >= 0 else { return nil }
        var out = [UInt8](repeating: 0, count: count)
        let rawFD = fd
        let n = out.withUnsafeMutableBytes { pread(rawFD, $0.baseAddress, count, 0) }
        guard n >= 0 else { return nil }
        out.removeLast(count - n)
        return out
    }

    /// Reads up to `count` bytes; 0 at end of input.
    package func read(into buffer: UnsafeMutableRawPointer, count: Int) throws -> Int {
        if let g = gz {
            let n = gzread(g, buffer, UInt32(min(count, Int(Int32.max))))
            if n < 0 {
                var code: Int32 = 0
                let msg = gzerror(g, &code).map { String(cString: $0) } ?? "unknown error"
                throw VigilError.input(
                    path: displayName, reason: "corrupt gzip data (\(msg))",
                    hint: "The lines before the damage were analyzed; check the file with `gzip -t`.")
            }
            if n == 0 {
                var code: Int32 = 0
                _ = gzerror(g, &code)
                if code != Z_OK && code != Z_STREAM_END {
                    throw VigilError.input(
                        path: displayName, reason: "truncated gzip data",
                        hint: "The lines before the damage were analyzed; check the file with `gzip -t`.")
                }
            }
            return Int(n)
        }
        if pollStdin {
            if ended { return 0 }
            var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            guard poll(&p, 1, 0) > 0 else { return 0 }
        }
        while true {
            let n = Glibc.read(fd, buffer, count)
            if n < 0 {
                if errno == EINTR { continue }
                throw VigilError.input(
                    path: displayName, reason: "read failed (\(String(cString: strerror(errno))))", hint: "Check the disk and permissions.")
            }
            if n == 0 && pollStdin { ended = true }
            if n == 0, let process = child {
                // journalctl's end: a failure (unreadable journal, bad match) is an error, not
                // an empty input.
                child = nil
                try process.finish()
            }
            return n
        }
    }

    /// Positions the stream at an uncompressed byte offset (used to resume an input).
    func seek(to offset: Int64) throws {
        if let g = gz {
            if gzseek(g, Int(offset), SEEK_SET) < 0 {
                throw VigilError.input(
                    path: displayName, reason: "cannot seek to offset \(offset)", hint: "Analyze the file into a fresh database.")
            }
        } else if lseek(fd, off_t(offset), SEEK_SET) < 0 {
            throw VigilError.input(
                path: displayName, reason: "cannot seek to offset \(offset)", hint: "Analyze the file into a fresh database.")
        }
    }

    var displayName: String { isStdin ? "<stdin>" : path }

    /// Compressed bytes consumed so far for gzip (`analyze --progress` compares them with the
    /// size on disk); nil for other inputs, whose line reader's offset is the position.
    var compressedOffset: Int64? { gz.map { Int64(gzoffset($0)) } }
}
