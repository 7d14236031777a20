/// One thing a reviewer did to a finding (`ack`, `unack`), kept in order: a later
/// acknowledgement changes the finding's current note but never erases who said what before.
package struct TriageEvent: Sendable, Equatable {
    package var findingID: String
    /// `ack` or `unack`.
    package var action: String
    package var note: String?
    /// Who: `--by`, or the login name of the account that ran the command.
    package var by: String
    package var at: Int64
}
