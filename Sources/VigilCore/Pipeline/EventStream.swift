import Foundation

/// One input being read: source → lines → decoder → events, with its statistics and the
/// offset bookkeeping that lets a later run continue after the last line analyzed.
final class EventStream {
    let index: Int32
    let source: InputSource
    private(set) var reader: LineReader
    /// A placeholder (`awaitingFirstLine`) only while a followed file has no complete first
    /// line to sniff its format from. Not optional: unwrapping it per line cost a retain.
    private(set) var decoder: LineDecoder = PendingFormatDecoder()
    private var awaitingFirstLine = true
    /// A followed file that had too few lines to judge its format when it was opened (empty
    /// after a rotation): its first lines are judged as they are read (`judgeFirstLines`).
    private var unjudged = false
    private let decodeContext: DecodeContext
    private let options: Options
    var stats: InputStats
    var record: InputRecord?
    let strict: Bool
    private var malformedBefore: Int64 = 0

    /// The next event, decoded ahead so the merge can compare times.
    private(set) var head: Event?
    /// Offset and line count just before the head event's line: where a checkpoint resumes.
    private(set) var resumeOffset: Int64 = 0
    private(set) var resumeLines: Int64 = 0
    private(set) var lastEventTime: Int64?

    struct Options {
        var format: LogFormat = .auto
        var fixedYear: Int?
        var strict = false
        var now: Int64
        /// How far ahead of the clock an event may be stamped. One far-future line (a year
        /// 9999, a misread epoch) would otherwise become the watermark, and every later event
        /// "out of order" to the hourly detectors, in this run and the ones after it.
        var maxAhead: Int64 = EventTime.day
        var maxLineLength = LineReader.defaultMaxLineLength
        /// Following a growing file (`tail`): its end is "nothing yet", not the end.
        var follow = false
        /// The policy's `clients.trusted_proxies` (see `ClientSettings`).
        var trustedProxies = 0
        /// The policy's sshd `MaxAuthTries` (see `DecodeContext.sshdMaxAuthTries`).
        var sshdMaxAuthTries = SSHDMessageParser.defaultMaxAuthTries
        /// The policy's fingerprint, recorded with the input (`InputRecord.policyFingerprint`).
        var policyFingerprint: String?
        /// Where that policy was read from, to name it in notes.
        var policySource: String?
        /// `--journal-match` for `journal:` inputs; empty: sshd's entries
        /// (`JournalQuery.defaultMatches`).
        var journalMatches: [String] = []
        /// A followed `journal:` input never read before starts at the journal's end
        /// (`tail --from-end`), not at its oldest entry.
        var journalFromEnd = false
        /// A group of a `journal:` directory with no record of its own goes on from the cursor
        /// a run before groups kept for the directory (`EventStream.directoryCursor`). Not for
        /// a group a tail finds after it started: that is a host new since.
        var journalDirectoryCursor = true

        /// How much of the start of a file `--format auto` looks at: as much as the line
        /// reader can hold. A first line longer than that leaves nothing whole to sniff, and
        /// the format is an error to fix with `--format`, not a guess.
        var sniffWindow: Int { maxLineLength }
    }

    /// Whether `other` is this input again: the same file (device and inode) or the same
    /// content (the fingerprint of its first bytes), as a later run would recognize it.
    func isSameInput(as other: EventStream) -> Bool {
        if source.journal != nil || other.source.journal != nil {
            // `other`, named later, is read already when it is this journal or a file of this
            // directory (the other way round it is not: the directory holds more).
            guard let mine = source.journal, let theirs = other.source.journal else { return false }
            return theirs.isCovered(by: mine)
        }
        guard !source.isStdin, !other.source.isStdin else { return false }
        if source.device == other.source.device && source.inode == other.source.inode && source.inode != 0 { return true }
        guard let mine = record, let theirs = other.record, mine.fingerprintLength > 0 else { return false }
        return mine.fingerprintLength == theirs.fingerprintLength && mine.fingerprint == theirs.fingerprint
    }

