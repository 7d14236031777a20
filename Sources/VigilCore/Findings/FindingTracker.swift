import Foundation

/// Keeps open episodes and turns detector reports into new or grown findings.
///
/// Grouping rule: a report for (detector, rule, subject) joins the open episode when it comes
/// no later than the episode's `last_seen + cooldown`; otherwise it opens a new finding. Only
/// event time is used, so replaying logs gives the same findings as tailing them.
public final class FindingTracker {
    /// An episode's identity: (detector, rule) as a small integer, and the subject. Hashing
    /// two strings per lookup showed up on every successful request (the burst detector asks
    /// whether the client has an open episode).
    struct Key: Hashable {
        var rule: Int32
        var subject: Subject
    }

    private var ruleIDs: [String: Int32] = [:]

    /// The small integer standing for a (detector, rule) pair; detectors may keep it.
    func ruleID(detector: String, rule: String) -> Int32 {
        let name = detector + "\u{0}" + rule
        if let id = ruleIDs[name] { return id }
        let id = Int32(ruleIDs.count)
        ruleIDs[name] = id
        return id
    }

    func key(_ detector: String, _ rule: String, _ subject: Subject) -> Key {
        Key(rule: ruleID(detector: detector, rule: rule), subject: subject)
    }

    private let symbols: SymbolTable
    private(set) var open: [Key: Finding] = [:]
    /// When open episodes may close, by the minute: (deadline minute, key). Entries go stale
    /// when an episode grows; `advance` checks the episode itself before closing it. An
    /// entry is pushed only when an episode's deadline moves into a later minute, so the heap
    /// holds at most one entry per episode and minute of activity.
    private var deadlines = MinHeap<Int64, Key>()
    private var queuedMinute: [Key: Int64] = [:]
    /// Findings created or changed since the last `drainChanged()`, by id.
    private var changed: [String: Finding] = [:]
    /// Ids of findings opened during this run, with their initial severity.
    public private(set) var opened: [String: Severity] = [:]
    /// Ids whose severity rose during this run (re-notification in alerting).
    public private(set) var escalated: Set<String> = []

    /// Adds country, city and ASN to findings about an address, when GeoIP is configured.
    var enricher: Enricher?

    init(symbols: SymbolTable) {
        self.symbols = symbols
    }

    /// Whether the subject has an episode of this rule still inside its cooldown at `time`.
    func isOpen(detector: String, rule: String, subject: Subject, at time: Int64) -> Bool {
        isOpen(rule: ruleID(detector: detector, rule: rule), subject: subject, at: time)
    }

    /// `isOpen` with a rule id from `ruleID(detector:rule:)`: no string hashing.
    func isOpen(rule: Int32, subject: Subject, at time: Int64) -> Bool {
        guard let f = open[Key(rule: rule, subject: subject)] else { return false }
        return time <= f.lastSeen + f.cooldown
    }

    /// Reports an occurrence. `update` fills in count, message and evidence; it is told whether
    /// the finding is new.
    func report(detector: String, rule: String, subject: Subject, severity: Severity, server: Symbol,
                time: Int64, cooldown: Int64, update: (inout Finding, Bool) -> Void) {
        let key = self.key(detector, rule, subject)
        if var f = open[key], time <= f.lastSeen + f.cooldown {
            if severity > f.severity {
                f.severity = severity
                escalated.insert(f.id)
            }
            f.lastSeen = max(f.lastSeen, time)
            update(&f, false)
            open[key] = f
            changed[f.id] = f
            schedule(key, f)
            return
        }
        let subjectText = subject.text(symbols)
        var f = Finding(
            id: Finding.stableID(detector: detector, rule: rule, subjectKind: subject.kind, subject: subjectText, firstSeen: time),
            detector: detector, rule: rule, severity: severity, subjectKind: subject.kind, subject: subjectText,
            server: symbols.string(server), firstSeen: time, lastSeen: time, count: 0, message: "",
            evidence: Evidence(), cooldown: cooldown)
        if case let .ip(address) = subject, let enricher {
            for (k, v) in enricher.info(address).attributes { f.evidence.attributes[k] = v }
        }
        update(&f, true)
        open[key] = f
        changed[f.id] = f
        opened[f.id] = f.severity
        schedule(key, f)
    }

    private func schedule(_ key: Key, _ f: Finding) {
        let minute = (f.lastSeen + f.cooldown) / EventTime.minute
        if queuedMinute[key] != minute {
            queuedMinute[key] = minute
            deadlines.push(minute, key)
        }
    }

    /// Closes episodes whose cooldown ended before `watermark`; they stay in the store.
    func advance(to watermark: Int64) {
        var later: [(Int64, Key)] = []
        while let (minute, key) = deadlines.peek(), minute <= watermark / EventTime.minute {
            deadlines.pop()
            guard let f = open[key] else { continue }
            let deadline = f.lastSeen + f.cooldown
            if watermark > deadline {
                open[key] = nil
                queuedMinute[key] = nil
            } else if deadline / EventTime.minute == minute {
                later.append((minute, key))   // due later in this same minute
            }
            // Otherwise the entry is stale: the episode grew and has a later entry.
        }
        for (m, k) in later { deadlines.push(m, k) }
    }

    /// Whether findings changed since the last `drainChanged()`.
    var hasChanged: Bool { !changed.isEmpty }

    func drainChanged() -> [Finding] {
        defer { changed.removeAll(keepingCapacity: true) }
        return changed.values.sorted { ($0.firstSeen, $0.id) < ($1.firstSeen, $1.id) }
    }

    // MARK: persistence

    func snapshot() throws -> Data {
        let list = open.values.sorted { $0.id < $1.id }
        return Data(Finding.stateJSON(list))
    }

    func restore(_ data: Data) throws {
        let list = try JSONDecoder.state.decode([Finding].self, from: data)
        open = [:]
        deadlines = MinHeap()
        queuedMinute = [:]
        for f in list {
            guard let subject = Subject(kind: f.subjectKind, text: f.subject, symbols: symbols) else { continue }
            let key = self.key(f.detector, f.rule, subject)
            open[key] = f
            schedule(key, f)
        }
    }
}

extension JSONEncoder {
    /// Sorted keys and no escaped slashes: byte-stable JSON for the store and golden files.
    static var vigil: JSONEncoder {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        e.keyEncodingStrategy = .convertToSnakeCase
        return e
    }
}

extension JSONEncoder {
    /// For Vigil's own saved state: no key conversion (measured as the main cost of saving
    /// large state with `.vigil`). Keys sorted, so the same input leaves the same bytes
    /// (without it, the order followed each process's hash seed). Never shown to users.
    static var state: JSONEncoder {
        let e = JSONEncoder()
        e.outputFormatting = .sortedKeys
        return e
    }
}

extension JSONDecoder {
    static var state: JSONDecoder { JSONDecoder() }

    static var vigil: JSONDecoder {
        let d = JSONDecoder()
        d.keyDecodingStrategy = .convertFromSnakeCase
        return d
    }
}
