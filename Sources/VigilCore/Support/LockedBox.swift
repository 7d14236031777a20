import Foundation

/// A value shared by concurrent tasks behind a lock.
final class LockedBox<T>: @unchecked Sendable {
    private var stored: T
    private let lock = NSLock()

    init(_ value: T) { stored = value }

    func update(_ body: (inout T) -> Void) {
        lock.lock()
        defer { lock.unlock() }
        body(&stored)
    }

    var value: T {
        lock.lock()
        defer { lock.unlock() }
        return stored
    }
}