    /// Opens an input, recognizes it among `known` inputs by fingerprint to resume it, and
    /// picks its decoder (sniffing when the format is `auto`). When following a file that is
    /// still empty, the record and the decoder wait for its first line. `journal`: the query to
    /// read (a group of a `journal:` directory, `JournalQuery.groupQueries`) instead of `path`.
    init(
        path: String, journal: JournalQuery? = nil, index: Int32, symbols: SymbolTable, options: Options, known: [InputRecord]
    ) throws {
        self.index = index
        self.strict = options.strict
        self.options = options
        if let query = journal ?? JournalQuery(input: path, matches: options.journalMatches) {
            // A journal: its position is the cursor stored with its record (found by the
            // journal's name, not by content), and journalctl starts after it.
            let fingerprint = EventStream.journalFingerprint(query)
            let match = known.first { $0.fingerprintLength == 0 && $0.fingerprint == fingerprint }
            var cursor = match?.cursor
            var lostCursor: String? = nil
            if let stored = cursor, try !query.cursorExists(stored) {
                lostCursor = stored
                cursor = nil
            }
            // A group never read on its own, of a directory a run before groups read with one
            // cursor: it goes on from where that cursor places it in the group's files, so the
            // entries that run analyzed are not counted again.
            let directoryCursor =
                match == nil && options.journalDirectoryCursor ? EventStream.directoryCursor(of: query, known: known) : nil
            if let directoryCursor { cursor = try query.cursor(atOrBefore: directoryCursor) }
            if options.journalFromEnd && match == nil && directoryCursor == nil {
                // `tail --from-end` on a journal never read: start after its last entry, and
                // record that position at once, so a restart does not go back to the oldest.
                cursor = try query.lastCursor()
            }
            source = try InputSource(journal: query, after: cursor, follow: options.follow)
            stats = InputStats(path: source.displayName)
            let startOffset = match?.offset ?? 0
            let startLines = match?.lines ?? 0
            reader = LineReader(source: source, startOffset: startOffset, startLine: startLines, maxLineLength: options.maxLineLength)
            reader.follow = options.follow
            decodeContext = DecodeContext(
                symbols: symbols, yearAnchor: options.now, fixedYear: options.fixedYear, trustedProxies: options.trustedProxies)
            try startJournal(query, fingerprint: fingerprint, match: match, cursor: cursor, lostCursor: lostCursor)
            if directoryCursor != nil {
                let note =
                    "first read as a group of its directory: it goes on from the position recorded for the whole directory (entries stamped before it and never read then stay unread)"
                stats.note = stats.note.map { $0 + "; " + note } ?? note
            }
            return
        }
        source = try InputSource(path: path, follow: options.follow)
        stats = InputStats(path: source.displayName)
        reader = LineReader(source: source, maxLineLength: options.maxLineLength)
        reader.follow = options.follow && !source.isCompressed
        decodeContext = DecodeContext(
            symbols: symbols, yearAnchor: min(source.modificationTime ?? options.now, options.now),
            fixedYear: options.fixedYear, trustedProxies: options.trustedProxies, sshdMaxAuthTries: options.sshdMaxAuthTries)
        let prefix = try reader.peek(InputRecord.fingerprintBytes)
        var format = options.format
        var startOffset: Int64 = 0
        var startLines: Int64 = 0
        // A followed file's fingerprint must cover a whole first line: a few bytes of a line
        // being written ("{\"timestamp\": \"2026-") are the same in every file of a log.
        let fingerprintable = prefix.count > 0 && (!options.follow || prefix.count >= InputRecord.fingerprintBytes || prefix.contains(0x0a))
        if !source.isStdin && fingerprintable {
            let match = known.first { EventStream.isContent(of: $0, startingWith: prefix) }
            var rec = newRecord(fingerprint: EventStream.fingerprint(prefix), length: prefix.count)
            if let m = match {
                rec.fingerprint = m.fingerprint
                rec.fingerprintLength = m.fingerprintLength
                // The input keeps the name it was first read under (`auth.log`, not the
                // `auth.log.1` it was rotated to): a restart looks for its rotated copies by it.
                rec.path = m.path
                rec.firstAnalyzedAt = m.firstAnalyzedAt ?? m.updatedAt
                rec.absolutePath = m.absolutePath ?? rec.absolutePath
            }
            /// Continues the matched input at `offset`, after `lines` lines.
            func resume(_ m: InputRecord, offset: Int64, lines: Int64) {
                rec.offset = offset
                rec.lines = lines
                rec.malformed = m.malformed
                rec.lastEventTime = m.lastEventTime
                startOffset = offset
                startLines = lines
                if format == .auto, let f = LogFormat(rawValue: m.format), f != .auto { format = f }
                noteChangedSettings(m, lines: lines)
                // The record keeps the settings its first lines were read with: a later run
                // with others reads none of those again, and `reanalyze` reads them "as
                // recorded" (a run that read 0 lines with --year 2024 re-dated them all).
                if lines > 0, m.requestedFormat != nil {
                    rec.requestedFormat = m.requestedFormat
                    rec.fixedYear = m.fixedYear
                    rec.policyFingerprint = m.policyFingerprint
                }
            }
            if let m = match, m.offset > 0, !source.isCompressed, source.size < m.offset,
                let lineEnd = InputSource.lastLineEnd(path: path, before: source.size)
            {
                // Cut in the middle of a line: that line was read whole, so its first part is
                // not read again (nor joined with what is appended next).
                let cutMidLine = lineEnd.offset < source.size
                let end = (offset: source.size, lines: lineEnd.lines + (cutMidLine ? 1 : 0))
                // Shorter than where the last run stopped, with the same first bytes: the
                // same input cut short (truncated in place), not a new one. Its lines up to
                // its current end were analyzed then; reading it from 0 would count them
                // twice. Lines appended from now on are read.
                resume(m, offset: end.offset, lines: end.lines)
                stats.note =
                    "shrank to \(source.size) bytes since the last run stopped at byte \(m.offset) (truncated in place?); its first bytes are unchanged, so its \(end.lines) lines were analyzed then and are not read again"
            } else if let m = match, m.offset > 0, !source.isCompressed, let stored = m.endFingerprint,
                source.bytes(endingAt: m.offset, count: InputRecord.fingerprintBytes).map({ bytes in
                    bytes.withUnsafeBytes { EventStream.fingerprint($0) }
                }) != stored
            {
                // Same first bytes, but not the content the last run stopped in: written again
                // after being cut short. Resuming at the offset would skip what is new there;
                // reading from the start may count the unchanged beginning again, and says so.
                stats.note =
                    "its content before byte \(m.offset), where the last run stopped, changed since (rewritten in place?); read again from the start, so lines it still shares with the earlier content are counted again"
            } else if let m = match, m.offset > 0, source.isCompressed || source.size >= m.offset {
                resume(m, offset: m.offset, lines: m.lines)
                rec.decoderState = m.decoderState
            }
            record = rec
        }
        if format == .auto && reader.follow && !prefix.contains(0x0a) {
            // Nothing to sniff yet: decide when the first line is complete.
        } else {
            try chooseDecoder(format, prefix: format == .auto ? reader.peekLines(20, maxBytes: options.sniffWindow) : prefix)
            if startOffset == 0 { try refuseMostlyUnreadable() }
        }
        if startOffset > 0, let state = record?.decoderState { decoder.loadState(state) }
        if startOffset > 0 {
            try source.seek(to: startOffset)
            reader = LineReader(source: source, startOffset: startOffset, startLine: startLines, maxLineLength: options.maxLineLength)
            reader.follow = options.follow && !source.isCompressed
            stats.resumedAfterLine = startLines
        }
        resumeOffset = startOffset
        resumeLines = startLines
        malformedBefore = record?.malformed ?? 0
        installReadGuard()
    }

