import Foundation

/// Keeps open episodes and turns detector reports into new or grown findings.
///
/// Grouping rule: a report for (detector, rule, subject) joins the open episode when it comes
/// no later than the episode's `last_seen + cooldown`; otherwise it opens a new finding. Only
/// event time is used, so replaying logs gives the same findings as tailing them.
public final class FindingTracker {
    struct Key: Hashable {
        var detector: String
        var rule: String
        var subject: Subject
    }

    private let symbols: SymbolTable
    private(set) var open: [Key: Finding] = [:]
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
        guard let f = open[Key(detector: detector, rule: rule, subject: subject)] else { return false }
        return time <= f.lastSeen + f.cooldown
    }

    /// Reports an occurrence. `update` fills in count, message and evidence; it is told whether
    /// the finding is new.
    func report(detector: String, rule: String, subject: Subject, severity: Severity, server: Symbol,
                time: Int64, cooldown: Int64, update: (inout Finding, Bool) -> Void) {
        let key = Key(detector: detector, rule: rule, subject: subject)
        if var f = open[key], time <= f.lastSeen + f.cooldown {
            if severity > f.severity {
                f.severity = severity
                escalated.insert(f.id)
            }
            f.lastSeen = max(f.lastSeen, time)
            update(&f, false)
            open[key] = f
            changed[f.id] = f
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
    }

    /// Closes episodes whose cooldown ended before `watermark`; they stay in the store.
    func advance(to watermark: Int64) {
        open = open.filter { watermark <= $0.value.lastSeen + $0.value.cooldown }
    }

    func drainChanged() -> [Finding] {
        defer { changed.removeAll(keepingCapacity: true) }
        return changed.values.sorted { ($0.firstSeen, $0.id) < ($1.firstSeen, $1.id) }
    }

    // MARK: persistence

    func snapshot() throws -> Data {
        let list = open.values.sorted { $0.id < $1.id }
        return try JSONEncoder.state.encode(list)
    }

    func restore(_ data: Data) throws {
        let list = try JSONDecoder.state.decode([Finding].self, from: data)
        open = [:]
        for f in list {
            guard let subject = Subject(kind: f.subjectKind, text: f.subject, symbols: symbols) else { continue }
            open[Key(detector: f.detector, rule: f.rule, subject: subject)] = f
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
    /// large state with `.vigil`) and no sorting. Never shown to users.
    static var state: JSONEncoder { JSONEncoder() }
}

extension JSONDecoder {
    static var state: JSONDecoder { JSONDecoder() }

    static var vigil: JSONDecoder {
        let d = JSONDecoder()
        d.keyDecodingStrategy = .convertFromSnakeCase
        return d
    }
}
