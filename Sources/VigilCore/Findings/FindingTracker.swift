import Foundation

/// Keeps open episodes and turns detector reports into new or grown findings.
///
/// Grouping rule: a report for (detector, rule, subject) joins the open episode when it comes
/// no later than the episode's `last_seen + cooldown`; otherwise it opens a new finding. Only
/// event time is used, so replaying logs gives the same findings as tailing them.
package final class FindingTracker {
    /// An episode's identity: (detector, rule) as a small integer, and the subject. Hashing
    /// two strings per lookup showed up on every successful request (the burst detector asks
    /// whether the client has an open episode).
    struct Key: Hashable, ProbingKey {
        var rule: Int32
        var subject: Subject

        /// The subject's words with the rule mixed into the second (`ProbingTable`).
        var words: (UInt64, UInt64) {
            let subjectWords = subject.words
            return (subjectWords.0, subjectWords.1 ^ UInt64(UInt32(bitPattern: rule)) &* 0x9E37_79B9_7F4A_7C15)
        }
    }

    /// A (detector, rule) pair as a dictionary key: two strings hashed in place, where joining
    /// them cost an allocation per report.
    private struct RuleName: Hashable {
        var detector: String
        var rule: String
    }

    private var ruleIDs: [RuleName: Int32] = [:]
    /// The pair each rule id stands for.
    private var ruleNames: [RuleName] = []

    /// The small integer standing for a (detector, rule) pair; detectors may keep it.
    func ruleID(detector: String, rule: String) -> Int32 {
        let name = RuleName(detector: detector, rule: rule)
        if let id = ruleIDs[name] { return id }
        let id = Int32(ruleIDs.count)
        ruleIDs[name] = id
        ruleNames.append(name)
        return id
    }

    func key(_ detector: String, _ rule: String, _ subject: Subject) -> Key {
        Key(rule: ruleID(detector: detector, rule: rule), subject: subject)
    }

    private let symbols: SymbolTable

    // Open episodes live in `slots` and grow there in place. An attacker decides how often an
    // episode grows (every request over a rate limit, every failed login of a burst); taking
    // the finding out of a dictionary, changing it and putting it back copied its evidence
    // arrays on every growth, and keeping a second copy for the store kept them shared, so the
    // next growth copied again. Now a growth touches one slot and sets one flag.

    /// Open findings; a slot whose `slotKeys` entry is `nil` is free (listed in `freeSlots`).
    private var slots: [Finding] = []
    private var slotKeys: [Key?] = []
    /// The deadline minute last queued for each slot's episode.
    private var slotQueuedMinute: [Int64] = []
    /// Whether a slot's finding changed since the last `drainChanged()`.
    private var slotChanged: [Bool] = []
    private var freeSlots: [Int32] = []
    /// The slot of each open episode.
    private var openSlots = ProbingTable<Key, Int32>()
    /// Slots changed since the last `drainChanged()` (a slot reused after closing may be
    /// listed twice; its flag in `slotChanged` decides).
    private var changedSlots: [Int32] = []
    /// Findings that changed and then closed (or were replaced by a new episode) before the
    /// last `drainChanged()`: the store must still see their last state.
    private var changedClosed: [Finding] = []

    /// When open episodes may close, by the minute: (deadline minute, key). Entries go stale
    /// when an episode grows; `advance` checks the episode itself before closing it. An
    /// entry is pushed only when an episode's deadline moves into a later minute, so the heap
    /// holds at most one entry per episode and minute of activity.
    private var deadlines = MinHeap<Int64, Key>()
    /// Ids of findings opened during this run, with their initial severity.
    package private(set) var opened: [String: Severity] = [:]
    /// Ids whose severity rose during this run (re-notification in alerting).
    package private(set) var escalated: Set<String> = []

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
        guard let slot = openSlots[Key(rule: rule, subject: subject)] else { return false }
        let finding = slots[Int(slot)]
        return time <= finding.lastSeen + finding.cooldown
    }

    /// Reports an occurrence. `update` fills in count and evidence (and the message, unless the
    /// detector writes it in `Detector.describe` when the finding is drained); it is told
    /// whether the finding is new. It runs on the stored finding itself, as often as an
    /// attacker makes the episode grow, so it should change numbers and lists, not build text.
    func report(
        detector: String, rule: String, subject: Subject, severity: Severity, server: Symbol,
        time: Int64, cooldown: Int64, update: (inout Finding, Bool) -> Void
    ) {
        report(
            rule: ruleID(detector: detector, rule: rule), subject: subject, severity: severity, server: server,
            time: time, cooldown: cooldown, update: update)
    }

    /// `report` with a rule id from `ruleID(detector:rule:)`: detectors that report often keep
    /// the id, so a growing finding costs no string hashing.
    func report(
        rule ruleID: Int32, subject: Subject, severity: Severity, server: Symbol,
        time: Int64, cooldown: Int64, update: (inout Finding, Bool) -> Void
    ) {
        let key = Key(rule: ruleID, subject: subject)
        let existing = openSlots[key]
        if let existing, time <= slots[Int(existing)].lastSeen + slots[Int(existing)].cooldown {
            let slot = Int(existing)
            if severity > slots[slot].severity {
                slots[slot].severity = severity
                escalated.insert(slots[slot].id)
            }
            if time > slots[slot].lastSeen { slots[slot].lastSeen = time }
            update(&slots[slot], false)
            markChanged(existing)
            schedule(existing)
            return
        }
        let detector = ruleNames[Int(ruleID)].detector, rule = ruleNames[Int(ruleID)].rule
        let subjectText = StoredText.capped(subject.text(symbols))
        var finding = Finding(
            id: Finding.stableID(detector: detector, rule: rule, subjectKind: subject.kind, subject: subjectText, firstSeen: time),
            detector: detector, rule: rule, severity: severity, subjectKind: subject.kind, subject: subjectText,
            server: symbols.string(server).map { StoredText.capped($0) }, firstSeen: time, lastSeen: time, count: 0, message: "",
            evidence: Evidence(), cooldown: cooldown)
        if let address = subject.address, let enricher {
            for (name, value) in enricher.info(address).attributes { finding.evidence.attributes[name] = value }
        }
        update(&finding, true)
        opened[finding.id] = finding.severity
        let slot: Int32
        if let existing {
            // The old episode's cooldown ended but `advance` has not closed it yet: the new
            // episode takes its slot.
            slot = existing
            keepIfChanged(slot)
            slots[Int(slot)] = finding
        } else {
            slot = allocateSlot(key, finding)
        }
        markChanged(slot)
        schedule(slot)
    }

    private func allocateSlot(_ key: Key, _ finding: Finding) -> Int32 {
        let slot: Int32
        if let free = freeSlots.popLast() {
            slot = free
            slots[Int(slot)] = finding
            slotKeys[Int(slot)] = key
        } else {
            slot = Int32(slots.count)
            slots.append(finding)
            slotKeys.append(key)
            slotQueuedMinute.append(.min)
            slotChanged.append(false)
        }
        openSlots[key] = slot
        return slot
    }

    /// Frees a closed episode's slot, keeping its last state for the store when it changed.
    private func closeSlot(_ slot: Int32, key: Key) {
        keepIfChanged(slot)
        openSlots[key] = nil
        slotKeys[Int(slot)] = nil
        slotQueuedMinute[Int(slot)] = .min
        slots[Int(slot)] = Finding.placeholder
        freeSlots.append(slot)
    }

    /// Moves a changed finding that leaves its slot to `changedClosed`. Its entry in
    /// `changedSlots` stays; `drainChanged` skips slots whose flag is off.
    private func keepIfChanged(_ slot: Int32) {
        guard slotChanged[Int(slot)] else { return }
        changedClosed.append(slots[Int(slot)])
        slotChanged[Int(slot)] = false
    }

    @inline(__always)
    private func markChanged(_ slot: Int32) {
        if slotChanged[Int(slot)] { return }
        slotChanged[Int(slot)] = true
        changedSlots.append(slot)
    }

    private func schedule(_ slot: Int32) {
        let finding = slots[Int(slot)]
        let minute = (finding.lastSeen + finding.cooldown) / EventTime.minute
        if slotQueuedMinute[Int(slot)] != minute, let key = slotKeys[Int(slot)] {
            slotQueuedMinute[Int(slot)] = minute
            deadlines.push(minute, key)
        }
    }

    /// Closes episodes whose cooldown ended before `watermark`; they stay in the store.
    func advance(to watermark: Int64) {
        var later: [(Int64, Key)] = []
        while let (minute, key) = deadlines.peek(), minute <= watermark / EventTime.minute {
            deadlines.pop()
            guard let slot = openSlots[key] else { continue }
            let deadline = slots[Int(slot)].lastSeen + slots[Int(slot)].cooldown
            if watermark > deadline {
                closeSlot(slot, key: key)
            } else if deadline / EventTime.minute == minute {
                later.append((minute, key))  // due later in this same minute
            }
            // Otherwise the entry is stale: the episode grew and has a later entry.
        }
        for (minute, key) in later { deadlines.push(minute, key) }
    }

    /// Whether findings changed since the last `drainChanged()`.
    var hasChanged: Bool { !changedSlots.isEmpty || !changedClosed.isEmpty }

    /// The findings created or changed since the last call, each once in its latest state,
    /// ordered by first seen, then id. `describe` writes each one's text (message and the
    /// like) first, in place, so that the open episode keeps it too.
    func drainChanged(describe: (inout Finding) -> Void) -> [Finding] {
        var latest: [String: Finding] = [:]
        latest.reserveCapacity(changedClosed.count + changedSlots.count)
        for var finding in changedClosed {
            describe(&finding)
            latest[finding.id] = finding
        }
        for slot in changedSlots where slotChanged[Int(slot)] {
            describe(&slots[Int(slot)])
            latest[slots[Int(slot)].id] = slots[Int(slot)]
            slotChanged[Int(slot)] = false
        }
        changedClosed.removeAll(keepingCapacity: true)
        changedSlots.removeAll(keepingCapacity: true)
        return latest.values.sorted { ($0.firstSeen, $0.id) < ($1.firstSeen, $1.id) }
    }

    /// Writes the text of every changed finding now, without draining them: before the
    /// detectors that describe them are replaced (a policy reload).
    func describeChanged(_ describe: (inout Finding) -> Void) {
        for index in changedClosed.indices { describe(&changedClosed[index]) }
        for slot in changedSlots where slotChanged[Int(slot)] { describe(&slots[Int(slot)]) }
    }

    // MARK: persistence

    func snapshot() throws -> Data {
        let list = openSlots.allValues.map { slots[Int($0)] }.sorted { $0.id < $1.id }
        return Data(Finding.stateJSON(list))
    }

    func restore(_ data: Data) throws {
        let list = try JSONDecoder.state.decode([Finding].self, from: data)
        slots = []; slotKeys = []; slotQueuedMinute = []; slotChanged = []; freeSlots = []
        openSlots = ProbingTable()
        changedSlots = []; changedClosed = []
        deadlines = MinHeap()
        for finding in list {
            guard let subject = Subject(kind: finding.subjectKind, text: finding.subject, symbols: symbols) else { continue }
            let key = self.key(finding.detector, finding.rule, subject)
            if let replaced = openSlots[key] {
                slots[Int(replaced)] = finding
                schedule(replaced)
            } else {
                schedule(allocateSlot(key, finding))
            }
        }
    }
}

private extension Finding {
    /// What a free slot holds: nothing that keeps strings or arrays alive.
    static let placeholder = Finding(
        id: "", detector: "", rule: "", severity: .p4, subjectKind: "", subject: "", server: nil,
        firstSeen: 0, lastSeen: 0, count: 0, message: "", evidence: Evidence(), cooldown: 0)
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