    /// The rest of opening a `journal:` input: its record (a new one, or the stored one
    /// continued), its decoder, and the note when its stored cursor is gone.
    private func startJournal(
        _ query: JournalQuery, fingerprint: String, match: InputRecord?, cursor: String?, lostCursor: String?
    ) throws {
        if options.format != .auto && options.format != .journalJSON {
            throw VigilError.input(
                path: query.name, reason: "a journal: input is journalctl's JSON, not \(options.format.rawValue)",
                hint: "Leave out --format (or pass --format journal-json) for journal: inputs.")
        }
        var rec = newRecord(fingerprint: fingerprint, length: 0)
        // A group's record names the directory it was found in: what `reanalyze` reads again.
        rec.absolutePath = query.directoryIdentity ?? query.identity
        rec.format = LogFormat.journalJSON.rawValue
        if let m = match {
            rec.path = m.path
            rec.firstAnalyzedAt = m.firstAnalyzedAt ?? m.updatedAt
            rec.offset = m.offset
            rec.lines = m.lines
            rec.malformed = m.malformed
            rec.lastEventTime = m.lastEventTime
            rec.decoderState = m.decoderState
            noteChangedSettings(m, lines: m.lines)
            if m.lines > 0, m.requestedFormat != nil {
                rec.requestedFormat = m.requestedFormat
                rec.fixedYear = m.fixedYear
                rec.policyFingerprint = m.policyFingerprint
            }
        }
        rec.cursor = cursor
        record = rec
        decoder = decodeContext.makeDecoder(.journalJSON)!
        awaitingFirstLine = false
        stats.format = .journalJSON
        stats.formatDetected = options.format == .auto
        if let state = rec.decoderState, rec.lines > 0 { decoder.loadState(state) }
        if rec.lines > 0 { stats.resumedAfterLine = rec.lines }
        resumeOffset = rec.offset
        resumeLines = rec.lines
        malformedBefore = rec.malformed
        if let lostCursor {
            // Vacuumed (or the journal replaced) while Vigil was not reading: what was between
            // the cursor and the oldest entry left is lost to the analysis, and said so.
            stats.journalCursorLost = true
            let note =
                "its last position (journal cursor \(lostCursor)) is no longer in the journal (vacuumed or rotated away since the last run); reading resumed at the oldest entry left, and entries logged between that position and it were never analyzed"
            stats.note = stats.note.map { $0 + "; " + note } ?? note
        }
    }

