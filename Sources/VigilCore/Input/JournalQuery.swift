import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A `journal:` input: the local system journal (`journal:`) or a journal file or directory
/// (`journal:PATH`, e.g. `/var/log/journal/remote/` as `systemd-journal-remote` writes it), read
/// through `journalctl -o json` as a child process.
///
/// Why journalctl and not libsystemd's `sd-journal`: no new link dependency (Vigil builds and
/// runs where `libsystemd-dev` is absent, and on hosts without systemd at all), journalctl
/// already merges a directory's files, follows rotation and vacuuming with `--follow`, and
/// seeks by cursor; its JSON output is decoded by the same byte-level scanner as every JSON
/// source, on the analysis thread, while journalctl formats on another core. Measured (README
/// "Performance"), Vigil keeps up with journalctl's own output rate, which is the ceiling for
/// both designs' reading of the files.
///
/// The input's position is the journal cursor (`__CURSOR`) of the last entry analyzed, stored
/// with the findings; a later run asks journalctl for the entries `--after-cursor` it. A
/// directory is read as one query per group of files (`JournalGroup`, `groupQueries`), each
/// with its own cursor: one cursor for a directory merged by time skips a host's late backlog.
package struct JournalQuery: Sendable, Equatable {
    /// As named on the command line: `journal:` or `journal:PATH`; for a group of a directory,
    /// the directory as named and the group's stem (`journal:/var/log/journal/remote/remote-web1`).
    /// Evidence and status name it so.
    package let name: String
    /// The journal file or directory; nil for the local system journal.
    package let path: String?
    /// journalctl matches (`FIELD=VALUE`, `+` between groups); same-field matches are ORed.
    package let matches: [String]
    /// The group of files read, when this is one group of the directory at `path`.
    package let group: JournalGroup?

    /// What `--journal-match` is when not given: sshd's entries, by the process journald saw
    /// write them (`_COMM`, set by journald, not by the writer): `sshd` (OpenSSH before 9.8,
    /// and the listener since), `sshd-session` (9.8+), `sshd-auth` (10.0+). Not by
    /// `SYSLOG_IDENTIFIER`, which any local user sets with `logger -t sshd` to invent logins.
    package static let defaultMatches = ["_COMM=sshd", "_COMM=sshd-session", "_COMM=sshd-auth"]

    static let prefix = "journal:"

    /// The query an input name stands for, or nil when it is not a `journal:` name.
    package init?(input: String, matches: [String]) {
        guard input.hasPrefix(Self.prefix) else { return nil }
        name = input
        let rest = String(input.dropFirst(Self.prefix.count))
        path = rest.isEmpty ? nil : rest
        self.matches = matches.isEmpty ? Self.defaultMatches : matches
        group = nil
    }

    private init(name: String, path: String?, matches: [String], group: JournalGroup?) {
        self.name = name
        self.path = path
        self.matches = matches
        self.group = group
    }

    /// What `analyze` and `tail` read for this input: one query per file group of a directory
    /// (none for a directory without journal files), else this one (a file, the local
    /// journal, or a path that does not exist, whose reading says so).
    package func groupQueries() throws -> [JournalQuery] {
        guard group == nil, let path else { return [self] }
        var st = stat()
        guard stat(path, &st) == 0, (st.st_mode & S_IFMT) == S_IFDIR else { return [self] }
        let directory = String(identity.dropFirst(Self.prefix.count))
        var base = name
        while base.hasSuffix("/") && base.count > Self.prefix.count + 1 { base.removeLast() }
        if !base.hasSuffix("/") { base += "/" }
        return try JournalGroup.groups(in: directory, name: name).map { group in
            // A machine-ID subdirectory's group is named with it: `…/journal/<machine-id>/system`.
            let place = group.directory.dropFirst(directory.count).drop { $0 == "/" }
            return JournalQuery(
                name: base + (place.isEmpty ? "" : String(place) + "/") + group.stem, path: path, matches: matches, group: group)
        }
    }

    /// The identity of the directory a group was found in, as named (`journal:/abs/dir`): the
    /// input a run before groups kept one cursor for. Nil for anything but a group.
    var directoryIdentity: String? {
        guard group != nil, let path else { return nil }
        return Self.prefix + URL(fileURLWithPath: path).standardizedFileURL.resolvingSymlinksInPath().path
    }

    /// Why a `--journal-match` value cannot be passed to journalctl, or nil when it can: a
    /// `FIELD=VALUE` with an upper-case field name (journalctl's rule), or `+`. Anything else
    /// (an option such as `--file`) would change what journalctl reads.
    package static func problem(withMatch match: String) -> String? {
        if match == "+" { return nil }
        guard let equals = match.firstIndex(of: "="), equals != match.startIndex else {
            return "\(match) is not FIELD=VALUE (e.g. SYSLOG_IDENTIFIER=sshd, _SYSTEMD_UNIT=ssh.service) or +"
        }
        let field = match[..<equals]
        guard field.allSatisfy({ ($0 >= "A" && $0 <= "Z") || ($0 >= "0" && $0 <= "9") || $0 == "_" }),
            !(field.first! >= "0" && field.first! <= "9")
        else {
            return "\(field) is not a journal field name (upper-case letters, digits and _, e.g. _SYSTEMD_UNIT)"
        }
        return nil
    }

    /// The identity stored with the input's record: the absolute path (the same journal named
    /// from another directory is the same input), or `journal:` for the local one.
    package var identity: String {
        if let group { return Self.prefix + group.directory + "/" + group.stem }
        guard let path else { return Self.prefix }
        return Self.prefix + URL(fileURLWithPath: path).standardizedFileURL.resolvingSymlinksInPath().path
    }

    /// Whether this journal is `other`'s or inside it (a file of a directory input or of a
    /// group): reading both would count its entries twice.
    package func isCovered(by other: JournalQuery) -> Bool {
        let mine = identity
        let theirs = other.identity
        if mine == theirs { return true }
        if let theirGroup = other.group {
            guard group == nil, path != nil else { return false }
            let file = String(mine.dropFirst(Self.prefix.count))
            let folder = (file as NSString).deletingLastPathComponent
            return folder == theirGroup.directory && JournalGroup.stem(ofFile: (file as NSString).lastPathComponent) == theirGroup.stem
        }
        return theirs != Self.prefix && mine.hasPrefix(theirs.hasSuffix("/") ? theirs : theirs + "/")
    }

    /// journalctl's arguments to choose the journal: `--file` for a file and for each file of
    /// a group (named one by one, not by a glob: `remote-a*` would take in `remote-ab`'s files),
    /// `--directory` for a directory, nothing for the local journal.
    func sourceArguments() throws -> [String] {
        if let group { return group.files.map { "--file=\($0)" } }
        guard let path else { return [] }
        var st = stat()
        guard stat(path, &st) == 0 else {
            throw VigilError.input(
                path: name, reason: "cannot open \(path) (\(String(cString: strerror(errno))))",
                hint: "Name a journal file (.journal) or a directory of them, e.g. journal:/var/log/journal/remote/.")
        }
        // Absolute: journalctl 252 `--follow`s a bare `--file=NAME.journal` with "Failed to
        // get journal fd" and exits 0, and the tail read nothing while looking healthy.
        let absolute = URL(fileURLWithPath: path).standardizedFileURL.path
        return (st.st_mode & S_IFMT) == S_IFDIR ? ["--directory=\(absolute)"] : ["--file=\(absolute)"]
    }

    /// The whole journalctl command line after the program: JSON with every field whole
    /// (`--all`: without it journalctl prints fields over 4 KiB as null), no informational
    /// lines (`-q`), entries after `cursor` (all when nil), `--follow` for `tail`.
    func arguments(after cursor: String?, follow: Bool) throws -> [String] {
        var arguments = ["--output=json", "--all", "--quiet", "--no-pager"] + (try sourceArguments())
        if let cursor { arguments.append("--after-cursor=\(cursor)") }
        if follow { arguments.append("--follow") }
        // `--follow` alone starts with the last 10 entries; all of them is what a tail means.
        if follow { arguments.append("--lines=all") }
        return arguments + matches
    }

    /// Whether the entry `cursor` names is still in the journal: journalctl positioned at it
    /// prints it (and exactly it). A cursor whose entry was vacuumed positions journalctl
    /// elsewhere, and `--after-cursor` would then skip the entry it landed on.
    func cursorExists(_ cursor: String) throws -> Bool {
        try firstCursor(["--lines=1", "--cursor=\(cursor)"]) == cursor
    }

    /// The cursor of the journal's last entry (any program's), or nil for an empty journal:
    /// where `tail --from-end` starts a journal it never read.
    func lastCursor() throws -> String? {
        try firstCursor(["--lines=1"])
    }

    /// The cursor of the last entry at or before where `cursor` places the reader (the entry
    /// it names when it is in this journal, else by its sequence number, boot and time), or
    /// nil when there is none: where a group goes on from a directory's single cursor.
    func cursor(atOrBefore cursor: String) throws -> String? {
        try firstCursor(["--lines=1", "--reverse", "--cursor=\(cursor)"])
    }

    /// The cursor of the first entry journalctl prints with `arguments`, in the export format
    /// (one `FIELD=value` line per field, the cursor first; no JSON to scan).
    private func firstCursor(_ arguments: [String]) throws -> String? {
        let command = ["--output=export", "--output-fields=__CURSOR", "--quiet", "--no-pager"] + (try sourceArguments()) + arguments
        let output = try ChildProcess.run(JournalQuery.journalctl(for: name), command, input: name)
        let prefix = Array("__CURSOR=".utf8)
        let found = output.split(separator: 0x0a).first { $0.starts(with: prefix) }
        return found.map { String(decoding: $0.dropFirst(prefix.count), as: UTF8.self) }
    }

    /// journalctl's path: the first on `PATH`, then the usual places.
    static func journalctl(for name: String) throws -> String {
        let directories = (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":").map(String.init) + ["/usr/bin", "/bin"]
        for directory in directories where access(directory + "/journalctl", X_OK) == 0 {
            return directory + "/journalctl"
        }
        throw VigilError.input(
            path: name, reason: "journalctl not found (on PATH, /usr/bin or /bin)",
            hint:
                "Install systemd (journalctl reads the journal), or export the journal with `journalctl -o json` and analyze that with --format journal-json."
        )
    }
}
