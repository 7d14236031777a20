import Foundation
import GRDB

/// `login_daily`: successful logins per day, server, user, method and address, added at each
/// checkpoint in the transaction that moves the inputs' offsets (exactly once, as
/// `event_hourly`), and read by the weekly review.
extension FindingStore {
    static let loginColumns: [(String, StoredColumn)] = [
        ("day", .time), ("server", .text), ("user", .text), ("method", .text), ("address", .text), ("logins", .count),
        ("first_seen", .time), ("last_seen", .time),
    ]

    /// Part of `commit`: adds the checkpoint's login counts.
    static func storeLogins(_ db: Database, _ logins: [LoginDaily]) throws {
        guard !logins.isEmpty else { return }
        let upsert = try db.cachedStatement(
            sql: """
                INSERT INTO login_daily (day, server, user, method, address, logins, first_seen, last_seen) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT(day, server, user, method, address) DO UPDATE SET logins = logins + excluded.logins,
                    first_seen = MIN(first_seen, excluded.first_seen), last_seen = MAX(last_seen, excluded.last_seen)
                """)
        for l in logins {
            try upsert.execute(arguments: [l.day, l.server, l.user, l.method, l.address, l.logins, l.firstSeen, l.lastSeen])
        }
    }

    package func logins(_ p: ReportPeriod) throws -> LoginHistory {
        try read { db in
            let firstDay = p.from >= 0 ? p.from / EventTime.day * EventTime.day : p.from
            let rows = try Row.fetchAll(
                db, sql: "SELECT * FROM login_daily WHERE day >= ? AND day < ? ORDER BY day, server, user, method, address",
                arguments: [firstDay, p.to]
            ).map { r in
                let label =
                    "login_daily row (day \(FindingStore.keyText(r, "day")), user \(FindingStore.keyText(r, "user")), address \(FindingStore.keyText(r, "address")))"
                try FindingStore.check(r, FindingStore.loginColumns, row: label)
                return LoginDaily(
                    day: try r.stored("day", row: label), server: try r.stored("server", row: label),
                    user: try r.stored("user", row: label),
                    method: try r.stored("method", row: label), address: try r.stored("address", row: label),
                    logins: try r.stored("logins", row: label), firstSeen: try r.stored("first_seen", row: label),
                    lastSeen: try r.stored("last_seen", row: label))
            }
            var firstEver: [LoginHistory.Source: Int64] = [:]
            for r in try Row.fetchAll(
                db,
                sql: """
                    SELECT user, address, min(first_seen) AS first FROM login_daily
                    WHERE user <> '' AND (user, address) IN (SELECT user, address FROM login_daily WHERE day >= ? AND day < ?)
                    GROUP BY user, address
                    """, arguments: [firstDay, p.to])
            {
                let label = "login_daily (first logins)"
                firstEver[.init(user: try r.stored("user", row: label), address: try r.stored("address", row: label))] = try r.stored(
                    "first", row: label)
            }
            return LoginHistory(rows: rows, firstEver: firstEver)
        }
    }
}
