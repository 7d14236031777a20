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
        public var now: Int64 = Int64(Date().timeIntervalSince1970 * 1000)
        public var checkpointLines: Int64 = 2_000_000
        /// Allowlists and detector settings; the built-in defaults unless a policy was loaded.
        public var policy = Policy()
        /// GeoIP/ASN lookups for evidence and country/ASN allowlists.
        public var enricher: Enricher?

        public init() {}
    }

    public struct Summary {
        public var inputs: [InputStats] = []
        /// Inputs that could not be opened at all, with why.
        public var failedInputs: [(path: String, error: String)] = []
        public var findingsOpened: [Severity: Int] = [:]
        public var findingsUpdated = 0
        /// The most severe finding opened or grown in this run.
        public var worstSeverity: Severity?
        public var seconds = 0.0
        /// Ids already counted, so a finding opened then grown across checkpoints counts once.
        var countedOpened: Set<String> = []
        var countedUpdated: Set<String> = []

        public var lines: Int64 { inputs.reduce(0) { $0 + $1.lines } }
        public var events: Int64 { inputs.reduce(0) { $0 + $1.events } }
        public var malformed: Int64 { inputs.reduce(0) { $0 + $1.malformed } }
    }

    let options: Options
    let store: FindingStore
    let symbols = SymbolTable()
    let context: DetectionContext
    let detectors: [Detector]
    let hourly: HourlyCounter
    private var maxTime: Int64 = .min
    private static let engineStateKey = "engine"
    private static let findingsStateKey = "findings.open"

    public init(store: FindingStore, options: Options) {
        self.store = store
        self.options = options
        context = DetectionContext(symbols: symbols)
        hourly = HourlyCounter(symbols: symbols)
        context.findings.enricher = options.enricher
        detectors = DetectorSet.make(options.policy, enricher: options.enricher)
    }

    public func run(paths: [String]) throws -> Summary {
        let started = Date()
        var summary = Summary()
        try restoreState()
        let known = try store.inputRecords()
        var streams: [EventStream] = []
        let streamOptions = EventStream.Options(format: options.format, fixedYear: options.fixedYear, strict: options.strict,
                                                now: options.now)
        for path in paths {
            do {
                let s = try EventStream(path: path, index: Int32(context.inputNames.count), symbols: symbols,
                                        options: streamOptions, known: known)
                context.inputNames.append(s.stats.path)
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
            let e = stream.head!
            if e.time < maxTime {
                stream.stats.outOfOrder += 1
            } else {
                // Idle state is dropped when event time enters a new minute: a function of the
                // log alone, so a log analyzed in several runs evicts exactly as in one run.
                if maxTime > .min && e.time / EventTime.minute > maxTime / EventTime.minute {
                    advanceWatermark(to: e.time / EventTime.minute * EventTime.minute)
                }
                maxTime = e.time
            }
            for d in detectors { d.observe(e, context: context) }
            hourly.count(e, format: stream.stats.format)
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
        try store.recordRun(startedAt: Int64(started.timeIntervalSince1970 * 1000), finishedAt: Int64(Date().timeIntervalSince1970 * 1000),
                            command: "analyze", lines: summary.lines, events: summary.events, malformed: summary.malformed,
                            findingsOpened: summary.findingsOpened.values.reduce(0, +))
        for s in streams { s.source.close() }
        return summary
    }

    private func advanceWatermark(to watermark: Int64) {
        for d in detectors { d.advance(to: watermark, context: context) }
        context.findings.advance(to: watermark)
    }

    private func checkpoint(_ streams: [EventStream], _ summary: inout Summary) throws {
        var c = FindingStore.Checkpoint()
        c.now = Int64(Date().timeIntervalSince1970 * 1000)
        c.findings = context.findings.drainChanged()
        c.hourly = hourly.drain()
        c.inputs = streams.compactMap { $0.checkpointRecord(now: c.now) }
        for d in detectors {
            if let data = try d.snapshot(context: context) { c.state[d.name] = data }
        }
        c.state[Self.findingsStateKey] = try context.findings.snapshot()
        c.state[Self.engineStateKey] = try JSONEncoder.state.encode(EngineState(maxTime: maxTime == .min ? nil : maxTime))
        try store.commit(c)
        for f in c.findings {
            if context.findings.opened[f.id] != nil, !summary.countedOpened.contains(f.id) {
                summary.countedOpened.insert(f.id)
                summary.findingsOpened[f.severity, default: 0] += 1
            } else if context.findings.opened[f.id] == nil, !summary.countedUpdated.contains(f.id) {
                summary.countedUpdated.insert(f.id)
                summary.findingsUpdated += 1
            }
            summary.worstSeverity = max(summary.worstSeverity ?? f.severity, f.severity)
        }
    }

    private struct EngineState: Codable {
        var maxTime: Int64?
    }

    private func restoreState() throws {
        let state = try store.loadState()
        if let data = state[Self.engineStateKey] {
            let engine = try JSONDecoder.state.decode(EngineState.self, from: data)
            maxTime = engine.maxTime ?? .min
        }
        if let data = state[Self.findingsStateKey] {
            do { try context.findings.restore(data) } catch { throw VigilError.state(detector: "findings", reason: "\(error)") }
        }
        for d in detectors {
            guard let data = state[d.name] else { continue }
            do { try d.restore(data, context: context) } catch { throw VigilError.state(detector: d.name, reason: "\(error)") }
        }
    }
}
