import Foundation

/// Runs the batch pipeline: inputs → decode → detectors → findings → store.
///
/// Inputs are merged by event time (a k-way merge over each input's next event), so
/// `vigil analyze auth.log mcp.jsonl` sees one timeline, as tailing both would. Within one
/// input, lines are taken in file order; a line older than the newest event already seen is
/// still applied and counted as out of order. Every `checkpointLines` lines and at the end,
/// findings, input offsets and detector state are committed together.
public final class Analyzer {
    public struct Options {
        public var format: LogFormat = .auto
        /// Year for year-less syslog stamps; default: inferred from each file's mtime.
        public var fixedYear: Int?
        public var strict = false
        /// Wall-clock now (ms), for year inference and bookkeeping.
        public var now: Int64 = EventTime.wallNow()
        public var checkpointLines: Int64 = 2_000_000
        /// Allowlists and detector settings; the built-in defaults unless a policy was loaded.
        public var policy = Policy()
        /// GeoIP/ASN lookups for evidence and country/ASN allowlists.
        public var enricher: Enricher?

        public init() {}

        var streamOptions: EventStream.Options {
            EventStream.Options(format: format, fixedYear: fixedYear, strict: strict, now: now)
        }
    }

    public struct Summary {
        public var inputs: [InputStats] = []
        /// Inputs that could not be opened at all, with why.
        public var failedInputs: [(path: String, error: String)] = []
        public var seconds = 0.0
        var tally = FindingTally()

        public var findingsOpened: [Severity: Int] { tally.opened }
        public var findingsUpdated: Int { tally.updated }
        /// The most severe finding opened or grown in this run.
        public var worstSeverity: Severity? { tally.worst }
        public var lines: Int64 { inputs.reduce(0) { $0 + $1.lines } }
        public var events: Int64 { inputs.reduce(0) { $0 + $1.events } }
        public var malformed: Int64 { inputs.reduce(0) { $0 + $1.malformed } }
    }

    let options: Options
    let store: FindingStore
    let engine: Engine

    public init(store: FindingStore, options: Options) {
        self.store = store
        self.options = options
        engine = Engine(store: store, policy: options.policy, enricher: options.enricher)
    }

    public func run(paths: [String]) throws -> Summary {
        let started = Date()
        var summary = Summary()
        try engine.restoreState()
        let known = try store.inputRecords()
        var streams: [EventStream] = []
        for path in paths {
            do {
                let s = try EventStream(path: path, index: Int32(engine.context.inputNames.count), symbols: engine.symbols,
                                        options: options.streamOptions, known: known)
                _ = engine.register(inputName: s.stats.path)
                streams.append(s)
            } catch let error as VigilError {
                summary.failedInputs.append((path, error.description))
            }
        }
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
            if !engine.observe(stream.head!, format: stream.stats.format) { stream.stats.outOfOrder += 1 }
            try stream.advance()
            if stream.head == nil { active.remove(at: best) }

            eventsSinceCheck += 1
            if eventsSinceCheck >= 65_536 {
                eventsSinceCheck = 0
                let lines = streams.reduce(0) { $0 + $1.stats.lines }
                linesSinceCheckpoint += lines - lastLines
                lastLines = lines
                if linesSinceCheckpoint >= options.checkpointLines {
                    linesSinceCheckpoint = 0
                    try checkpoint(streams, &summary)
                }
            }
        }
        try checkpoint(streams, &summary)
        summary.inputs = streams.map(\.stats)
        summary.seconds = Date().timeIntervalSince(started)
        try store.recordRun(startedAt: Int64(started.timeIntervalSince1970 * 1000), finishedAt: EventTime.wallNow(),
                            command: "analyze", lines: summary.lines, events: summary.events, malformed: summary.malformed,
                            findingsOpened: summary.findingsOpened.values.reduce(0, +))
        for s in streams { s.source.close() }
        return summary
    }

    private func checkpoint(_ streams: [EventStream], _ summary: inout Summary) throws {
        let now = EventTime.wallNow()
        let written = try engine.checkpoint(inputs: streams.compactMap { $0.checkpointRecord(now: now) }, now: now)
        summary.tally.add(written, openedThisRun: engine.context.findings.opened)
    }
}
