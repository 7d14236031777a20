/// Per-subject state of a detector whose subjects an attacker chooses (addresses, user names),
/// dropped once idle and capped in number.
///
/// Idle subjects are found through a heap of (last time seen, subject) instead of a pass over
/// every subject at each `advance`: the SSH rules keep an address for up to hours, and a busy
/// server has hundreds of thousands of them. The heap holds one entry per live subject (a
/// popped entry whose subject was seen since is pushed again with its newer time; detectors
/// reset a subject's state rather than remove it, so no stale entry is left behind), so after
/// `expire(before:)` exactly the subjects last seen before the cutoff are gone — the same
/// subjects a filter over all of them would drop, whatever order they came in. That keeps
/// eviction a function of the log alone (batch and tail, one run or several, agree).
///
/// At most `capacity` subjects are kept: a new subject beyond it is not tracked (`track`
/// returns `false`) until others expire, so an attacker sending endless distinct names or
/// addresses costs bounded memory. The cap is the one place where what an attacker sends can
/// blind a rule, and it is far above what a host sees in one window.
struct ExpiringSubjects<State: ExpiringState> {
    private(set) var states: [Subject: State] = [:]
    private var lastSeen = MinHeap<Int64, Subject>()
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
        if let index = states.index(forKey: subject) {
            body(&states.values[index])
            return true
        }
        guard states.count < capacity else {
            untracked &+= 1
            return false
        }
        var state = State()
        body(&state)
        states[subject] = state
        lastSeen.push(state.last, subject)
        return true
    }

    /// Drops every subject last seen before `cutoff`.
    mutating func expire(before cutoff: Int64) {
        while let (time, subject) = lastSeen.peek(), time < cutoff {
            lastSeen.pop()
            guard let state = states[subject] else { continue }
            // A subject is never removed but here, so it has exactly one heap entry: this one.
            if state.last < cutoff { states[subject] = nil } else { lastSeen.push(state.last, subject) }
        }
    }

    /// Puts back a subject read from a snapshot.
    mutating func restore(_ subject: Subject, _ state: State) {
        if states[subject] == nil { lastSeen.push(state.last, subject) }
        states[subject] = state
    }

    /// The subjects with their state in a stable order (by kind and text), for snapshots that
    /// must be the same bytes whatever the hash seed.
    func sorted(_ symbols: SymbolTable) -> [(subject: Subject, kind: String, text: String, state: State)] {
        states.map { (subject: $0.key, kind: $0.key.kind, text: $0.key.text(symbols), state: $0.value) }
            .sorted { ($0.kind, $0.text) < ($1.kind, $1.text) }
    }
}

/// What `ExpiringSubjects` needs of a subject's state: a fresh value and the newest event time
/// it holds.
protocol ExpiringState {
    init()
    var last: Int64 { get }
}
