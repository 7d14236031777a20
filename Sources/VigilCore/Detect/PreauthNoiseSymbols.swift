/// The sshd pre-authentication scanning categories (`SSHDCategory.scanning`) as the symbols
/// of one run, so the SSH detectors compare integers, not strings, on every failure.
///
/// Noise is decoded as an `auth_failure` with no attempt; the attempt-counting rules skip it
/// by category as well as by `attempts`, so they stay right whichever way a decoder counts it
/// (today's decoder still gives `no_identification` one attempt).
struct PreauthNoiseSymbols {
    private var symbols: [Symbol] = []

    init() {}

    /// Interns the category names in `table` the first time (a detector is made before the
    /// run's symbol table is known to it, so it asks on its first event).
    @inline(__always)
    mutating func contains(_ operation: Symbol, in table: SymbolTable) -> Bool {
        if operation.isNone { return false }
        if symbols.isEmpty { symbols = SSHDCategory.scanning.map { table.intern($0) } }
        for symbol in symbols where symbol == operation { return true }
        return false
    }

    /// Whether `event` is an authentication attempt the attempt-counting rules count: a failure
    /// weighing at least one attempt, and not scanning noise.
    @inline(__always)
    mutating func isCountedAttempt(_ event: Event, in table: SymbolTable) -> Bool {
        event.outcome == .authFailure && event.attempts > 0 && !contains(event.operation, in: table)
    }
}