    /// A journal input's fingerprint: of its name made absolute (`JournalQuery.identity`),
    /// with length 0 so that no file's content is ever taken for it.
    static func journalFingerprint(_ query: JournalQuery) -> String {
        journalFingerprint(identity: query.identity)
    }

    static func journalFingerprint(identity: String) -> String {
        var bytes = Array(identity.utf8)
        return bytes.withUnsafeMutableBytes { fingerprint(UnsafeRawBufferPointer($0)) }
    }

    /// The cursor recorded for the directory a group is in, by a run that read it as one
    /// input; nil when there is none, when `query` is no group, or when groups of the
    /// directory were read since (the directory's groups are Vigil's now, and one without a
    /// record is a new host, to read from its start).
    static func directoryCursor(of query: JournalQuery, known: [InputRecord]) -> String? {
        guard let directory = query.directoryIdentity else { return nil }
        let fingerprint = journalFingerprint(identity: directory)
        guard let recorded = known.first(where: { $0.fingerprintLength == 0 && $0.fingerprint == fingerprint && $0.cursor != nil }),
            !known.contains(where: { $0.fingerprintLength == 0 && $0.fingerprint != fingerprint && $0.absolutePath == directory })
        else { return nil }
        return recorded.cursor
    }

    /// Refuses an input whose first lines are mostly unreadable with the chosen format or
    /// year, before any line is analyzed: read anyway, it would be recorded as read, and the
    /// corrected run would continue after its last line and never analyze it (a wrong
    /// `--format` or `--year` locked a file for good). Nothing is recorded, so the corrected
    /// run reads it whole.
    /// Below this many whole first lines, a file is read however many are malformed.
    static let fewestLinesToJudge = 5

    private func refuseMostlyUnreadable() throws {
        let window = try reader.peekLines(100, maxBytes: options.sniffWindow)
        // Whole lines only (a first line longer than the window is the line reader's to cut),
        // and enough of them to judge: a file of one or two odd lines is read as it is.
        let lines = DecodeContext.leadingLines(window, limit: 100).filter { line in
            line.baseAddress.map { window.baseAddress!.distance(to: $0) + line.count < window.count } ?? false
        }
        guard lines.count >= EventStream.fewestLinesToJudge, let format = stats.format else {
            unjudged = reader.follow
            return
        }
        let (malformed, ahead) = decodeContext.sample(lines, as: format, latestAllowed: latestAllowed)
        guard (malformed + ahead) * 2 > lines.count else { return }
        let name = source.displayName
        if ahead >= malformed {
            let year = options.fixedYear.map { " with --year \($0)" } ?? ""
            throw VigilError.input(
                path: name,
                reason:
                    "\(ahead) of its first \(lines.count) lines are stamped more than \(DurationText.format(options.maxAhead)) ahead of the clock\(year); nothing was analyzed or recorded",
                hint: "Check --year (or the clock of the host that wrote it), then run again: the file is read from its start.")
        }
        let better = LogFormat.concrete.filter { $0 != format }.first { other in
            decodeContext.sample(lines, as: other, latestAllowed: .max).malformed * 2 < lines.count
        }
        throw VigilError.input(
            path: name,
            reason:
                "\(malformed) of its first \(lines.count) lines are malformed as \(format.rawValue)\(better.map { "; they read as \($0.rawValue)" } ?? ""); nothing was analyzed or recorded",
            hint:
                "Pass --format \(better?.rawValue ?? "mcp-json, sshd, combined or journal-json") (or --format auto), then run again: the file is read from its start."
        )
    }

