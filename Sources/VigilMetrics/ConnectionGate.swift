import Foundation

/// Counts the metrics endpoint's open connections across its event loop threads, so each new
/// one can be admitted or closed at once: the connections a client holds are descriptors the
/// tail's inputs cannot have.
final class ConnectionGate: @unchecked Sendable {
    /// Open connections at most.
    let capacity: Int
    private let lock = NSLock()
    private var open = 0

    init(capacity: Int) {
        self.capacity = capacity
    }

    /// Takes a place for a new connection; false when all are taken.
    func admit() -> Bool {
        lock.lock()
        defer { lock.unlock() }
        guard open < capacity else { return false }
        open += 1
        return true
    }

    /// Gives back the place of an admitted connection that closed.
    func release() {
        lock.lock()
        open -= 1
        lock.unlock()
    }
}
