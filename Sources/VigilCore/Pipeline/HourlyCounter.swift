/// Counts events per (hour, source format, server, outcome) between checkpoints.
///
/// One dictionary keyed by a packed 64-bit integer, so counting costs a hash of one integer
/// per event. Counts are handed to the store with the input offsets of the same checkpoint,
/// so they are exact across restarts and split runs, like findings.
final class HourlyCounter {
    private var counts: [UInt64: (events: Int64, attempts: Int64)] = [:]
    private let symbols: SymbolTable

    init(symbols: SymbolTable) {
        self.symbols = symbols
    }

    /// Formats in a fixed order, indexed by 3 bits of the key.
    private static let formats: [LogFormat] = [.auto, .mcpJSON, .sshd, .combined]

    @inline(__always)
    func count(_ e: Event, format: LogFormat?) {
        let hour = UInt64(max(e.time, 0) / EventTime.hour)          // < 2^24 until the year 3883
        let f = UInt64(HourlyCounter.formats.firstIndex(of: format ?? .auto) ?? 0)
        let key = hour << 40 | UInt64(e.server.id) << 8 | f << 3 | UInt64(e.outcome.rawValue)
        counts[key, default: (0, 0)].events += 1
        counts[key, default: (0, 0)].attempts += Int64(e.attempts)
    }

    /// The counts since the last drain, as store rows in a stable order.
    func drain() -> [HourlyCount] {
        defer { counts.removeAll(keepingCapacity: true) }
        return counts.keys.sorted().map { key in
            let c = counts[key]!
            let format = HourlyCounter.formats[Int(key >> 3 & 7)]
            return HourlyCount(hour: Int64(key >> 40) * EventTime.hour, source: format == .auto ? "unknown" : format.rawValue,
                               server: symbols.string(Symbol(id: UInt32(truncatingIfNeeded: key >> 8))) ?? "",
                               outcome: Outcome(rawValue: UInt8(key & 7))?.name ?? "error",
                               events: c.events, attempts: c.attempts)
        }
    }
}
