#if canImport(Glibc)
    import Glibc
#endif

/// The process's limit of open file descriptors (RLIMIT_NOFILE).
///
/// `vigil tail` holds one descriptor per followed file (and per rotated file being finished),
/// its database, inotify and, with `--metrics-listen`, the endpoint's connections. The default
/// soft limit (1024 on most systems) is far below the hard one; raising it at start, and
/// capping the endpoint at a share of it, keeps descriptors for the inputs.
package enum DescriptorLimit {
    /// The soft limit now (what `open` fails with EMFILE beyond), or nil when unknown.
    package static var soft: Int? {
        var limit = rlimit()
        guard getrlimit(resource, &limit) == 0 else { return nil }
        return clamp(limit.rlim_cur)
    }

    /// Raises the soft limit to the hard one. Returns the soft limit before and after, or nil
    /// when the limits cannot be read or changed.
    @discardableResult
    package static func raiseSoftToHard() -> (before: Int, after: Int)? {
        var limit = rlimit()
        guard getrlimit(resource, &limit) == 0 else { return nil }
        let before = clamp(limit.rlim_cur)
        guard limit.rlim_cur < limit.rlim_max else { return (before, before) }
        limit.rlim_cur = limit.rlim_max
        guard setrlimit(resource, &limit) == 0 else { return nil }
        return (before, clamp(limit.rlim_max))
    }

    #if os(Linux)
        private static let resource = __rlimit_resource_t(RLIMIT_NOFILE.rawValue)
    #else
        private static let resource = RLIMIT_NOFILE
    #endif

    /// RLIM_INFINITY and other huge values as Int.max.
    private static func clamp(_ value: rlim_t) -> Int {
        value >= rlim_t(Int.max) ? Int.max : Int(value)
    }
}
