import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// The files of one writer in a journal directory: the active file (`remote-web1.journal`)
/// and the ones archived from it (`remote-web1@<seqnum id>-<seqnum>-<time>.journal`, or
/// `…@<time>-<random>.journal~` for one set aside after an unclean shutdown). Local journals
/// group the same way: `system`, `user-1000`.
///
/// Why a `journal:DIR` input is read group by group, each with its own cursor: journalctl
/// merges a directory's files by time, so entries written to the directory later but stamped
/// earlier — a host's backlog that `systemd-journal-upload` sends after an outage, or a host
/// joining with its past journal — sort before a single cursor for the directory and would
/// never be read. One writer's entries are in order within its own files (journalctl orders
/// files of the same sequence by sequence number), so a cursor per group misses none.
package struct JournalGroup: Sendable, Equatable {
    /// The directory the files are in: absolute, symbolic links resolved.
    package let directory: String
    /// The file name before `@` or `.journal`: what names the group.
    package let stem: String
    /// Its files (absolute paths), sorted; what journalctl is given with `--file`.
    package let files: [String]

    /// The group a journal file's name puts it in, or nil when the name is not a journal
    /// file's (journalctl reads only `*.journal` and `*.journal~` from a directory).
    static func stem(ofFile name: String) -> String? {
        let base: Substring
        if name.hasSuffix(".journal") {
            base = name.dropLast(".journal".count)
        } else if name.hasSuffix(".journal~") {
            base = name.dropLast(".journal~".count)
        } else {
            return nil
        }
        // Archived: STEM@ then hex digits and dashes only (journald's and journal-remote's
        // archive names). Any other `@` is part of the name the writer was given.
        if let at = base.lastIndex(of: "@") {
            let suffix = base[base.index(after: at)...]
            if !suffix.isEmpty, suffix.allSatisfy({ $0 == "-" || $0.isHexDigit }), at != base.startIndex {
                return String(base[..<at])
            }
        }
        return base.isEmpty ? nil : String(base)
    }

    /// The groups of the journal files in `directory` (absolute), as `journalctl --directory`
    /// would read them: the files in it, and those in its subdirectories named by a machine
    /// ID (32 hex digits, as in `/var/log/journal/<machine-id>/`); no deeper. Sorted by place.
    static func groups(in directory: String, name: String) throws -> [JournalGroup] {
        var found: [JournalGroup] = []
        let top = try entries(of: directory, name: name)
        found += groups(of: top.files, in: directory)
        for subdirectory in top.directories where subdirectory.count == 32 && subdirectory.allSatisfy(\.isHexDigit) {
            let path = directory + "/" + subdirectory
            found += groups(of: (try? entries(of: path, name: name))?.files ?? [], in: path)
        }
        return found
    }

    private static func groups(of files: [String], in directory: String) -> [JournalGroup] {
        var byStem: [String: [String]] = [:]
        for file in files {
            guard let stem = stem(ofFile: file) else { continue }
            byStem[stem, default: []].append(directory + "/" + file)
        }
        return byStem.keys.sorted().map { JournalGroup(directory: directory, stem: $0, files: byStem[$0]!.sorted()) }
    }

    /// The regular files and the subdirectories of `directory`.
    private static func entries(of directory: String, name: String) throws -> (files: [String], directories: [String]) {
        guard let handle = opendir(directory) else {
            throw VigilError.input(
                path: name, reason: "cannot list \(directory) (\(String(cString: strerror(errno))))",
                hint: "Run vigil as a user that can read the journal (e.g. in group systemd-journal or adm).")
        }
        defer { closedir(handle) }
        var names: [String] = []
        while let entry = readdir(handle) {
            let entryName = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            if entryName != "." && entryName != ".." { names.append(entryName) }
        }
        var files: [String] = []
        var directories: [String] = []
        for entry in names {
            var st = stat()
            guard stat(directory + "/" + entry, &st) == 0 else { continue }
            switch st.st_mode & S_IFMT {
            case S_IFREG: files.append(entry)
            case S_IFDIR: directories.append(entry)
            default: break
            }
        }
        return (files, directories)
    }
}
