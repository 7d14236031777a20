import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Finding, opening, rotating and closing the inputs of a tail.
///
/// What happens in each case (also in the README):
/// - rename (`auth.log` → `auth.log.1`, new `auth.log`) or delete: the old file stays open
///   and is read to its end; once it has not grown for `rotatedGrace` it is closed. The new
///   file is read from its start.
/// - `copytruncate`: seen when the file is shorter than what was read, or its first bytes
///   changed. Lines already buffered are analyzed; the rest of the old content is read from
///   the rotated copy (a sibling such as `auth.log.1` with the same fingerprint) when there is
///   one; the truncated file is read again from its start.
/// - a file replaced or rotated while Vigil was stopped: at start, every recently used input
///   whose path now holds other content is looked for among its siblings (`auth.log.1`,
///   `auth.log.1.gz`, `auth.log-20261129`) by fingerprint, and read on from its offset.
/// - `.1` compressed later to `.1.gz`: the same content, so the same input; never read twice.
/// - a `journal:` directory: one journalctl per group of files (`JournalGroup`); a group that
///   appears (a new host) is followed from its start, and one whose files change (its active
///   file archived and a new one started, old files vacuumed) is read on by a new journalctl
///   from its last analyzed entry (`followJournal`).
extension Tailer {
    /// Opens a file (or `-`, or a `journal:` input, or `journal`, a group of one) and starts
    /// following it.
    @discardableResult
    func open(
        path: String, journal: JournalQuery? = nil, now: Int64, atStart: Bool, knownRecords: [InputRecord]? = nil,
        rotated: Bool = false
    ) -> TailInput? {
        do {
            var openOptions = streamOptions
            // `--from-end` is for what is there when the tail starts: a host whose journal
            // appears later is read from its start.
            openOptions.journalFromEnd = openOptions.journalFromEnd && atStart
            openOptions.journalDirectoryCursor = atStart
            let stream = try EventStream(
                path: path, journal: journal, index: Int32(engine.context.inputNames.count), symbols: engine.symbols,
                options: openOptions, known: knownRecords ?? known)
            _ = engine.register(inputName: stream.stats.path)
            if atStart && options.startAtEnd && stream.resumeLines == 0 && !stream.source.isStdin && !stream.source.isCompressed
                && stream.source.journal == nil
            {
                try stream.skipExistingLines()
            }
            let input = TailInput(stream: stream, path: journal?.name ?? path, now: now)
            input.rotated = rotated
            inputs.append(input)
            failedPaths.removeValue(forKey: journal?.name ?? path)
            let from = stream.resumeLines > 0 ? "after line \(stream.resumeLines)" : "from the start"
            logger.info("following \(stream.stats.path) \(from)\(rotated ? " (rotated; reading it to its end)" : "")")
            // What opening found that the user should know (a journal cursor vacuumed away, a
            // file cut short since the last run).
            if let note = stream.stats.note { logger.warning("\(stream.stats.path): \(note)") }
            return input
        } catch let error as VigilError {
            let path = journal?.name ?? path  // a group's failure is its own
            if case .descriptorsExhausted = error {
                // Not once per path: said again every minute while it lasts, since every
                // input that rotates meanwhile is lost to it.
                if failedPaths.updateValue(error.description, forKey: path) == nil { noteInputError(path, error.description) }
                if descriptorsExhaustedNotedAt.map({ now - $0 >= EventTime.minute }) ?? true {
                    descriptorsExhaustedNotedAt = now
                    logger.error("\(error.description)")
                }
            } else if failedPaths.updateValue(error.description, forKey: path) == nil {
                noteInputError(path, error.description)
                logger.error("\(error.description)")
                publishProblems(now: now)
            }
        } catch {
            let path = journal?.name ?? path
            if failedPaths.updateValue("\(path): \(error)", forKey: path) == nil {
                noteInputError(path, "\(path): \(error)")
                logger.error("\(path): \(error)")
            }
        }
        return nil
    }

