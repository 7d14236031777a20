import Foundation

/// Runs the batch pipeline: inputs → decode → detectors → findings → store.
///
/// Inputs are merged by event time (a k-way merge over each input's next event), so
/// `vigil analyze auth.log mcp.jsonl` sees one timeline, as tailing both would. Within one
/// input, lines are taken in file order; a line older than the newest event already seen is
/// still applied and counted as out of order. Every `checkpointLines` lines and at the end,
/// findings, input offsets and detector state are committed together.
///
/// Two threads: a reading thread does input, decoding and the merge (`produce`), the calling
/// thread detection and commits, with `EventBatchQueue` between them. Decoding is about a third
/// of the work, so overlapping it is what takes MCP analysis past 1 M lines/s on two cores.
package final class Analyzer {
    package struct Options {
        package var format: LogFormat = .auto
        /// Year for year-less syslog stamps; default: inferred from each file's mtime.
        package var fixedYear: Int?
        package var strict = false
        /// Wall-clock now (ms), for year inference and bookkeeping.
        package var now: Int64 = EventTime.wallNow()
        package var checkpointLines: Int64 = 2_000_000
        /// How far ahead of the clock an event may be stamped; a line beyond is malformed.
        package var maxAhead: Int64 = EventTime.day
        /// Allowlists and detector settings; the built-in defaults unless a policy was loaded.
        package var policy = Policy()
        /// GeoIP/ASN lookups for evidence and country/ASN allowlists.
        package var enricher: Enricher?
        /// Where to publish how far the run has got (`analyze --progress`); nil: not tracked.
        package var progress: AnalysisProgress?
        /// `--journal-match` for `journal:` inputs (empty: sshd's entries).
        package var journalMatches: [String] = []

        package init() {}

        var streamOptions: EventStream.Options {
            EventStream.Options(
                format: format, fixedYear: fixedYear, strict: strict, now: now, maxAhead: maxAhead,
                trustedProxies: policy.clients.trustedProxies, sshdMaxAuthTries: policy.detectors.authFailureBurst.maxAuthTries,
                policyFingerprint: policy.fingerprint, policySource: policy.source, journalMatches: journalMatches)
        }
    }

    package struct Summary {
        package var inputs: [InputStats] = []
        /// Inputs that could not be opened at all, with why.
        package var failedInputs: [(path: String, error: String)] = []
        /// Inputs named twice in one run (the same path, a link to it, or a copy with the same
        /// content): read once, under the first name.
        package var repeatedInputs: [(path: String, sameAs: String)] = []
        package var seconds = 0.0
        var tally = FindingTally()

        package var findingsOpened: [Severity: Int] { tally.opened }
        package var findingsUpdated: Int { tally.updated }
        /// The most severe finding opened or grown in this run.
        package var worstSeverity: Severity? { tally.worst }
        package var lines: Int64 { inputs.reduce(0) { $0 + $1.lines } }
        package var events: Int64 { inputs.reduce(0) { $0 + $1.events } }
        package var malformed: Int64 { inputs.reduce(0) { $0 + $1.malformed } }
    }

    let options: Options
    let store: any CheckpointStore
    let engine: Engine

    package init(store: any CheckpointStore, options: Options) {
        self.store = store
        self.options = options
        engine = Engine(store: store, policy: options.policy, enricher: options.enricher)
    }

    /// One input to read, with the format and year to read it with (`reanalyze` gives each
    /// input the settings it was recorded with; `analyze` gives all the same).
    package struct InputRequest: Sendable, Equatable {
        package var path: String
        package var format: LogFormat
        /// `nil`: the year of year-less stamps is inferred from the file's modification time.
        package var fixedYear: Int?

        package init(path: String, format: LogFormat, fixedYear: Int?) {
            self.path = path
            self.format = format
            self.fixedYear = fixedYear
        }
    }

    package func run(paths: [String], command: String = "analyze") throws -> Summary {
        try run(paths.map { InputRequest(path: $0, format: options.format, fixedYear: options.fixedYear) }, command: command)
    }

    package func run(_ requests: [InputRequest], command: String = "analyze") throws -> Summary {
        let started = Date()
        var summary = Summary()
        try engine.restoreState()
        let known = try store.inputRecords()
        var streams: [EventStream] = []
        for request in requests {
            let path = request.path
            var streamOptions = options.streamOptions
            streamOptions.format = request.format
            streamOptions.fixedYear = request.fixedYear
            // A journal directory is read group by group (`JournalQuery.groupQueries`).
            let journals: [JournalQuery?]
            do {
                journals = try JournalQuery(input: path, matches: options.journalMatches)?.groupQueries() ?? [nil]
            } catch let error as VigilError {
                summary.failedInputs.append((path, error.description))
                continue
            }
            for journal in journals {
                do {
                    let s = try EventStream(
                        path: path, journal: journal, index: Int32(engine.context.inputNames.count), symbols: engine.symbols,
                        options: streamOptions, known: known)
                    // Separate runs recognize an input by content; one run must too, or a file named
                    // twice (by path, symlink, hard link or copy) counts every line twice.
                    if let earlier = streams.first(where: { $0.isSameInput(as: s) }) {
                        s.source.close()
                        summary.repeatedInputs.append((s.stats.path, earlier.stats.path))
                        continue
                    }
                    // A journal file named before its directory: the directory's group holds it.
                    if let covered = streams.firstIndex(where: { s.isSameInput(as: $0) }) {
                        streams[covered].source.close()
                        summary.repeatedInputs.append((streams.remove(at: covered).stats.path, s.stats.path))
                    }
                    _ = engine.register(inputName: s.stats.path)
                    streams.append(s)
                } catch let error as VigilError {
                    summary.failedInputs.append((journal?.name ?? path, error.description))
                }
            }
        }
        // Reading and decoding on one thread, detection and commits on this one (see
        // `EventBatchQueue`). The order of events is decided by the reader alone, so the
        // findings are those of one thread doing both.
        let formats = streams.map { $0.stats.format }
        var position = [Int](repeating: -1, count: (streams.map { Int($0.index) }.max() ?? 0) + 1)
        for (i, s) in streams.enumerated() { position[Int(s.index)] = i }
        let queue = EventBatchQueue()
        let reader = Thread { [work = UncheckedSendable((self, streams))] in
            work.value.0.produce(work.value.1, into: queue)
        }
        reader.name = "vigil-read"
        reader.stackSize = 1 << 22
        reader.start()

        var outOfOrder = [Int64](repeating: 0, count: streams.count)
        // How late lines were within their own input (not behind other inputs or earlier
        // runs, which is how merging by time works and no sign of a problem in the file).
        var lateness = [Int64](repeating: 0, count: streams.count)
        var inputNewest = [Int64](repeating: .min, count: streams.count)
        do {
            while let batch = try queue.pop() {
                let engine = self.engine
                batch.events.withUnsafeBufferPointer { es in
                    for i in 0..<es.count {
                        let p = position[Int(es[i].input)]
                        let time = es[i].time
                        if !engine.observe(es[i], format: formats[p]) { outOfOrder[p] += 1 }
                        if time < inputNewest[p] {
                            if inputNewest[p] - time > lateness[p] { lateness[p] = inputNewest[p] - time }
                        } else {
                            inputNewest[p] = time
                        }
                    }
                }
                if let records = batch.checkpoint { try checkpoint(records, now: batch.checkpointTime, &summary) }
                queue.recycle(batch.events)
            }
        } catch {
            queue.cancel()
            queue.waitUntilFinished()
            throw error
        }
        for (i, s) in streams.enumerated() {
            s.stats.outOfOrder += outOfOrder[i]
            s.stats.maxLateness = max(s.stats.maxLateness, lateness[i])
            s.stats.explainOutOfOrder()
        }
        summary.inputs = streams.map(\.stats)
        summary.seconds = Date().timeIntervalSince(started)
        try store.recordRun(
            startedAt: Int64(started.timeIntervalSince1970 * 1000), finishedAt: EventTime.wallNow(),
            command: command, lines: summary.lines, events: summary.events, malformed: summary.malformed,
            findingsOpened: summary.findingsOpened.values.reduce(0, +), policy: options.policy, eventTimes: engine.runEventTimes)
        for s in streams { s.source.close() }
        return summary
    }

    static let batchSize = 4096

    /// The reading thread: merges the inputs by event time into batches, and marks a batch for
    /// a checkpoint every `checkpointLines` lines and at the end, with the inputs' records as of
    /// its last event. Touches nothing of the engine's but the symbol table it interns into.
    private func produce(_ streams: [EventStream], into queue: EventBatchQueue) {
        var batch = EventBatch()
        batch.events.reserveCapacity(Self.batchSize)
        do {
            let progressStart = streams.map(\.positionOnDisk)
            options.progress?.publish(Self.progress(streams, startedAt: progressStart, lines: 0))
            for s in streams { try s.advance() }
            var linesSinceCheckpoint: Int64 = 0
            var eventsSinceCheck = 0
            var lastLines: Int64 = 0
            var active = streams.filter { $0.head != nil }
            while !active.isEmpty {
                var best = 0
                if active.count > 1 {
                    var bestTime = active[0].head!.time
                    for i in 1..<active.count where active[i].head!.time < bestTime {
                        best = i
                        bestTime = active[i].head!.time
                    }
                }
                let stream = active[best]
                batch.events.append(stream.head!)
                try stream.advance()
                if stream.head == nil { active.remove(at: best) }
                guard batch.events.count == Self.batchSize else { continue }
                eventsSinceCheck += batch.events.count
                if eventsSinceCheck >= 65_536 {
                    eventsSinceCheck = 0
                    let lines = streams.reduce(0) { $0 + $1.stats.lines }
                    options.progress?.publish(Self.progress(streams, startedAt: progressStart, lines: lines))
                    linesSinceCheckpoint += lines - lastLines
                    lastLines = lines
                    if linesSinceCheckpoint >= options.checkpointLines {
                        linesSinceCheckpoint = 0
                        batch.checkpointTime = EventTime.wallNow()
                        batch.checkpoint = streams.compactMap { $0.checkpointRecord(now: batch.checkpointTime) }
                    }
                }
                guard queue.push(batch) else { break }
                batch = EventBatch()
                batch.events = queue.spareStorage() ?? []
                batch.events.reserveCapacity(Self.batchSize)
            }
            options.progress?.publish(Self.progress(streams, startedAt: progressStart, lines: streams.reduce(0) { $0 + $1.stats.lines }))
            batch.checkpointTime = EventTime.wallNow()
            batch.checkpoint = streams.compactMap { $0.checkpointRecord(now: batch.checkpointTime) }
            _ = queue.push(batch)
            queue.finish()
        } catch {
            // What was read before the failure is still analyzed; nothing after it is committed.
            batch.checkpoint = nil
            _ = queue.push(batch)
            queue.finish(error: error)
        }
    }

    private func checkpoint(_ records: [InputRecord], now: Int64, _ summary: inout Summary) throws {
        let written = try engine.checkpoint(inputs: records, now: now)
        summary.tally.add(written, openedThisRun: engine.context.findings.opened)
    }
}
