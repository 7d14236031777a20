import Foundation

/// The per-client state of the SSH rules that key by client — `slow_brute_force`'s pace,
/// `user_enumeration`'s user names and `preauth_scan`'s noise — in one table.
///
/// Why one table: each failing client was inserted, found and expired in three tables of its
/// own. On the sshd benchmark (about 600,000 distinct failing addresses) turning off
/// `user_enumeration` alone took a run from 1.24 s to 0.90 s, and `slow_brute_force` to 0.79
/// s: the cost was three hash-table insertions and removals per client and the cache misses
/// of three tables, not the rules' own work. Sharing, a client is inserted and expired once,
/// and the second and third rule find its record in cache.
///
/// Each rule changes only its own part of a record and judges it by its own window (every
/// part is trimmed to its window when the rule notes a failure); the table drops a client
/// once it has been idle for the longest window among the rules using it (`use`). The table
/// lives in the `DetectionContext`, so a policy reload keeps it, and `Engine` saves it with
/// each checkpoint under `stateKey`; the rules' own state rows are then empty.
final class SSHClientTable {
    struct Record: ExpiringState {
        var pace = SlowBruteForceDetector.Pace()
        var users = DistinctInWindow<Symbol>()
        var scan = PreauthScanDetector.Client()

        init() {}

        var last: Int64 { max(pace.last, users.last, scan.last) }
    }

    private var clients = ExpiringSubjects<Record>(capacity: 0)
    /// The longest window of the rules using the table.
    private(set) var window: Int64 = 0

    /// Where `Engine` keeps the table's snapshot.
    static let stateKey = "ssh_clients"

    /// A rule uses the table with `window` and wants room for `capacity` clients: the table
    /// keeps clients for the longest window asked and up to the largest capacity.
    func use(window: Int64, capacity: Int) {
        self.window = max(self.window, window)
        if capacity > clients.capacity { clients.capacity = capacity }
    }

    var count: Int { clients.count }

    /// Changes `subject`'s record, making it when new and there is room; false when the table
    /// is full and `subject` is not in it.
    @inline(__always)
    @discardableResult
    func update(_ subject: Subject, _ body: (inout Record) -> Void) -> Bool {
        clients.update(subject, body)
    }

    /// Changes `subject`'s record when it has one; adds nothing.
    @inline(__always)
    @discardableResult
    func updateExisting(_ subject: Subject, _ body: (inout Record) -> Void) -> Bool {
        clients.updateExisting(subject, body)
    }

    /// Drops the clients idle for the table's window before `watermark`. Each rule calls it
    /// from its `advance`; after the first, the calls find nothing to drop.
    func expire(before watermark: Int64) {
        clients.expire(before: watermark - window)
    }

    // MARK: persistence

    /// The table's form: `ExpiringSubjects`' snapshot of each record's three parts, each as
    /// its rule writes it (`SlowBruteForceDetector.write(_:to:_:)` and the others).
    static let stateVersion: UInt8 = 1

    func snapshot(_ context: DetectionContext) -> Data {
        var header = BinaryWriter(capacity: 16)
        header.u8(Self.stateVersion)
        header.i64(window)
        let table = clients.snapshot(context.symbols) { record, writer in
            SlowBruteForceDetector.write(record.pace, to: &writer, context)
            UserEnumerationDetector.write(record.users, to: &writer, context)
            PreauthScanDetector.write(record.scan, to: &writer)
        }
        return Data(header.bytes) + table
    }

    func restore(_ data: Data, _ context: DetectionContext) throws {
        var reader = BinaryReader([UInt8](data.prefix(9)))
        guard try reader.u8() == Self.stateVersion else { throw BinaryReader.Truncated() }
        window = max(window, try reader.i64())
        try clients.restore(data.dropFirst(9), context.symbols) { reader, _ in
            var record = Record()
            record.pace = try SlowBruteForceDetector.readPace(from: &reader, version: SlowBruteForceDetector.stateVersion, context)
            record.users = try UserEnumerationDetector.readUsers(from: &reader, context)
            record.scan = try PreauthScanDetector.readClient(from: &reader)
            return record
        }
    }
}
