#if canImport(Glibc)
    import Glibc
#endif

/// Sleeps until a watched directory changes, a descriptor becomes readable, or a timeout.
///
/// Uses inotify on the directories of the followed files (writes, creations, renames,
/// deletions), so an idle `tail` wakes only for its periodic rescan. Where inotify is not
/// available (some container and network file systems), it falls back to sleeping for the
/// poll interval: correct, only slower to notice.
final class ChangeWatcher {
    private var fd: Int32 = -1
    private var watched: [String: Int32] = [:]
    /// Whether inotify is in use (false: polling).
    private(set) var usesInotify = false
    /// Set when a file was created, renamed or deleted since the last `takeStructuralChange()`.
    private var structural = false

    init(useInotify: Bool = true) {
        guard useInotify else { return }
        fd = inotify_init1(Int32(IN_NONBLOCK | IN_CLOEXEC))
        usesInotify = fd >= 0
    }

    deinit { if fd >= 0 { close(fd) } }

    /// Watches a directory (again: harmless); false when it does not exist (yet).
    @discardableResult
    func watch(directory: String) -> Bool {
        guard usesInotify else { return false }
        if watched[directory] != nil { return true }
        let mask = UInt32(
            IN_MODIFY | IN_CREATE | IN_MOVED_FROM | IN_MOVED_TO | IN_DELETE | IN_DELETE_SELF | IN_MOVE_SELF
                | IN_CLOSE_WRITE | IN_ATTRIB)
        let wd = inotify_add_watch(fd, directory, mask)
        guard wd >= 0 else { return false }
        watched[directory] = wd
        return true
    }

    /// Whether files appeared, moved or vanished since the last call.
    func takeStructuralChange() -> Bool {
        defer { structural = false }
        return structural
    }

    /// Waits up to `timeoutMs` for a change or for one of `descriptors` to be readable.
    /// Returns true when woken by something rather than the timeout.
    @discardableResult
    func wait(timeoutMs: Int, descriptors: [Int32]) -> Bool {
        var fds = descriptors.map { pollfd(fd: $0, events: Int16(POLLIN), revents: 0) }
        if usesInotify { fds.append(pollfd(fd: fd, events: Int16(POLLIN), revents: 0)) }
        let n = fds.withUnsafeMutableBufferPointer { poll($0.baseAddress, nfds_t($0.count), Int32(max(0, timeoutMs))) }
        if n > 0 && usesInotify { drain() }
        return n > 0
    }

    private func drain() {
        let size = 64 * 1024
        let buffer = UnsafeMutableRawPointer.allocate(byteCount: size, alignment: 8)
        defer { buffer.deallocate() }
        while true {
            let n = read(fd, buffer, size)
            if n <= 0 { return }
            var offset = 0
            while offset + MemoryLayout<inotify_event>.size <= n {
                let event = buffer.load(fromByteOffset: offset, as: inotify_event.self)
                let structuralMask = UInt32(
                    IN_CREATE | IN_MOVED_FROM | IN_MOVED_TO | IN_DELETE | IN_DELETE_SELF | IN_MOVE_SELF | IN_IGNORED)
                if event.mask & structuralMask != 0 { structural = true }
                if event.mask & UInt32(IN_IGNORED) != 0 {
                    watched = watched.filter { $0.value != event.wd }
                }
                offset += MemoryLayout<inotify_event>.size + Int(event.len)
            }
        }
    }
}