    /// The wrong-format check for a followed file that was empty when opened: once its first
    /// lines are read, mostly malformed ones stop the input loudly (an unreadable input in
    /// `status`, `/healthz` 503, the tail's exit status) instead of being counted for ever.
    /// They were read already: `vigil reanalyze --format F FILE` reads them again.
    private func judgeFirstLines() {
        unjudged = false
        let judged = stats.lines - stats.ignored
        guard stats.malformed * 2 > judged, let format = stats.format else { return }
        stats.error =
            VigilError.input(
                path: source.displayName,
                reason: "\(stats.malformed) of its first \(judged) lines are malformed as \(format.rawValue); stopped reading it",
                hint:
                    "Pass the right --format (or --format auto) and restart; `vigil reanalyze --format F \(source.displayName)` reads the lines already passed."
            ).description
    }

    private func newRecord(fingerprint: String, length: Int) -> InputRecord {
        InputRecord(
            fingerprint: fingerprint, fingerprintLength: length, path: source.path, device: source.device,
            inode: source.inode, size: source.size, offset: 0, lines: 0, format: stats.format?.rawValue ?? "",
            malformed: 0, lastEventTime: nil, updatedAt: options.now, decoderState: nil,
            requestedFormat: options.format.rawValue, fixedYear: options.fixedYear, policyFingerprint: options.policyFingerprint,
            firstAnalyzedAt: options.now, absolutePath: URL(fileURLWithPath: source.path).standardizedFileURL.path)
    }

    /// Says plainly when an input is continued with other settings than its first lines were
    /// read with: those lines are not read again, so what they produced (or did not) stands
    /// until `vigil reanalyze` reads them with the new settings. Records written before Vigil
    /// kept settings say nothing.
    private func noteChangedSettings(_ stored: InputRecord, lines: Int64) {
        guard lines > 0, stored.requestedFormat != nil else { return }
        var changes: [String] = []
        if options.format != .auto, options.format.rawValue != stored.format {
            changes.append("--format \(options.format.rawValue) (they were read as \(stored.format))")
        }
        if options.fixedYear != stored.fixedYear {
            let now = options.fixedYear.map { "--year \($0)" } ?? "no --year"
            let then = stored.fixedYear.map { "--year \($0)" } ?? "no --year, the year from the file's date"
            changes.append("\(now) (they were read with \(then))")
        }
        if options.policyFingerprint != stored.policyFingerprint {
            let name: (String?) -> String = { $0.map { "policy [\($0)]" } ?? "the built-in default policy" }
            let now =
                options.policyFingerprint == nil
                ? name(nil) : "the policy at \(options.policySource ?? "?") [\(options.policyFingerprint!)]"
            changes.append("\(now) (they were judged with \(name(stored.policyFingerprint)))")
        }
        guard !changes.isEmpty else { return }
        let note =
            "this run uses \(changes.joined(separator: ", ")); its first \(lines) lines were analyzed before and are not read again. `vigil reanalyze` reads every input again with the settings given, keeping acknowledgements and suppressions"
        stats.note = stats.note.map { $0 + "; " + note } ?? note
    }

    private func chooseDecoder(_ requested: LogFormat, prefix: UnsafeRawBufferPointer) throws {
        var format = requested
        if format == .auto {
            if let sniffed = decodeContext.sniff(prefix) {
                format = sniffed
            } else if prefix.isEmpty {
                format = .sshd  // an empty input: nothing to decode either way
            } else {
                throw VigilError.input(
                    path: source.displayName, reason: "format not recognized from its first lines",
                    hint:
                        "Pass --format mcp-json, sshd, combined or journal-json; `vigil decode --format X FILE` shows how each line is read."
                )
            }
        }
        decoder = decodeContext.makeDecoder(format)!
        awaitingFirstLine = false
        stats.format = format
        stats.formatDetected = requested == .auto
        record?.format = format.rawValue
    }