    /// Expands the patterns again and opens the files not followed yet. Returns the patterns
    /// that name no file.
    @discardableResult
    func rescan(now: Int64, atStart: Bool) -> [PathPattern] {
        var unmatched: [PathPattern] = []
        for p in patterns where p.isStream && !p.isStdin { followJournal(p, now: now, atStart: atStart) }
        for p in patterns where !p.isStream {
            watcher.watch(directory: p.directory)
            let paths = p.expand()
            if paths.isEmpty {
                unmatched.append(p)
                noteNotAFile(p, now: now)
            }
            for path in paths {
                var st = stat()
                guard stat(path, &st) == 0 else { continue }
                let id = FileID(device: UInt64(st.st_dev), inode: UInt64(st.st_ino))
                if inputs.contains(where: { $0.device == id.device && $0.inode == id.inode }) { continue }
                if let done = finishedFiles[id] {
                    // Closed at its end: skip it while it is that same file, unchanged. An inode
                    // number is reused once a file is gone, so the content is compared too.
                    let same =
                        done.size == Int64(st.st_size)
                        && InputSource.rawPrefix(path: path, count: done.prefix.count) == done.prefix
                    if same { continue }
                    finishedFiles[id] = nil
                }
                open(path: path, now: now, atStart: atStart)
            }
        }
        return unmatched
    }

    /// Opens what a `journal:` pattern names and is not followed yet: the journal, or each group
    /// of a directory's files. A journal that could not be opened (its directory not there
    /// yet) or whose journalctl ended is opened again, after its last analyzed cursor. A group
    /// whose files changed since its journalctl started is started again after its last
    /// analyzed entry: `journalctl --file` reads the files it was given, and would not see the
    /// active file that replaced an archived one.
    private func followJournal(_ pattern: PathPattern, now: Int64, atStart: Bool) {
        guard let query = JournalQuery(input: pattern.text, matches: streamOptions.journalMatches) else { return }
        let queries: [JournalQuery]
        do { queries = try query.groupQueries() } catch {
            if failedPaths.updateValue("\(error)", forKey: pattern.text) == nil {
                noteInputError(pattern.text, "\(error)")
                logger.error("\(error)")
                publishProblems(now: now)
            }
            return
        }
        if queries.first?.group != nil || queries.isEmpty {
            // A directory: it can be listed, whatever failed before (not there yet).
            failedPaths.removeValue(forKey: pattern.text)
        }
        let current = Set(queries.map(\.identity))
        for input in inputs {
            guard let journal = input.stream.source.journal, journal.group != nil, journal.path == query.path,
                !current.contains(journal.identity)
            else { continue }
            // Every file of the group gone (vacuumed, the host retired): what journalctl read
            // of them is analyzed, and it is stopped.
            input.stream.reader.finish()
            try? input.stream.advance()
            try? drain(input)
            logger.info("\(journal.name): its files are gone; stopped reading it")
            remove(input, record: input.stream.checkpointRecord(now: now))
        }
        for group in queries {
            guard let input = inputs.first(where: { $0.stream.source.journal?.identity == group.identity }) else {
                open(path: pattern.text, journal: group.group == nil ? nil : group, now: now, atStart: atStart)
                continue
            }
            guard let files = group.group?.files, let before = input.stream.source.journal?.group?.files, files != before else { continue }
            // Not drained: the entry decoded and not yet analyzed is not in the record, and
            // the new journalctl prints it again, with whatever the old one had not printed.
            let record = input.stream.checkpointRecord(now: now)
            remove(input, record: record)
            let added = files.filter { !before.contains($0) }.map { ($0 as NSString).lastPathComponent }
            let gone = before.filter { !files.contains($0) }.map { ($0 as NSString).lastPathComponent }
            logger.info(
                "\(group.name): its files changed (\(added.isEmpty ? "" : "new: " + added.joined(separator: ", "))\(added.isEmpty || gone.isEmpty ? "" : "; ")\(gone.isEmpty ? "" : "gone: " + gone.joined(separator: ", "))); reading on after its last analyzed entry"
            )
            open(path: pattern.text, journal: group, now: now, atStart: false)
        }
    }

