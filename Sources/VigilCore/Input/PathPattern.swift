#if canImport(Glibc)
    import Glibc
#endif

/// A path or shell glob naming log files to follow (`/var/log/mcp/*.jsonl`), expanded again
/// on every rescan so that files created later are picked up.
struct PathPattern: Sendable, Equatable {
    let text: String

    var isStdin: Bool { text == "-" }
    /// Standard input or a `journal:` input: one stream, opened once, never globbed or
    /// watched for rotation (journalctl follows the journal's own rotation).
    var isStream: Bool { isStdin || text.hasPrefix("journal:") }
    var hasWildcards: Bool { text.contains(where: { $0 == "*" || $0 == "?" || $0 == "[" }) }

    /// The directory whose entries can change what the pattern names (watched for creations).
    var directory: String {
        var dir = text
        while let slash = dir.lastIndex(of: "/") {
            dir = String(dir[..<slash])
            if !PathPattern(text: dir).hasWildcards { return dir.isEmpty ? "/" : dir }
        }
        return "."
    }

    /// The regular files the pattern names now, sorted (an exact path that does not exist
    /// names nothing yet).
    func expand() -> [String] {
        if isStream { return [] }
        var g = glob_t()
        defer { globfree(&g) }
        guard glob(text, 0, nil, &g) == 0 else { return [] }
        var out: [String] = []
        for i in 0..<Int(g.gl_pathc) {
            guard let p = g.gl_pathv[i] else { continue }
            let path = String(cString: p)
            var st = stat()
            if stat(path, &st) == 0 && (st.st_mode & S_IFMT) == S_IFREG { out.append(path) }
        }
        return out.sorted()
    }

    /// Whether a path is one the pattern names.
    func matches(_ path: String) -> Bool {
        fnmatch(text, path, FNM_PATHNAME) == 0
    }
}
