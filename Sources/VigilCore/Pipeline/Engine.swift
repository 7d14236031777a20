import Foundation

/// The detection engine that `analyze` and `tail` share: events in, findings and state out.
///
/// Both commands feed it events in the order they choose (a batch merges its files by time;
/// a tail merges what its files have written so far) and it does the rest the same way:
/// the watermark, the detectors, the hourly counts, and the commits. Keeping one engine is
/// what makes tailing a log give the findings that analyzing it gives.
final class Engine {
    let store: any CheckpointStore
    let symbols = SymbolTable()
    let context: DetectionContext
    private(set) var detectors: [Detector]
    let hourly: HourlyCounter
    /// Successful SSH logins per day, for the weekly review (`LoginCounter`).
    let logins: LoginCounter
    /// Newest event time observed (restored from the store), the watermark's source.
    private(set) var maxTime: Int64 = .min
    /// The oldest and newest event time this engine observed since it was made (not restored):
    /// the span a run covered, recorded with it so a report finds the policy in force.
    private var runEarliest: Int64 = .max
    private var runLatest: Int64 = .min
    /// Who gets notified of new and escalated findings, if anyone (only `tail` sets it).
    var alertRoutes: [AlertRoute] = []
    var maxPendingAlerts = 10_000
    /// What the last commit queued or dropped in the alert outbox.
    private(set) var lastCommit = CommitResult()
    private static let engineStateKey = "engine"
    private static let findingsStateKey = "findings.open"

    init(store: any CheckpointStore, policy: Policy, enricher: Enricher?) {
        self.store = store
        context = DetectionContext(symbols: symbols)
        hourly = HourlyCounter(symbols: symbols)
        logins = LoginCounter(symbols: symbols)
        context.findings.enricher = enricher
        detectors = DetectorRegistry.make(policy, enricher: enricher)
    }

    /// Gives an input its index for evidence samples (`file:line`).
    func register(inputName: String) -> Int32 {
        context.inputNames.append(inputName)
        return Int32(context.inputNames.count - 1)
    }

    /// Applies one event. Returns false when it is older than the newest event already seen:
    /// it is still applied, and the caller counts it as out of order.
    @inline(__always)
    func observe(_ e: Event, format: LogFormat?) -> Bool {
        var inOrder = true
        if e.time < runEarliest { runEarliest = e.time }
        if e.time > runLatest { runLatest = e.time }
        if e.time < maxTime {
            inOrder = false
        } else {
            // Idle state is dropped when event time enters a new minute: a function of the
            // log alone, so a log analyzed in several runs evicts exactly as in one run.
            if maxTime > .min && e.time / EventTime.minute > maxTime / EventTime.minute {
                let watermark = e.time / EventTime.minute * EventTime.minute
                for d in detectors { d.advance(to: watermark, context: context) }
                context.findings.advance(to: watermark)
            }
            maxTime = e.time
        }
        // Through the buffer: iterating the array retained and released every detector (and
        // the context) for every event, 7% of an MCP analysis in perf.
        let context = context
        detectors.withUnsafeBufferPointer { ds in
            for i in 0..<ds.count { ds[i].observe(e, context: context) }
        }
        hourly.count(e, format: format)
        logins.count(e, format: format)
        return inOrder
    }

    /// The event times observed since this engine was made; `nil` before the first event.
    var runEventTimes: ClosedRange<Int64>? { runEarliest <= runLatest ? runEarliest...runLatest : nil }

    /// Starts a new span (`tail` after a policy reload: the next run row covers what follows).
    func resetRunEventTimes() {
        runEarliest = .max
        runLatest = .min
    }

    /// Swaps in the detectors of another policy (`tail` on SIGHUP). Each new detector takes
    /// over the state of the running one of the same name, through the same snapshot and
    /// restore a restart goes through, so a reload is a restart that reads nothing again.
    /// Open findings, hourly counts and the watermark stay as they are. On an error (a state
    /// the new settings cannot take) nothing changes.
    func reconfigure(policy: Policy, enricher: Enricher?) throws {
        let fresh = DetectorRegistry.make(policy, enricher: enricher)
        // The running detectors write the text of what they grew, before they go.
        context.describeFindings(detectors)
        for d in fresh {
            guard let old = detectors.first(where: { $0.name == d.name }), let data = try old.snapshot(context: context) else { continue }
            do { try d.restore(data, context: context) } catch { throw VigilError.state(detector: d.name, reason: "\(error)") }
        }
        detectors = fresh
        context.findings.enricher = enricher
    }

