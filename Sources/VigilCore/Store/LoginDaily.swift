/// Successful logins of one day, server, user, method and source address, counted at ingest
/// (SSH `Accepted …` lines) and committed with the checkpoint that read them, so the weekly
/// review lists who logged in from where without re-reading logs, exactly once across
/// restarts like the hourly counts.
///
/// A row whose `user`, `method` and `address` are all empty holds the logins of that day and
/// server that did not fit the per-checkpoint bound (`LoginCounter.maxItemized`): counted,
/// not itemized.
package struct LoginDaily: Sendable, Equatable {
    /// Start of the day, ms since the epoch (UTC).
    package var day: Int64
    package var server: String
    package var user: String
    /// How the user authenticated (`password`, `publickey`, `keyboard-interactive/pam`…).
    package var method: String
    package var address: String
    package var logins: Int64
    package var firstSeen: Int64
    package var lastSeen: Int64

    package var isItemized: Bool { !(user.isEmpty && method.isEmpty && address.isEmpty) }
}

/// The logins of a period (`WeeklyReviewQueries.logins`): its daily rows, and for each user
/// and address among them the first login ever stored, to tell first-time sources.
package struct LoginHistory: Sendable, Equatable {
    package struct Source: Hashable, Sendable {
        package var user: String
        package var address: String
    }

    package var rows: [LoginDaily] = []
    package var firstEver: [Source: Int64] = [:]
}
