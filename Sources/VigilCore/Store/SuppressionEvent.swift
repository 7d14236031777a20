/// One thing done to a suppression, kept after the suppression itself is removed or pruned:
/// a reviewer asking "who muted this, and when was it lifted?" gets an answer.
package struct SuppressionEvent: Sendable, Equatable {
    package var suppressionID: Int64
    /// `suppress`, `remove` or `prune` (removed by `vigil prune` once long ended).
    package var action: String
    package var detector: String
    package var subject: String
    package var until: Int64
    package var note: String
    /// Who: `--by`, the login name of the account that ran the command, or `vigil prune`.
    package var by: String
    package var at: Int64
}