    /// Passes over the lines already in a followed file without analyzing them
    /// (`tail --from-end` on a file never seen before).
    func skipExistingLines() throws {
        while let line = try reader.next() {
            stats.lines += 1
            stats.ignored += 1
            _ = line
        }
        resumeOffset = reader.offset
        resumeLines = reader.lineNumber
        stats.resumedAfterLine = 0
    }

    static func fingerprint(_ bytes: UnsafeRawBufferPointer) -> String {
        String(StableHash.fnv1a(bytes), radix: 16)
    }

    /// Whether a file starting with `prefix` is the input `record` describes: the first
    /// `record.fingerprintLength` bytes have its fingerprint (how a run recognizes an input
    /// renamed, rotated or compressed since).
    static func isContent(of record: InputRecord, startingWith prefix: UnsafeRawBufferPointer) -> Bool {
        record.fingerprintLength > 0 && record.fingerprintLength <= prefix.count
            && fingerprint(UnsafeRawBufferPointer(rebasing: prefix.prefix(record.fingerprintLength))) == record.fingerprint
    }

    /// Decodes lines until the next event (or the end), counting what it passes over.
    func advance() throws {
        var e = Event()
        if awaitingFirstLine {
            // Wait for a whole first line, however long (a 1 KiB look never saw the end of a
            // long JSON line, and the tail followed the file without reading it).
            let firstLines = try reader.peekLines(options.format == .auto ? 20 : 1, maxBytes: options.sniffWindow)
            guard firstLines.contains(0x0a) || !reader.follow else { head = nil; return }
            do { try chooseDecoder(options.format, prefix: firstLines) } catch let error as VigilError {
                stats.error = error.description
                head = nil
                return
            }
        }
        if let again = lineAgain {
            // The line whose decoder said it stands for more events: decoded again, from the
            // copy kept, at the same position (a checkpoint now resumes before it).
            lineAgain = nil
            let result = again.bytes.withUnsafeBytes { decoder.decode($0, into: &e) }
            switch result {
            case .event, .eventAndMore:
                if result == .eventAndMore { lineAgain = again }
                stats.events += 1
                e.input = index
                e.line = again.number
                head = e
                lastEventTime = max(lastEventTime ?? e.time, e.time)
                return
            case .ignored, .malformed:
                break  // its last part: nothing more of it to hand on
            }
        }
        while true {
            if unjudged && stats.lines - stats.ignored >= EventStream.fewestLinesToJudge { judgeFirstLines() }
            if stats.error != nil {
                head = nil
                return
            }
            let before = reader.offset
            let beforeLines = reader.lineNumber
            let line: Line?
            do {
                line = try reader.next()
            } catch let error as VigilError {
                stats.error = error.description
                head = nil
                resumeOffset = reader.offset; resumeLines = reader.lineNumber
                return
            }
            guard let line else {
                head = nil
                resumeOffset = reader.offset; resumeLines = reader.lineNumber
                return
            }
            stats.lines += 1
            if line.bytes.isEmpty {
                stats.ignored += 1
                ignoredTap?(line.bytes)
                continue
            }
            if line.truncated {
                try malformed(line.number, "line longer than \(reader.maxLineLength) bytes")
                continue
            }
            let result = decoder.decode(line.bytes, into: &e)
            switch result {
            case .event, .eventAndMore:
                if e.time > latestAllowed {
                    // The clock is read again only when a line seems to be ahead of it, so a
                    // long `tail` keeps a current bound at no cost per line.
                    latestAllowed = max(options.now, EventTime.wallNow()) + options.maxAhead
                    if e.time > latestAllowed {
                        try malformed(
                            line.number,
                            "time \(e.time <= EventTime.maxTime ? EventTime.format(e.time) : "past year 9999") is more than \(DurationText.format(options.maxAhead)) ahead of the clock"
                                + (options.fixedYear != nil ? " (is --year right for this file?)" : "")
                        )
                        continue
                    }
                }
                stats.events += 1
                e.input = index
                e.line = line.number
                head = e
                if result == .eventAndMore { lineAgain = RepeatedLine(bytes: Array(line.bytes), number: line.number) }
                resumeOffset = before
                resumeLines = beforeLines
                lastEventTime = max(lastEventTime ?? e.time, e.time)
                return
            case .ignored:
                stats.ignored += 1
                ignoredTap?(line.bytes)
            case let .malformed(reason):
                try malformed(line.number, reason)
            }
        }
    }