    /// Commits everything: findings changed since the last commit, hourly counts, the given
    /// input offsets and every detector's state, in one transaction. Returns the findings
    /// written.
    @discardableResult
    func checkpoint(inputs: [InputRecord], followed: [FollowedFile] = [], now: Int64 = EventTime.wallNow()) throws -> [Finding] {
        var c = Checkpoint()
        c.now = now
        c.findings = context.drainFindings(detectors)
        c.hourly = hourly.drain()
        c.logins = logins.drain()
        c.inputs = inputs
        c.followed = followed
        for d in detectors {
            if let data = try d.snapshot(context: context) { c.state[d.name] = data }
        }
        if let table = context.sshClientTable { c.state[SSHClientTable.stateKey] = table.snapshot(context) }
        c.state[Self.findingsStateKey] = try context.findings.snapshot()
        c.state[Self.engineStateKey] = try JSONEncoder.state.encode(EngineState(maxTime: maxTime == .min ? nil : maxTime))
        c.alertRoutes = alertRoutes
        c.maxPendingAlerts = maxPendingAlerts
        lastCommit = try store.commit(c)
        return c.findings
    }

    /// Commits only the findings changed since the last commit (and their alerts), without
    /// offsets or state: cheap enough to run several times a second, so a finding reaches the
    /// store and the alert sinks quickly. It is safe because finding rows are upserts by a
    /// stable id with absolute values: after a crash, the lines since the last checkpoint are
    /// read again and produce the same rows, so nothing is counted twice.
    @discardableResult
    func commitFindings(now: Int64 = EventTime.wallNow()) throws -> [Finding] {
        var c = Checkpoint()
        c.now = now
        c.findings = context.drainFindings(detectors)
        lastCommit = CommitResult()
        guard !c.findings.isEmpty else { return [] }
        c.alertRoutes = alertRoutes
        c.maxPendingAlerts = maxPendingAlerts
        lastCommit = try store.commit(c)
        return c.findings
    }

    private struct EngineState: Codable {
        var maxTime: Int64?
    }

    func restoreState() throws {
        let state = try store.loadState()
        if let data = state[Self.engineStateKey] {
            let engine = try JSONDecoder.state.decode(EngineState.self, from: data)
            maxTime = engine.maxTime ?? .min
        }
        if let data = state[Self.findingsStateKey] {
            do { try context.findings.restore(data) } catch { throw VigilError.state(detector: "findings", reason: "\(error)") }
        }
        // The shared table before the rules: a rule merges into it what an earlier version
        // saved in its own row.
        if let data = state[SSHClientTable.stateKey] {
            do { try context.sshClients().restore(data, context) } catch {
                throw VigilError.state(detector: SSHClientTable.stateKey, reason: "\(error)")
            }
        }
        for d in detectors {
            guard let data = state[d.name] else { continue }
            do { try d.restore(data, context: context) } catch { throw VigilError.state(detector: d.name, reason: "\(error)") }
        }
    }
}

/// Counts findings opened and grown across the commits of one run, each id once.
struct FindingTally {
    var opened: [Severity: Int] = [:]
    var updated = 0
    var worst: Severity?
    private var countedOpened: Set<String> = []
    private var countedUpdated: Set<String> = []

    mutating func add(_ findings: [Finding], openedThisRun: [String: Severity]) {
        for f in findings {
            if openedThisRun[f.id] != nil {
                if countedOpened.insert(f.id).inserted { opened[f.severity, default: 0] += 1 }
            } else if countedUpdated.insert(f.id).inserted {
                updated += 1
            }
            worst = max(worst ?? f.severity, f.severity)
        }
    }
}
