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
    private(set) var states: [Subject: State] = [:]
    private var queue: [(time: Int64, subject: Subject)] = []
    private var head = 0
    let capacity: Int
    /// New subjects not tracked because `capacity` were already kept.
    private(set) var untracked = 0

    init(capacity: Int) {
        self.capacity = capacity
    }

    var count: Int { states.count }

    subscript(subject: Subject) -> State? { states[subject] }

    /// Changes the state of `subject`, making it (from `State()`) when it is new and there is
    /// room. Returns false, changing nothing, when a new subject finds the table full.
    @inline(__always)
    @discardableResult
    mutating func update(_ subject: Subject, _ body: (inout State) -> Void) -> Bool {
        if states.count >= capacity && states.index(forKey: subject) == nil {
            untracked &+= 1
            return false
        }
        // One hash lookup whether the subject is new or not.
        var isNew = false
        var last: Int64 = 0
        func apply(_ state: inout State) {
            body(&state)
            last = state.last
        }
        apply(
            &states[
                subject,
                default: {
                    isNew = true; return State()
                }()])
        if isNew { queue.append((last, subject)) }
        return true
    }

    /// Changes the state of `subject` when it is kept; adds nothing.
    @inline(__always)
    @discardableResult
    mutating func updateExisting(_ subject: Subject, _ body: (inout State) -> Void) -> Bool {
        guard let index = states.index(forKey: subject) else { return false }
        body(&states.values[index])
        return true
    }

    /// Drops the subjects at the front of the queue last seen before `cutoff` (see the type).
    mutating func expire(before cutoff: Int64) {
        while head < queue.count, queue[head].time < cutoff {
            let subject = queue[head].subject
            head += 1
            guard let index = states.index(forKey: subject) else { continue }
            let last = states.values[index].last
            if last < cutoff { states.remove(at: index) } else { queue.append((last, subject)) }
        }
        if head > 4096 && head * 2 >= queue.count {
            queue.removeFirst(head)
            head = 0
        }
    }

    /// The table as a snapshot (`BinaryWriter`): a version byte, the subject count, then each
    /// subject in queue order with its state as `writeState` writes it.
    func snapshot(_ symbols: SymbolTable, _ writeState: (State, inout BinaryWriter) -> Void) -> Data {
        var writer = BinaryWriter(capacity: states.count * 48 + 16)
        writer.u8(Self.stateVersion)
        writer.u32(UInt32(queue.count - head))
        for entry in queue[head...] {
            entry.subject.write(to: &writer, symbols)
            writer.i64(entry.time)
            writeState(states[entry.subject] ?? State(), &writer)
        }
        return Data(writer.bytes)
    }

    /// Replaces the table by a snapshot's; throws on truncated or unknown data.
    mutating func restore(
        _ data: Data, _ symbols: SymbolTable, _ readState: (inout BinaryReader) throws -> State
    ) throws {
        var reader = BinaryReader([UInt8](data))
        guard try reader.u8() == Self.stateVersion else { throw BinaryReader.Truncated() }
        let count = try reader.u32()
        self = ExpiringSubjects(capacity: capacity)
        for _ in 0..<count {
            let subject = try Subject.read(from: &reader, symbols)
            let time = try reader.i64()
            let state = try readState(&reader)
            guard states[subject] == nil else { throw BinaryReader.Truncated() }
            states[subject] = state
            queue.append((time, subject))
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