    /// A line that stands for several events (`DecodeResult.eventAndMore`), copied: the
    /// reader's buffer is reused by the next read.
    private struct RepeatedLine {
        var bytes: [UInt8]
        var number: Int64
    }
    private var lineAgain: RepeatedLine?

    /// Events stamped later than this are refused (see `Options.maxAhead`).
    private lazy var latestAllowed: Int64 = max(options.now, EventTime.wallNow()) + options.maxAhead

    /// Sees every malformed line with why (`vigil decode` lists them all; the statistics
    /// keep the first few).
    var malformedTap: ((Int64, String) -> Void)?

    /// Sees every ignored line (`vigil decode --stats` counts them by syslog program).
    var ignoredTap: ((UnsafeRawBufferPointer) -> Void)?

    private func malformed(_ line: Int64, _ reason: String) throws {
        stats.noteMalformed(line: line, reason: reason)
        malformedTap?(line, reason)
        if strict { throw VigilError.strictMalformed(path: stats.path, line: line, reason: reason) }
    }

    /// The input's record as of the last event handed on (for a checkpoint).
    /// Set when the followed file was found truncated or rewritten before a read: reading
    /// stopped, and the tail takes it from there.
    private(set) var replacedUnderneath = false

    /// Whether the open file still holds the content we were reading: not shorter than what
    /// was read, and with the same first bytes. Checked before every read of a followed file,
    /// so a `copytruncate` is noticed before any of the new content is read from the middle,
    /// and by the tail's rotation checks between reads.
    func stillSameContent() -> Bool {
        guard let st = source.currentStat() else { return true }
        var same = st.size >= reader.readPosition
        if same, let r = record, r.fingerprintLength > 0 {
            if let prefix = source.prefix(r.fingerprintLength) {
                same = prefix.count == r.fingerprintLength && prefix.withUnsafeBytes { EventStream.fingerprint($0) } == r.fingerprint
            }
        }
        if !same { replacedUnderneath = true }
        return same
    }

    private func installReadGuard() {
        guard options.follow, !source.isStdin, source.journal == nil, !source.isCompressed else { return }
        reader.readGuard = { [unowned self] in self.stillSameContent() }
    }

    /// Gives a followed file that was empty when opened its record (fingerprint) as soon as it
    /// has content, so a later truncation or rotation can be recognized.
    func ensureRecord() {
        let prefix = reader.firstBytes
        if record == nil, !source.isStdin, prefix.count >= InputRecord.fingerprintBytes || prefix.contains(0x0a) {
            record = prefix.withUnsafeBytes { newRecord(fingerprint: EventStream.fingerprint($0), length: prefix.count) }
        }
    }

    func checkpointRecord(now: Int64) -> InputRecord? {
        ensureRecord()
        guard var r = record else { return nil }
        if let st = source.currentStat() { r.size = st.size }
        if source.journal != nil, let journalDecoder = decoder as? JournalJSONDecoder {
            // The position of a journal is the cursor of the last entry analyzed; none read
            // yet in this run: the one it resumed after stays.
            r.cursor = journalDecoder.cursor(beforeLastLine: head != nil) ?? r.cursor
        }
        r.offset = resumeOffset
        r.lines = resumeLines
        r.malformed = malformedBefore + stats.malformed
        r.lastEventTime = lastEventTime ?? r.lastEventTime
        r.updatedAt = now
        r.decoderState = awaitingFirstLine ? nil : decoder.saveState(beforeLastLine: head != nil)
        // Read back from the file, so only while it still holds what was read: a file
        // truncated or rewritten since would give bytes this stream never saw.
        r.endFingerprint =
            replacedUnderneath || source.journal != nil || !stillSameContent()
            ? nil
            : source.bytes(endingAt: resumeOffset, count: InputRecord.fingerprintBytes).map { bytes in
                bytes.withUnsafeBytes { EventStream.fingerprint($0) }
            }
        return r
    }
}

/// Stands in until a followed file's format is known; never asked to decode.
private final class PendingFormatDecoder: LineDecoder {
    let format = LogFormat.auto
    func decode(_ line: UnsafeRawBufferPointer, into event: inout Event) -> DecodeResult { .ignored }
}
