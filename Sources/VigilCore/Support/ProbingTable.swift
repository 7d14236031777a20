/// A key `ProbingTable` can hash: two 64-bit words that identify it (distinct keys, distinct
/// words, as far as the type allows; equal words only cost a comparison).
protocol ProbingKey: Equatable {
    var words: (UInt64, UInt64) { get }
}

/// A hash table for the detectors' hottest lookups (clients, open findings): open addressing
/// with linear probing, the hashes in a dense array of their own, and deletion by backward
/// shift.
///
/// Why not `Dictionary`: the SSH rules insert every failing client once and remove it once
/// when it has been idle for a window, hundreds of thousands per window on a server under a
/// botnet, and ask the finding tracker about open episodes several times per failure. In perf,
/// `Dictionary`'s removal (which hashes again every entry it moves back) and its SipHash
/// seeding and finalization on every lookup were together over a quarter of an sshd
/// analysis. Here a key is hashed once per call by a keyed multiply–fold of its two words (as
/// in wyhash), a probe compares stored hashes before keys, and a removal moves entries back
/// without hashing anything.
///
/// The hash key is random per process, so an attacker who chooses addresses or user names
/// cannot aim them at one probe chain (the reason Swift seeds `Hasher` per process). Nothing
/// may depend on the table's order: it differs between runs (`ExpiringSubjects` keeps its own
/// first-in-first-out order for expiry and snapshots).
///
/// At most half the slots are used (the table doubles past that), so a probe for a missing
/// key ends after about two slots on average.
struct ProbingTable<Key: ProbingKey, Value> {
    /// A slot's hash (0: empty; a stored hash is never 0) and key, together: a probe reads one
    /// cache line for both. Apart from the values, so that a probe compares keys without
    /// copying (and retaining) the arrays inside a state.
    private struct Slot {
        var hash: UInt64
        var key: Key?

        static var empty: Slot { Slot(hash: 0, key: nil) }
    }

    private var slots: [Slot]
    private var values: [Value?]
    private var mask: Int
    private(set) var count = 0

    init(minimumCapacity: Int = 16) {
        var size = 16
        while size < minimumCapacity * 2 { size <<= 1 }
        slots = [Slot](repeating: .empty, count: size)
        values = [Value?](repeating: nil, count: size)
        mask = size - 1
    }

    @inline(__always)
    static func hash(_ key: Key) -> UInt64 {
        let words = key.words
        let secret = ProbingTableSecret.words
        let product = (words.0 ^ secret.0).multipliedFullWidth(by: words.1 ^ secret.1)
        let folded = product.high ^ product.low
        return folded == 0 ? 1 : folded
    }

    /// Where `key` is (`found`), or the empty slot where it would go.
    @inline(__always)
    private func probe(_ key: Key, hash: UInt64) -> (index: Int, found: Bool) {
        var index = Int(truncatingIfNeeded: hash) & mask
        while true {
            let stored = slots[index].hash
            if stored == 0 { return (index, false) }
            if stored == hash && slots[index].key.unsafelyUnwrapped == key { return (index, true) }
            index = (index + 1) & mask
        }
    }

    /// The slot holding `key`, if it is here.
    @inline(__always)
    func index(of key: Key) -> Int? {
        let found = probe(key, hash: Self.hash(key))
        return found.found ? found.index : nil
    }

    /// The value of `key`; setting nil removes it.
    subscript(key: Key) -> Value? {
        get { index(of: key).flatMap { values[$0] } }
        set {
            if let newValue {
                let slot = slot(for: key) { newValue }
                if !slot.isNew { values[slot.index] = newValue }
            } else if let index = index(of: key) {
                remove(at: index)
            }
        }
    }

    /// Every value, in no particular order.
    var allValues: [Value] { values.compactMap { $0 } }

    /// The value in slot `index` (from `index(of:)` or `slot(for:)`), changed in place.
    @inline(__always)
    mutating func modifyValue<Result>(at index: Int, _ body: (inout Value) -> Result) -> Result {
        body(&values[index]!)
    }

    /// The slot of `key`, adding it with `makeValue()` when it is new. Returns the slot and
    /// whether it was added.
    @inline(__always)
    mutating func slot(for key: Key, _ makeValue: () -> Value) -> (index: Int, isNew: Bool) {
        let hash = Self.hash(key)
        var found = probe(key, hash: hash)
        if found.found { return (found.index, false) }
        if (count + 1) * 2 > slots.count {
            grow()
            found = probe(key, hash: hash)
        }
        slots[found.index] = Slot(hash: hash, key: key)
        values[found.index] = makeValue()
        count += 1
        return (found.index, true)
    }

    /// Removes the entry in slot `index`, moving back the entries of its probe chain that
    /// would no longer be found past the hole.
    mutating func remove(at index: Int) {
        var hole = index
        var next = index
        while true {
            next = (next + 1) & mask
            let stored = slots[next].hash
            if stored == 0 { break }
            let home = Int(truncatingIfNeeded: stored) & mask
            // The entry at `next` may fill the hole when its home is not cyclically inside
            // (hole, next]: from its home, a probe passes the hole before reaching `next`.
            let reachesHole = hole <= next ? (home <= hole || home > next) : (home <= hole && home > next)
            if reachesHole {
                slots[hole] = slots[next]
                values.swapAt(hole, next)
                hole = next
            }
        }
        slots[hole] = .empty
        values[hole] = nil
        count -= 1
    }

    private mutating func grow() {
        let oldSlots = slots
        var oldValues = values
        slots = [Slot](repeating: .empty, count: oldSlots.count * 2)
        values = [Value?](repeating: nil, count: oldSlots.count * 2)
        mask = slots.count - 1
        for index in oldSlots.indices where oldSlots[index].hash != 0 {
            var slot = Int(truncatingIfNeeded: oldSlots[index].hash) & mask
            while slots[slot].hash != 0 { slot = (slot + 1) & mask }
            slots[slot] = oldSlots[index]
            swap(&values[slot], &oldValues[index])
        }
    }
}

/// The per-process secret of `ProbingTable`'s hash (see the type); a generic type cannot hold it.
enum ProbingTableSecret {
    static let words: (UInt64, UInt64) = (UInt64.random(in: 1...UInt64.max), UInt64.random(in: 1...UInt64.max))
}
