import Foundation

/// Per-subject state of a detector whose subjects an attacker chooses (addresses, user names),
/// dropped once idle and capped in number.
///
/// Idle subjects are found through a first-in-first-out queue of (time last seen when queued,
/// subject) instead of a pass over every subject at each `advance`: the SSH rules keep a
/// client for up to hours, and a busy server has hundreds of thousands of them. Each kept
/// subject is in the queue exactly once (queued when new; when it reaches the front and was
/// seen since, it is queued again with its newer time), and subjects are never removed but
/// here (detectors reset a subject's state rather than remove it). `expire(before:)` drops
/// subjects from the front while the front is older than the cutoff and the subject was not
/// seen since; with time-ordered logs that is exactly the subjects last seen before the cutoff,
/// and when a log's time goes backwards a subject may stay a little longer (it holds nothing a
/// later event would count inside its window, which `observe` trims anyway).
///
/// What is dropped is a function of the log alone: snapshots keep the queue's order, so a log
/// analyzed in one run, in several, or tailed evicts exactly the same subjects at the same
/// events, and the same log leaves the same bytes whatever the hash seed.
///
/// At most `capacity` subjects are kept: a new subject beyond it is not tracked (`update`
/// returns `false`) until others expire, so an attacker sending endless distinct names or
/// addresses costs bounded memory. The cap is the one place where what an attacker sends can
/// blind a rule, and it is far above what a host sees in one window.
struct ExpiringSubjects<State: ExpiringState> {
    /// Each kept subject's place in `records`. The states themselves stay put in `records`
    /// (a freed place is reused): the hash table moves entries when it grows or closes a
    /// gap, and moving a shared SSH client record (over 100 bytes) there was a tenth of an
    /// sshd analysis.
    private var places = ProbingTable<Subject, Int32>()
    private var records: [State] = []
    private var freePlaces: [Int32] = []
    private var queue: [(time: Int64, subject: Subject, place: Int32)] = []
    private var head = 0
    var capacity: Int
    /// New subjects not tracked because `capacity` were already kept.
    private(set) var untracked = 0

    init(capacity: Int) {
        self.capacity = capacity
    }

    var count: Int { places.count }

    subscript(subject: Subject) -> State? { places[subject].map { records[Int($0)] } }

    /// Changes the state of `subject`, making it (from `State()`) when it is new and there is
    /// room. Returns false, changing nothing, when a new subject finds the table full.
    @inline(__always)
    @discardableResult
    mutating func update(_ subject: Subject, _ body: (inout State) -> Void) -> Bool {
        if places.count >= capacity && places.index(of: subject) == nil {
            untracked &+= 1
            return false
        }
        // One probe whether the subject is new or not.
        var isNew = false
        let slot = places.slot(for: subject) {
            isNew = true
            return Int32(0)
        }
        let place: Int32
        if isNew {
            place = makeRecord()
            places.modifyValue(at: slot.index) { $0 = place }
        } else {
            place = places.modifyValue(at: slot.index) { $0 }
        }
        body(&records[Int(place)])
        if isNew { queue.append((records[Int(place)].last, subject, place)) }
        return true
    }

    /// A place in `records` holding a fresh state: a freed one, else a new one.
    private mutating func makeRecord() -> Int32 {
        if let free = freePlaces.popLast() {
            records[Int(free)] = State()
            return free
        }
        records.append(State())
        return Int32(records.count - 1)
    }

    /// Changes the state of `subject` when it is kept; adds nothing.
    @inline(__always)
    @discardableResult
    mutating func updateExisting(_ subject: Subject, _ body: (inout State) -> Void) -> Bool {
        guard let index = places.index(of: subject) else { return false }
        let place = places.modifyValue(at: index) { $0 }
        body(&records[Int(place)])
        return true
    }

    /// The kept subjects with their states, in expiry order.
    var entries: [(subject: Subject, state: State)] {
        queue[head...].map { entry in (entry.subject, records[Int(entry.place)]) }
    }

    /// Drops the subjects at the front of the queue last seen before `cutoff` (see the type).
    mutating func expire(before cutoff: Int64) {
        while head < queue.count, queue[head].time < cutoff {
            let entry = queue[head]
            head += 1
            let last = records[Int(entry.place)].last
            if last < cutoff {
                if let index = places.index(of: entry.subject) { places.remove(at: index) }
                // Its arrays go now, not when the place is reused.
                records[Int(entry.place)] = State()
                freePlaces.append(entry.place)
            } else {
                queue.append((last, entry.subject, entry.place))
            }
        }
        if head > 4096 && head * 2 >= queue.count {
            queue.removeFirst(head)
            head = 0
        }
    }

    /// The table as a snapshot (`BinaryWriter`): a version byte (`stateVersion`, or a later
    /// one a detector gives when its state's form changed), the subject count, then each
    /// subject in queue order with its state as `writeState` writes it.
    func snapshot(
        _ symbols: SymbolTable, version: UInt8 = Self.stateVersion, _ writeState: (State, inout BinaryWriter) -> Void
    ) -> Data {
        var writer = BinaryWriter(capacity: places.count * 48 + 16)
        writer.u8(version)
        writer.u32(UInt32(queue.count - head))
        for entry in queue[head...] {
            entry.subject.write(to: &writer, symbols)
            writer.i64(entry.time)
            writeState(records[Int(entry.place)], &writer)
        }
        return Data(writer.bytes)
    }

    /// Replaces the table by a snapshot's; throws on truncated data or a version not in
    /// `versions`. `readState` is told the snapshot's version.
    mutating func restore(
        _ data: Data, _ symbols: SymbolTable, versions: ClosedRange<UInt8> = Self.stateVersion...Self.stateVersion,
        _ readState: (inout BinaryReader, UInt8) throws -> State
    ) throws {
        var reader = BinaryReader([UInt8](data))
        let version = try reader.u8()
        guard versions.contains(version) else { throw BinaryReader.Truncated() }
        let count = try reader.u32()
        self = ExpiringSubjects(capacity: capacity)
        for _ in 0..<count {
            let subject = try Subject.read(from: &reader, symbols)
            let time = try reader.i64()
            let state = try readState(&reader, version)
            guard places.index(of: subject) == nil else { throw BinaryReader.Truncated() }
            let place = makeRecord()
            records[Int(place)] = state
            places[subject] = place
            queue.append((time, subject, place))
        }
    }

    static var stateVersion: UInt8 { 2 }
}

/// What `ExpiringSubjects` needs of a subject's state: a fresh value and the newest event time
/// it holds.
protocol ExpiringState {
    init()
    var last: Int64 { get }
}
