import Foundation

/// The parser's connections written out for a later run that resumes the input, with names
/// spelled out (symbols are per run).
///
/// In `BinaryWriter`'s compact format, sorted by server name and pid so that the same input
/// gives the same bytes: under a brute force every connection with a counted failure is kept
/// until it ends or goes quiet (tens of thousands), and JSON made the final checkpoint of a
/// 100k-line log cost as much as decoding it.
extension SSHDMessageParser {
    private static let stateMagic: UInt8 = 0x53  // "S"
    private static let stateVersion: UInt8 = 2

    func saveState(beforeLastLine: Bool) -> Data? {
        // The connection the last call changed, as it was: substituted while listing (a
        // changed copy of the dictionary would copy all of it).
        let changed = beforeLastLine ? undo.connection : nil
        var entries: [(key: UInt64, connection: SSHDConnection)] = []
        entries.reserveCapacity(connections.count + 1)
        for (key, connection) in connections where key != changed?.key { entries.append((key, connection)) }
        if let changed, let previous = changed.previous { entries.append((changed.key, previous)) }
        let pending = pendingExpired(beforeLastCall: beforeLastLine)

        // Servers by name, once each; entries sorted by (name, pid) through the names' ranks.
        var serverIDs = Set(entries.map { UInt32(truncatingIfNeeded: $0.key >> 32) })
        for gone in pending { serverIDs.insert(gone.server.id) }
        let names = serverIDs.map { (id: $0, name: symbols.string(Symbol(id: $0)) ?? "") }.sorted { ($0.name, $0.id) < ($1.name, $1.id) }
        var rank: [UInt32: UInt32] = [:]
        for (index, server) in names.enumerated() { rank[server.id] = UInt32(index) }
        let sortKey = { (key: UInt64) in (UInt64(rank[UInt32(truncatingIfNeeded: key >> 32)]!) << 32) | (key & 0xffff_ffff) }
        entries.sort { sortKey($0.key) < sortKey($1.key) }

        var writer = BinaryWriter(capacity: entries.count * 64 + names.count * 32 + 64)
        writer.u8(Self.stateMagic)
        writer.u8(Self.stateVersion)
        writer.i64(sweepBucket)
        writer.u32(UInt32(names.count))
        for server in names { writer.string(server.name) }
        writer.u32(UInt32(entries.count))
        for entry in entries {
            write(
                &writer, server: rank[UInt32(truncatingIfNeeded: entry.key >> 32)]!, pid: UInt32(truncatingIfNeeded: entry.key),
                entry.connection)
        }
        writer.u32(UInt32(pending.count))
        for gone in pending { write(&writer, server: rank[gone.server.id]!, pid: 0, gone.connection) }
        return Data(writer.bytes)
    }

    /// Restores what `saveState` wrote. State in another form (written by an older Vigil, or
    /// damaged) is not guessed at: the connections start empty, which can only miss the
    /// attempts of connections open across the two runs.
    func loadState(_ data: Data) {
        var reader = BinaryReader(Array(data))
        do {
            guard try reader.u8() == Self.stateMagic, try reader.u8() == Self.stateVersion else { return }
            let bucket = try reader.i64()
            var servers: [Symbol] = []
            for _ in 0..<Int(try reader.u32()) { servers.append(symbols.intern(try reader.string())) }
            var restored: [UInt64: SSHDConnection] = [:]
            for _ in 0..<Int(try reader.u32()) {
                let (server, pid, connection) = try read(&reader, servers: servers)
                restored[(UInt64(server.id) << 32) | UInt64(pid)] = connection
            }
            var gone: [ExpiredConnection] = []
            for _ in 0..<Int(try reader.u32()) {
                let (server, _, connection) = try read(&reader, servers: servers)
                gone.append(ExpiredConnection(server: server, connection: connection))
            }
            sweepBucket = bucket
            connections = restored
            expired = gone
            expiredHead = 0
        } catch {
            return
        }
    }

    private func write(_ writer: inout BinaryWriter, server: UInt32, pid: UInt32, _ connection: SSHDConnection) {
        writer.u32(server)
        writer.u32(pid)
        writer.u8(
            (connection.address != nil ? 1 : 0) | (connection.reachedAuthentication ? 2 : 0) | (connection.refused ? 4 : 0)
                | (connection.sawNoise ? 8 : 0))
        if let address = connection.address {
            writer.u64(UInt64(truncatingIfNeeded: address.raw >> 64))
            writer.u64(UInt64(truncatingIfNeeded: address.raw))
        }
        writer.u8(connection.openAttempt.rawValue)
        writer.u32(connection.heldKeys)
        writer.u32(connection.counted)
        writer.u32(connection.unplaced)
        writer.u32(connection.firstUserFailures)
        writer.i64(connection.lastTime)
        writer.string(symbols.string(connection.remoteHost) ?? "")
        writer.string(symbols.string(connection.heldUser) ?? "")
        writer.string(symbols.string(connection.firstFailedUser) ?? "")
        writer.string(symbols.string(connection.pendingRefusal) ?? "")
        writer.string(symbols.string(connection.pendingRefusalUser) ?? "")
    }

    private func read(_ reader: inout BinaryReader, servers: [Symbol]) throws -> (Symbol, UInt32, SSHDConnection) {
        let serverIndex = Int(try reader.u32())
        guard serverIndex < servers.count else { throw BinaryReader.Truncated() }
        let pid = try reader.u32()
        let flags = try reader.u8()
        var connection = SSHDConnection()
        if flags & 1 != 0 {
            let high = try reader.u64()
            let low = try reader.u64()
            connection.address = IPAddress(raw: (UInt128(high) << 64) | UInt128(low))
        }
        connection.reachedAuthentication = flags & 2 != 0
        connection.refused = flags & 4 != 0
        connection.sawNoise = flags & 8 != 0
        guard let open = SSHDConnection.OpenAttempt(rawValue: try reader.u8()) else { throw BinaryReader.Truncated() }
        connection.openAttempt = open
        connection.heldKeys = try reader.u32()
        connection.counted = try reader.u32()
        connection.unplaced = try reader.u32()
        connection.firstUserFailures = try reader.u32()
        connection.lastTime = try reader.i64()
        let name = { (text: String) in text.isEmpty ? Symbol.none : self.symbols.intern(text) }
        connection.remoteHost = name(try reader.string())
        connection.heldUser = name(try reader.string())
        connection.firstFailedUser = name(try reader.string())
        connection.pendingRefusal = name(try reader.string())
        connection.pendingRefusalUser = name(try reader.string())
        return (servers[serverIndex], pid, connection)
    }
}
