import Foundation

/// The parser's connections written out for a later run that resumes the input, with names
/// spelled out (symbols are per run).
extension SSHDMessageParser {
    private struct StoredConnection: Codable {
        var server: String
        var pid: UInt32
        var address: String?
        var remoteHost: String?
        var openAttempt: SSHDConnection.OpenAttempt
        var heldKeys: UInt32
        var heldUser: String?
        var counted: UInt32
        var unplaced: UInt32
        var firstFailedUser: String?
        var firstUserFailures: UInt32
        var reachedAuthentication: Bool
        var lastTime: Int64
    }

    private struct StoredState: Codable {
        var sweepBucket: Int64
        var connections: [StoredConnection]
        /// Quiet connections whose held failures are still to be handed on.
        var expired: [StoredConnection]?
    }

    func saveState(beforeLastLine: Bool) -> Data? {
        var state = connections
        var pending = expired
        if beforeLastLine {
            if let (key, previous) = undo.connection { state[key] = previous }
            if let before = undo.expired { pending = before }
        }
        let list = state.map { key, connection in stored(key, connection) }.sorted { ($0.server, $0.pid) < ($1.server, $1.pid) }
        let gone = pending.map { stored(UInt64($0.server.id) << 32, $0.connection) }
        return try? JSONEncoder.state.encode(StoredState(sweepBucket: sweepBucket, connections: list, expired: gone))
    }

    func loadState(_ data: Data) {
        guard let stored = try? JSONDecoder.state.decode(StoredState.self, from: data) else { return }
        sweepBucket = stored.sweepBucket
        for entry in stored.connections {
            let (key, connection) = restored(entry)
            connections[key] = connection
        }
        expired = (stored.expired ?? []).map { entry in
            let (key, connection) = restored(entry)
            return ExpiredConnection(server: Symbol(id: UInt32(key >> 32)), connection: connection)
        }
    }

    private func stored(_ key: UInt64, _ connection: SSHDConnection) -> StoredConnection {
        StoredConnection(
            server: symbols.string(Symbol(id: UInt32(key >> 32))) ?? "", pid: UInt32(truncatingIfNeeded: key),
            address: connection.address?.description, remoteHost: symbols.string(connection.remoteHost),
            openAttempt: connection.openAttempt, heldKeys: connection.heldKeys, heldUser: symbols.string(connection.heldUser),
            counted: connection.counted, unplaced: connection.unplaced, firstFailedUser: symbols.string(connection.firstFailedUser),
            firstUserFailures: connection.firstUserFailures, reachedAuthentication: connection.reachedAuthentication,
            lastTime: connection.lastTime)
    }

    private func restored(_ entry: StoredConnection) -> (UInt64, SSHDConnection) {
        var connection = SSHDConnection()
        connection.address = entry.address.flatMap { IPAddress($0) }
        connection.remoteHost = entry.remoteHost.map(symbols.intern) ?? .none
        connection.openAttempt = entry.openAttempt
        connection.heldKeys = entry.heldKeys
        connection.heldUser = entry.heldUser.map(symbols.intern) ?? .none
        connection.counted = entry.counted
        connection.unplaced = entry.unplaced
        connection.firstFailedUser = entry.firstFailedUser.map(symbols.intern) ?? .none
        connection.firstUserFailures = entry.firstUserFailures
        connection.reachedAuthentication = entry.reachedAuthentication
        connection.lastTime = entry.lastTime
        return ((UInt64(symbols.intern(entry.server).id) << 32) | UInt64(entry.pid), connection)
    }
}
