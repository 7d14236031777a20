/// Counts events per (hour, source format, server, outcome) between checkpoints.
///
/// The key is packed into one 64-bit integer and counted in a small open-addressing table with
/// a multiplicative hash: a dictionary's seeded SipHash per event showed up in profiles.
/// Counts are handed to the store with the input offsets of the same checkpoint, so they are
/// exact across restarts and split runs, like findings.
final class HourlyCounter {
    private var keys: [UInt64]
    private var events: [Int64]
    private var attempts: [Int64]
    private var used = 0
    private var mask: Int
    private let symbols: SymbolTable
    /// 0 marks an empty slot; real keys always have the hour bits set (events after 1970).
    private static let empty: UInt64 = 0

    init(symbols: SymbolTable) {
        self.symbols = symbols
        mask = 255
        keys = [UInt64](repeating: HourlyCounter.empty, count: 256)
        events = [Int64](repeating: 0, count: 256)
        attempts = [Int64](repeating: 0, count: 256)
    }

    /// Formats in a fixed order, indexed by 3 bits of the key.
    private static let formats: [LogFormat] = [.auto, .mcpJSON, .sshd, .combined]

    @inline(__always)
    func count(_ e: Event, format: LogFormat?) {
        let hour = UInt64(max(e.time, 0) / EventTime.hour) + 1  // +1: never the empty key
        // Exhaustive on purpose: a new format must choose its code here (and in `formats`),
        // not fall silently into "unknown".
        let f: UInt64 =
            switch format {
            case .mcpJSON?: 1
            // A journal's entries are sshd's (its decoder ignores the others): counted as
            // sshd, so the report's SSH figures include hosts that log only to the journal.
            case .sshd?, .journalJSON?: 2
            case .combined?: 3
            case .auto?, nil: 0
            }
        let key = hour << 40 | UInt64(e.server.id) << 8 | f << 3 | UInt64(e.outcome.rawValue)
        var i = Int(truncatingIfNeeded: (key &* 0x9E37_79B9_7F4A_7C15) >> 40) & mask
        while keys[i] != key {
            if keys[i] == HourlyCounter.empty {
                keys[i] = key
                used += 1
                if used * 2 > mask { grow(); count(e, format: format); return }
                break
            }
            i = (i + 1) & mask
        }
        events[i] += 1
        attempts[i] += Int64(e.attempts)
    }

    private func grow() {
        let old = (keys, events, attempts)
        mask = mask * 2 + 1
        keys = [UInt64](repeating: HourlyCounter.empty, count: mask + 1)
        events = [Int64](repeating: 0, count: mask + 1)
        attempts = [Int64](repeating: 0, count: mask + 1)
        used = 0
        for j in old.0.indices where old.0[j] != HourlyCounter.empty {
            var i = Int(truncatingIfNeeded: (old.0[j] &* 0x9E37_79B9_7F4A_7C15) >> 40) & mask
            while keys[i] != HourlyCounter.empty { i = (i + 1) & mask }
            keys[i] = old.0[j]; events[i] = old.1[j]; attempts[i] = old.2[j]
            used += 1
        }
    }

    /// The counts since the last drain, as store rows in a stable order.
    func drain() -> [HourlyCount] {
        var rows: [(UInt64, Int64, Int64)] = []
        for i in keys.indices where keys[i] != HourlyCounter.empty && events[i] > 0 { rows.append((keys[i], events[i], attempts[i])) }
        for i in keys.indices { keys[i] = HourlyCounter.empty; events[i] = 0; attempts[i] = 0 }
        used = 0
        return rows.sorted { $0.0 < $1.0 }.map { key, ev, at in
            let format = HourlyCounter.formats[Int(key >> 3 & 7)]
            return HourlyCount(
                hour: Int64((key >> 40) - 1) * EventTime.hour, source: format == .auto ? "unknown" : format.rawValue,
                server: symbols.string(Symbol(id: UInt32(truncatingIfNeeded: key >> 8))) ?? "",
                outcome: Outcome(rawValue: UInt8(key & 7))?.name ?? "error",
                events: ev, attempts: at)
        }
    }
}
