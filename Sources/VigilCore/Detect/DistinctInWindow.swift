/// The distinct values (user names, client addresses) one subject failed with inside a sliding
/// window, with the failures each stands for: the state of `user_enumeration` and
/// `distributed_brute_force`.
///
/// Bounded by the rule's threshold: the rule fires when the list reaches it and then empties
/// the list, so an attacker trying a million names keeps at most `threshold` of them here. A
/// value seen again moves to its newer time instead of being added twice. The first value is
/// kept inline (`InlineFirstList`): most subjects fail once.
struct DistinctInWindow<Value: Hashable>: ExpiringState {
    struct Entry {
        var value: Value
        var time: Int64
        var failures: UInt32
    }

    var entries = InlineFirstList<Entry>()
    var last: Int64 = .min

    init() {}

    var count: Int { entries.count }

    /// Adds a failure with `value` at `time` and drops values last seen before `cutoff`.
    @inline(__always)
    mutating func note(_ value: Value, at time: Int64, attempts: UInt32, cutoff: Int64) {
        last = max(last, time)
        if let i = entries.firstIndex(where: { $0.value == value }) {
            entries[i].time = max(entries[i].time, time)
            entries[i].failures &+= attempts
        } else {
            entries.append(Entry(value: value, time: time, failures: attempts))
        }
        if entries.contains(where: { $0.time < cutoff }) { entries.keep { $0.time >= cutoff } }
    }

    var values: [Value] { entries.map(\.value) }
    var earliest: Int64? { entries.lazy.map(\.time).min() }
    var totalFailures: Int { entries.reduce(0) { $0 + Int($1.failures) } }

    /// Forgets the values (after the rule fired), keeping `last` for expiry.
    mutating func empty() {
        entries.removeAll()
    }

    /// Snapshot form: entry count, each value (as `writeValue` spells it), time and failures,
    /// then `last`.
    func write(to writer: inout BinaryWriter, _ writeValue: (Value, inout BinaryWriter) -> Void) {
        writer.u32(UInt32(entries.count))
        for entry in entries {
            writeValue(entry.value, &writer)
            writer.i64(entry.time)
            writer.u32(entry.failures)
        }
        writer.i64(last)
    }

    static func read(from reader: inout BinaryReader, _ readValue: (inout BinaryReader) throws -> Value) throws -> Self {
        var state = Self()
        let count = try reader.u32()
        for _ in 0..<count {
            let value = try readValue(&reader)
            state.entries.append(Entry(value: value, time: try reader.i64(), failures: try reader.u32()))
        }
        state.last = try reader.i64()
        return state
    }
}
