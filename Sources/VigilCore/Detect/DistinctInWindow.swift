/// The distinct values (user names, client addresses) one subject failed with inside a sliding
/// window, with the failures each stands for: the state of `user_enumeration` and
/// `distributed_brute_force`.
///
/// Bounded by the rule's threshold: the rule fires when the list reaches it and then empties
/// the list, so an attacker trying a million names keeps at most `threshold` of them here. A
/// value seen again moves to its newer time instead of being added twice.
struct DistinctInWindow<Value: Hashable>: ExpiringState {
    var values: [Value] = []
    var times: [Int64] = []
    var failures: [UInt32] = []
    var last: Int64 = .min

    init() {}

    /// Adds a failure with `value` at `time` and drops values last seen before `cutoff`.
    @inline(__always)
    mutating func note(_ value: Value, at time: Int64, attempts: UInt32, cutoff: Int64) {
        last = max(last, time)
        if let i = values.firstIndex(of: value) {
            times[i] = max(times[i], time)
            failures[i] &+= attempts
        } else {
            values.append(value)
            times.append(time)
            failures.append(attempts)
        }
        if times.contains(where: { $0 < cutoff }) {
            var keep = 0
            for i in values.indices where times[i] >= cutoff {
                values[keep] = values[i]; times[keep] = times[i]; failures[keep] = failures[i]
                keep += 1
            }
            values.removeLast(values.count - keep); times.removeLast(times.count - keep)
            failures.removeLast(failures.count - keep)
        }
    }

    var totalFailures: Int { failures.reduce(0) { $0 + Int($1) } }

    /// Forgets the values (after the rule fired), keeping `last` for expiry.
    mutating func empty() {
        values = []; times = []; failures = []
    }
}

/// `DistinctInWindow` as a snapshot holds it: values spelled out.
struct StoredDistinct: Codable {
    var subjectKind: String
    var subject: String
    /// User names, or clients as `kind:text`.
    var values: [String]
    var times: [Int64]
    var failures: [UInt32]
    var last: Int64

    var isConsistent: Bool { values.count == times.count && values.count == failures.count }
}
