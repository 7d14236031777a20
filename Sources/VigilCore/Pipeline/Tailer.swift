import Foundation
import Logging

/// Follows log files as they grow, through rotation, and analyzes them as `analyze` would.
///
/// The same `Engine` as batch analysis: events merged by time across inputs, the same
/// watermark and detectors, so tailing a log gives the findings analyzing it gives.
///
/// - Merging: an event is released when it is the oldest waiting event, unless an input that
///   wrote within `mergeWait` has nothing buffered (it may be about to write an older one).
///   An input that has been quiet longer does not hold the others back.
/// - Commits: new and grown findings every `findingsInterval` (idempotent upserts, so alerts
///   go out quickly); offsets, detector state, hourly counts and findings together every
///   `checkpointInterval`, on rotation and when stopping. After a crash, the lines after the
///   last checkpoint are read again and produce the same rows: nothing lost or doubled.
/// - Windows close in event time only: a quiet stream's windows wait for its next event.
package final class Tailer {
    package struct Options {
        /// Format, year, strictness, policy and enricher, as for `analyze`.
        package var analysis = Analyzer.Options()
        /// Longest time (ms) a new finding waits before it is committed and alerted.
        var findingsInterval: Int64 = 100
        /// Time (ms) between full checkpoints of offsets and state.
        package var checkpointInterval: Int64 = 5_000
        /// Lines after which a checkpoint is taken even before `checkpointInterval`.
        package var checkpointLines: Int64 = 2_000_000
        /// How long (ms) the merge waits for an input that just wrote and has nothing buffered.
        var mergeWait: Int64 = 100
        /// How long (ms) a last line may wait for its newline before it is read as it is.
        var partialLineTimeout: Int64 = 5_000
        /// How long (ms) a renamed or deleted file is still read after it stopped growing.
        var rotatedGrace: Int64 = 2_000
        /// Time (ms) between re-expansions of the patterns and rotation checks when nothing
        /// announced a change.
        var rescanInterval: Int64 = 1_000
        /// Wake-up interval (ms) when inotify is not available.
        var pollInterval: Int64 = 250
        package var useInotify = true
        /// Files with no stored offset found at start are read from their end, not their start.
        package var startAtEnd = false
        /// Stop once every input has been quiet this long (ms): for scripts and tests.
        package var idleExit: Int64?
        /// Sinks that new and escalated findings are queued for.
        package var alertRoutes: [AlertRoute] = []
        package var maxPendingAlerts = 10_000
        /// `--silent-after` (ms): an input that read nothing for longer is reported silent
        /// (`/healthz`, `vigil status`, `vigil_input_silent`). Nil: silence is not judged.
        package var silentAfter: Int64?

        package init() {}
    }

    package struct Summary: Sendable {
        package var inputs: [InputStats] = []
        package var findingsOpened: [Severity: Int] = [:]
        package var findingsUpdated = 0
        package var alertsQueued = 0
        package var alertsDropped = 0
        package var rotations = 0
        package var truncations = 0
        /// Inputs that could not be read when the tail stopped, each with why (exit 2).
        package var problems: [String] = []
        /// Bytes a rotation took away before they could be read (copytruncate without a copy found).
        var bytesLost: Int64 = 0
        package var seconds = 0.0

        package var lines: Int64 { inputs.reduce(0) { $0 + $1.lines } }
        package var events: Int64 { inputs.reduce(0) { $0 + $1.events } }
    }

    let options: Options
    let store: any CheckpointStore
    let engine: Engine
    let patterns: [PathPattern]
    var logger: Logger
    var inputs: [TailInput] = []
    /// Final records of inputs closed since the last checkpoint.
    var closedRecords: [InputRecord] = []
    /// Statistics of inputs already closed, for the summary and the status.
    var closedStats: [InputStats] = []
    /// Their lines, kept as a sum: the loop asks for the total on every turn.
    var closedLines: Int64 = 0
    var known: [InputRecord] = []
    /// Files an earlier run followed before they had a record (see `FollowedFile`).
    var followedWithoutRecord: [FollowedFile] = []
    /// Files closed at their end (rotated copies, compressed archives) with their size and first
    /// bytes then: not reopened while they are unchanged.
    var finishedFiles: [FileID: (size: Int64, prefix: [UInt8])] = [:]
    /// Paths that failed to open, reported once.
    var failedPaths: [String: String] = [:]
    /// By input path: how many times it became unreadable in this run, and the last error.
    var inputErrors: [String: (count: Int64, last: String)] = [:]
    /// When running out of file descriptors was last logged (it is logged again each minute).
    var descriptorsExhaustedNotedAt: Int64?
    /// Events of this run by outcome (indexed by raw value), for the metrics.
    var outcomeCounts = [Int64](repeating: 0, count: Outcome.allCases.count)
    /// Findings opened in this run by detector and severity, for the metrics.
    var openedByDetector: [TailStatus.FindingKey: Int] = [:]
    let watcher: ChangeWatcher
    var summary = Summary()
    private var tally = FindingTally()
    private var countedForMetrics: Set<String> = []
    private var startedAt = EventTime.wallNow()
    var lastCommitAt: Int64 = 0
    private var lastHeartbeat: Int64 = 0
    private var linesAtCheckpoint: Int64 = 0
    /// Sees every event handed to the engine (tests: the exact lines consumed).
    var eventTap: ((Event) -> Void)?
    /// Status after each commit and with each idle heartbeat (metrics), on the tail's thread:
    /// an idle tail's lag and last-commit gauges still move.
    package var onStatus: ((TailStatus) -> Void)?

    package init(store: any CheckpointStore, patterns: [String], options: Options, logger: Logger = Logger(label: "vigil.tail")) {
        self.store = store
        self.options = options
        self.patterns = patterns.map(PathPattern.init)
        self.logger = logger
        engine = Engine(store: store, policy: options.analysis.policy, enricher: options.analysis.enricher)
        engine.alertRoutes = options.alertRoutes
        engine.maxPendingAlerts = options.maxPendingAlerts
        watcher = ChangeWatcher(useInotify: options.useInotify)
    }

    var streamOptions: EventStream.Options {
        var o = options.analysis.streamOptions
        o.follow = true
        o.journalFromEnd = options.startAtEnd
        return o
    }

    /// Reads the policy again when a reload is requested (SIGHUP). Throwing (a policy with
    /// errors) keeps the running one.
    package var reloadPolicy: (() throws -> (Policy, Enricher?))?
    /// The policy in force now: the one started with, or the last one a reload swapped in.
    private(set) var currentPolicy = Policy()

    /// How many reloads took effect (tests).
    private(set) var reloads = 0
    /// The `run` row of the policy in force (a reload starts another), and the totals when it
    /// began, so each row counts its own lines.
    private var runID: Int64?
    private var runBase = (lines: Int64(0), events: Int64(0), malformed: Int64(0), opened: 0)

    /// Runs until `stop` is requested (or, with `idleExit`, until the inputs go quiet, or
    /// when the only input is standard input and it closes). Commits before returning.
    /// `reload` requests swap in the policy `reloadPolicy` gives.
    package func run(stop: StopSignal, reload: SignalFlag? = nil) throws -> Summary {
        startedAt = EventTime.wallNow()
        currentPolicy = options.analysis.policy
        try engine.restoreState()
        runID = try store.openRun(startedAt: startedAt, command: "tail", policy: currentPolicy)
        known = try store.inputRecords()
        followedWithoutRecord = try store.followedFiles()
        for p in patterns where !p.isStream { watcher.watch(directory: p.directory) }
        for p in patterns where p.isStdin { open(path: p.text, now: startedAt, atStart: true) }
        for p in rescan(now: startedAt, atStart: true) where failedPaths[p.text] == nil {
            logger.warning("no file matches \(p.text) yet; waiting for one to appear")
        }
        recoverRotatedWhileStopped(now: startedAt)
        recoverFollowedWithoutRecord(now: startedAt)
        // Record the inputs at once: a file is found again after a rotation while Vigil was
        // stopped only if the store knew of it.
        try commit(full: true, now: startedAt)

        var lastRescan = startedAt
        var lastRotationCheck = startedAt
        var lastCheckpoint = startedAt
        var lastFindings = startedAt
        var quietSince = startedAt
        while !stop.isRequested {
            var now = EventTime.wallNow()
            if let reload, reload.take() { try reloadNow(now: now) }
            let structural = watcher.takeStructuralChange()
            // Rotations are looked for ten times a second (and at once on inotify news);
            // truncation is also caught before every read (see `EventStream`).
            if structural || now - lastRotationCheck >= 100 {
                try checkRotations(now: now)
                noteSilence(now: now)
                lastRotationCheck = now
                if structural || now - lastRescan >= options.rescanInterval {
                    let before = inputs.count
                    rescan(now: now, atStart: false)
                    lastRescan = now
                    if inputs.count > before { lastCheckpoint = min(lastCheckpoint, now - options.checkpointInterval) }
                }
            }
            let (released, blockedUntil) = try pump(now: now)
            try closeFinishedInputs(now: now)
            now = EventTime.wallNow()
            if released > 0 { quietSince = now }

            if engine.context.findings.hasChanged && now - lastFindings >= options.findingsInterval {
                try commit(full: false, now: now)
                lastFindings = now
            }
            let lines = currentLines()
            if inputs.contains(where: \.identityNeedsCommit) {
                try commit(full: true, now: now)
                lastCheckpoint = now
                lastFindings = now
            } else if (lines > linesAtCheckpoint || !closedRecords.isEmpty)
                && (now - lastCheckpoint >= options.checkpointInterval || lines - linesAtCheckpoint >= options.checkpointLines)
            {
                try commit(full: true, now: now)
                lastCheckpoint = now
                lastFindings = now
            }
            if now - lastHeartbeat >= 15_000 {
                // An idle tail commits nothing; `vigil status` and the metrics still need to
                // know it is alive.
                try updateService(now: now, stopped: false)
                onStatus?(status(now: now))
            }
            if released > 0 { continue }  // more may be waiting: read again before sleeping

            if inputs.isEmpty && patterns.allSatisfy(\.isStdin) { break }  // stdin closed (a journal is opened again)
            if let idle = options.idleExit, now - quietSince >= idle,
                !inputs.contains(where: { $0.stream.reader.pendingBytes > 0 && $0.stream.stats.error == nil })
            {
                break
            }
            var timeout = options.rescanInterval - (now - lastRescan)
            if !watcher.usesInotify { timeout = min(timeout, options.pollInterval) }
            if let b = blockedUntil { timeout = min(timeout, b - now) }
            if engine.context.findings.hasChanged { timeout = min(timeout, options.findingsInterval - (now - lastFindings)) }
            if lines > linesAtCheckpoint { timeout = min(timeout, options.checkpointInterval - (now - lastCheckpoint)) }
            if inputs.contains(where: { $0.partialSince != nil || $0.rotated }) { timeout = min(timeout, 100) }
            if let idle = options.idleExit { timeout = min(timeout, idle) }
            var fds = [stop.descriptor]
            if let reload { fds.append(reload.descriptor) }
            for i in inputs { if let fd = i.stream.source.pollDescriptor { fds.append(fd) } }
            watcher.wait(timeoutMs: Int(max(timeout, 1)), descriptors: fds)
        }
        try commit(full: true, now: EventTime.wallNow())
        try updateService(now: EventTime.wallNow(), stopped: true)
        for i in inputs { i.stream.source.close() }
        summary.inputs = closedStats + inputs.map(\.stream.stats)
        summary.findingsOpened = tally.opened
        summary.findingsUpdated = tally.updated
        summary.problems = currentProblems()
        summary.seconds = Double(EventTime.wallNow() - startedAt) / 1000
        try updateRun(finishedAt: EventTime.wallNow())
        return summary
    }

    /// The inputs as they are now, for test failure messages.
    var inputsDescription: String {
        inputs.map { i in
            "\(i.path) ino \(i.inode) rotated \(i.rotated) head \(i.stream.head != nil) read \(i.stream.reader.readPosition) "
                + "pending \(i.stream.reader.pendingBytes) size \(i.stream.source.currentStat()?.size ?? -1) replaced \(i.stream.replacedUnderneath) "
                + "lines \(i.stream.stats.lines) error \(i.stream.stats.error ?? "-")"
        }.joined(separator: "; ") + " | finished \(finishedFiles.count) closed \(closedStats.count)"
    }

    /// Lines read so far by every input, closed ones included.
    func currentLines() -> Int64 {
        closedLines + inputs.reduce(0) { $0 + $1.stream.stats.lines }
    }

    // MARK: reading and merging

    /// Reads what the inputs have and releases events in time order, up to a budget.
    /// Returns how many were released and, when the merge waits for a quiet input, until when.
    func pump(now: Int64) throws -> (Int, Int64?) {
        if inputs.contains(where: { $0.stream.replacedUnderneath }) { try checkRotations(now: now) }
        for i in inputs where i.stream.head == nil {
            try i.stream.advance()
            if let error = i.stream.stats.error, !i.reportedError {
                i.reportedError = true
                noteInputError(i.stream.stats.path, error)
                logger.error("\(error)")
                publishProblems(now: now)
            }
            if i.noteProgress(now: now) {
                noteSpokeAgain(i)
                continue
            }
            if i.stream.head == nil && i.stream.reader.pendingBytes > 0 {
                // A partial last line: wait for its newline, but not forever.
                let since = i.partialSince ?? now
                i.partialSince = since
                if now - since >= options.partialLineTimeout {
                    i.stream.reader.releasePartialLine()
                    try i.stream.advance()
                    i.partialSince = nil
                }
            }
        }
        var released = 0
        while released < 65_536 {
            var best: TailInput?
            for i in inputs {
                guard let h = i.stream.head else { continue }
                if let b = best, b.stream.head!.time <= h.time { continue }
                best = i
            }
            guard let input = best else { break }
            // An input that wrote a moment ago and has nothing buffered may be about to write
            // an older event: wait for it (briefly), as a batch merge would have seen it.
            var blockedUntil: Int64?
            for i in inputs
            where i !== input && i.stream.head == nil && !i.rotated && !i.isExhausted && now - i.lastGrowth < options.mergeWait {
                blockedUntil = min(blockedUntil ?? .max, i.lastGrowth + options.mergeWait)
            }
            if let blockedUntil { return (released, blockedUntil) }
            try release(input)
            _ = input.noteProgress(now: now)
            released += 1
        }
        return (released, nil)
    }

    /// Hands one input's next event to the engine and decodes the one after it.
    @inline(__always)
    func release(_ input: TailInput) throws {
        let e = input.stream.head!
        outcomeCounts[Int(e.outcome.rawValue)] += 1
        eventTap?(e)
        if !engine.observe(e, format: input.stream.stats.format) { input.stream.stats.outOfOrder += 1 }
        try input.stream.advance()
    }

    // MARK: commits

    func commit(full: Bool, now: Int64) throws {
        let written: [Finding]
        if full {
            var records = closedRecords
            var followed: [FollowedFile] = []
            for i in inputs {
                if let r = i.stream.checkpointRecord(now: now) {
                    records.append(r)
                    i.storedIdentity = .record
                } else if !i.isStdin {
                    followed.append(FollowedFile(path: i.path, device: i.device, inode: i.inode, openedAt: now))
                    i.storedIdentity = .followed
                }
            }
            written = try engine.checkpoint(inputs: records, followed: followed, now: now)
            closedRecords = []
            linesAtCheckpoint = currentLines()
            try updateService(now: now, stopped: false)
            try updateRun(finishedAt: nil)
        } else {
            written = try engine.commitFindings(now: now)
        }
        let result = engine.lastCommit
        summary.alertsQueued += result.alertsQueued
        summary.alertsDropped += result.alertsDropped
        if result.alertsDropped > 0 {
            logger.warning("alert queue full: \(result.alertsDropped) notifications dropped (see `vigil status`)")
        }
        let before = tally.opened.values.reduce(0, +)
        tally.add(written, openedThisRun: engine.context.findings.opened)
        if tally.opened.values.reduce(0, +) != before {
            // Newly counted ones: findings first opened in this run and not counted before.
            for f in written where engine.context.findings.opened[f.id] != nil && countedForMetrics.insert(f.id).inserted {
                openedByDetector[TailStatus.FindingKey(detector: f.detector, severity: f.severity), default: 0] += 1
            }
        }
        lastCommitAt = now
        onStatus?(status(now: now))
    }

    /// Applies a reload request: what was read so far is judged by the old policy, what is
    /// read next by the new one. A policy with errors, or detector state the new settings
    /// cannot take, is logged and the running policy kept. The new detectors' state is
    /// checkpointed at once.
    private func reloadNow(now: Int64) throws {
        guard let reloadPolicy else {
            logger.warning("reload requested, but this tail has no policy to read again")
            return
        }
        do {
            let (policy, enricher) = try reloadPolicy()
            try engine.reconfigure(policy: policy, enricher: enricher)
            // What was read so far was judged by the old policy: its run row ends here.
            try updateRun(finishedAt: now)
            currentPolicy = policy
            engine.resetRunEventTimes()
            runBase = runTotals()
            runID = try store.openRun(startedAt: now, command: "tail", policy: policy)
        } catch {
            logger.error("policy not reloaded, the running one is kept: \(error)")
            return
        }
        reloads += 1
        logger.info("policy reloaded: \(engine.detectors.map(\.name).joined(separator: ", "))")
        try commit(full: true, now: now)
    }

    /// Lines, events, malformed lines and findings opened since this tail started.
    private func runTotals() -> (lines: Int64, events: Int64, malformed: Int64, opened: Int) {
        let all = closedStats + inputs.map(\.stream.stats)
        return (
            all.reduce(0) { $0 + $1.lines }, all.reduce(0) { $0 + $1.events }, all.reduce(0) { $0 + $1.malformed },
            tally.opened.values.reduce(0, +)
        )
    }

    /// Brings the current run row up to date (`CheckpointStore.updateRun`).
    private func updateRun(finishedAt: Int64?) throws {
        guard let runID else { return }
        let now = runTotals()
        try store.updateRun(
            runID, finishedAt: finishedAt, lines: now.lines - runBase.lines, events: now.events - runBase.events,
            malformed: now.malformed - runBase.malformed, findingsOpened: now.opened - runBase.opened, eventTimes: engine.runEventTimes)
    }

    func updateService(now: Int64, stopped: Bool) throws {
        lastHeartbeat = now
        let all = closedStats + inputs.map(\.stream.stats)
        try store.updateService(
            TailService(
                pid: Int64(getpid()), startedAt: startedAt, heartbeatAt: now, stoppedAt: stopped ? now : nil,
                lines: all.reduce(0) { $0 + $1.lines }, events: all.reduce(0) { $0 + $1.events },
                malformed: all.reduce(0) { $0 + $1.malformed }, alertsDropped: summary.alertsDropped,
                inputs: patterns.map(\.text), problems: currentProblems(), inputHealth: inputHealth(now: now),
                silentAfter: options.silentAfter))
    }

    /// An input just became unreadable: `vigil status` and `/healthz` say so now, not at the
    /// next heartbeat. (A heartbeat that fails to be written is retried by the next one.)
    func publishProblems(now: Int64) {
        do { try updateService(now: now, stopped: false) } catch { logger.error("cannot record the tail's status: \(error)") }
        onStatus?(status(now: now))
    }
}