    /// A path given as such (no wildcard) that exists and is not a regular file, a directory
    /// most likely: it names no file, and waiting for one to appear there would read nothing
    /// for ever while looking healthy. It is an input that cannot be read until it becomes a
    /// file (a glob that matches nothing is only waited for).
    private func noteNotAFile(_ pattern: PathPattern, now: Int64) {
        guard !pattern.hasWildcards else { return }
        var st = stat()
        guard stat(pattern.text, &st) == 0, (st.st_mode & S_IFMT) != S_IFREG else {
            // Gone (or a file at last): no longer a problem; a file is opened by the rescan.
            if failedPaths[pattern.text]?.hasPrefix("\(pattern.text): is ") == true { failedPaths[pattern.text] = nil }
            return
        }
        let kind = (st.st_mode & S_IFMT) == S_IFDIR ? "a directory" : "not a regular file"
        var message = "\(pattern.text): is \(kind), not a log file"
        if (st.st_mode & S_IFMT) == S_IFDIR { message += "; to follow the files in it, quote a glob such as '\(pattern.text)/*.log'" }
        guard failedPaths.updateValue(message, forKey: pattern.text) == nil else { return }
        noteInputError(pattern.text, message)
        logger.error("\(TerminalText.escape(message))")
        publishProblems(now: now)
    }

    /// Inputs used recently whose files moved while Vigil was stopped: found among their
    /// siblings by fingerprint and read on from their stored offset.
    func recoverRotatedWhileStopped(now: Int64) {
        let recent = known.filter { r in
            r.updatedAt >= now - 7 * EventTime.day && patterns.contains { !$0.isStream && $0.matches(r.path) }
        }
        for r in recent {
            if inputs.contains(where: {
                $0.stream.record?.fingerprint == r.fingerprint && $0.stream.record?.fingerprintLength == r.fingerprintLength
            }) {
                continue
            }
            for candidate in Tailer.siblings(of: r.path) {
                var st = stat()
                guard stat(candidate, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG else { continue }
                if inputs.contains(where: { $0.device == UInt64(st.st_dev) && $0.inode == UInt64(st.st_ino) }) { continue }
                guard Tailer.holds(r, candidate) else { continue }
                if InputSource.isFullyRead(path: candidate, size: Int64(st.st_size), offset: r.offset) { break }
                logger.info("\(r.path) was rotated while Vigil was stopped; reading the rest of it from \(candidate)")
                summary.rotations += 1
                open(path: candidate, now: now, atStart: false, knownRecords: [r], rotated: true)
                break
            }
        }
    }

    /// Files an earlier run followed before they had any content to recognize them by, and
    /// that were renamed while Vigil was stopped: found among their path's siblings by device
    /// and inode (a rename keeps both) and read from their start, since no line of them was
    /// checkpointed. One that got a record meanwhile is resumed from it instead (`open`
    /// matches records by content first).
    func recoverFollowedWithoutRecord(now: Int64) {
        for followed in followedWithoutRecord where patterns.contains(where: { !$0.isStream && $0.matches(followed.path) }) {
            if inputs.contains(where: { $0.device == followed.device && $0.inode == followed.inode }) { continue }
            for candidate in Tailer.siblings(of: followed.path) {
                var st = stat()
                guard stat(candidate, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG else { continue }
                guard UInt64(st.st_dev) == followed.device && UInt64(st.st_ino) == followed.inode else { continue }
                logger.info("\(followed.path) was rotated while Vigil was stopped, before its first checkpoint; reading \(candidate)")
                summary.rotations += 1
                open(path: candidate, now: now, atStart: false, rotated: true)
                break
            }
        }
    }

    /// Files in the same directory whose names continue `path`'s (`auth.log.1`, `auth.log.2.gz`,
    /// `auth.log-20261129`), newest rotation first.
    static func siblings(of path: String) -> [String] {
        let dir = (path as NSString).deletingLastPathComponent
        let base = (path as NSString).lastPathComponent
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: dir.isEmpty ? "." : dir) else { return [] }
        return names.filter { $0 != base && ($0.hasPrefix(base + ".") || $0.hasPrefix(base + "-")) }
            .sorted { $0.count != $1.count ? $0.count < $1.count : $0 < $1 }
            .map { dir.isEmpty ? $0 : dir + "/" + $0 }
    }

    /// Whether the file at `path` starts with the content the record was fingerprinted from
    /// (decompressed if it is gzip): a rotated copy of that input.
    static func holds(_ r: InputRecord, _ path: String) -> Bool {
        guard let prefix = InputSource.contentPrefix(path: path, count: r.fingerprintLength), prefix.count == r.fingerprintLength else {
            return false
        }
        return prefix.withUnsafeBytes { EventStream.fingerprint($0) } == r.fingerprint
    }

    /// Notices renamed, deleted, truncated and rewritten files.
    func checkRotations(now: Int64) throws {
        for i in inputs where !i.rotated && !i.isStream {
            var st = stat()
            if stat(i.path, &st) != 0 || UInt64(st.st_dev) != i.device || UInt64(st.st_ino) != i.inode {
                i.rotated = true
                summary.rotations += 1
                logger.info("\(i.path) was rotated (renamed or deleted); reading the old file to its end")
                continue
            }
            guard !i.stream.source.isCompressed else { continue }
            i.stream.ensureRecord()
            if i.stream.replacedUnderneath || !i.stream.stillSameContent() { try handleTruncation(i, now: now) }
        }
    }

    /// `copytruncate` (or a file rewritten in place): finish what was read, look for the
    /// rotated copy to read the rest, and start the file again from its beginning.
    private func handleTruncation(_ input: TailInput, now: Int64) throws {
        summary.truncations += 1
        input.stream.reader.freeze()
        try drain(input)
        let lostPartial = Int64(input.stream.reader.pendingBytes)
        let record = input.stream.checkpointRecord(now: now)
        remove(input, record: record)
        var recovered = false
        if let r = record {
            for candidate in Tailer.siblings(of: input.path) {
                guard Tailer.holds(r, candidate) else { continue }
                logger.info("\(input.path) was truncated (copytruncate); reading the rest of its old content from \(candidate)")
                open(path: candidate, now: now, atStart: false, knownRecords: [r], rotated: true)
                recovered = true
                break
            }
        }
        // No copy was found, and the file still starts as it did: cut short in place, so what
        // is left of it was read already (`EventStream` continues after its last whole line).
        let cutShortInPlace = !recovered && record.map { Tailer.holds($0, input.path) } == true
        if cutShortInPlace {
            logger.warning(
                "\(input.path) was cut short in place (its beginning is unchanged): what is left of it was read already; reading on after its last whole line"
            )
        } else if !recovered {
            summary.bytesLost += lostPartial
            logger.warning(
                """
                \(input.path) was truncated and no rotated copy of it was found: lines written after line \(record?.lines ?? 0) \
                and before the truncation could not be read. Prefer rotation by rename (logrotate's default, without copytruncate).
                """)
        }
        // New content starts at 0 whatever it looks like: match no stored record.
        open(path: input.path, now: now, atStart: false, knownRecords: cutShortInPlace ? record.map { [$0] } ?? [] : [])
    }

    /// Releases every event already buffered in one input (it is being closed).
    private func drain(_ input: TailInput) throws {
        while input.stream.head != nil { try release(input) }
    }

    private func remove(_ input: TailInput, record: InputRecord?) {
        if let r = record {
            closedRecords.append(r)
            known.removeAll { $0.fingerprint == r.fingerprint && $0.fingerprintLength == r.fingerprintLength }
            known.append(r)
        }
        if let st = input.stream.source.currentStat() {
            finishedFiles[FileID(device: st.device, inode: st.inode)] = (st.size, input.stream.source.rawPrefix(64) ?? [])
        }
        input.stream.source.close()
        closedStats.append(input.stream.stats)
        closedLines += input.stream.stats.lines
        inputs.removeAll { $0 === input }
    }

    /// Closes rotated files that stopped growing, closed standard input and compressed files
    /// read to their end.
    func closeFinishedInputs(now: Int64) throws {
        for i in inputs {
            let rotatedDone = i.rotated && i.stream.head == nil && now - i.lastGrowth >= options.rotatedGrace
            guard rotatedDone || i.isExhausted else { continue }
            i.stream.reader.finish()
            try i.stream.advance()
            try drain(i)
            logger.info("closed \(i.stream.stats.path) after line \(i.stream.stats.lines + i.stream.stats.resumedAfterLine)")
            remove(i, record: i.stream.checkpointRecord(now: now))
        }
    }
}

/// A file's identity on disk (unique only while the file exists).
struct FileID: Hashable {
    var device: UInt64
    var inode: UInt64
}
