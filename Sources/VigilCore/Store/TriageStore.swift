/// The store as the people who review findings use it (`vigil ack`, `vigil suppress`):
/// findings named by id prefix, acknowledged or not, and suppressions that mute a detector
/// about a subject until a date.
///
/// Triage only ever adds notes beside findings: a suppressed finding is still stored and
/// counted, and reports list it apart (`FindingPageQuery.Triage`).
package protocol TriageStore: Sendable {
    /// The full id of the one finding whose id is `id` or starts with it; a `VigilError.usage`
    /// when none or several match.
    func resolveID(_ id: String) throws -> String

    /// Marks a finding as reviewed, with a note, and adds it to the finding's history (who,
    /// when, what). Returns the full id.
    @discardableResult
    func acknowledge(_ id: String, note: String, by: String, at now: Int64) throws -> String

    /// Undoes `acknowledge`, and records that in the history. Returns the full id.
    @discardableResult
    func unacknowledge(_ id: String, by: String, at now: Int64) throws -> String

    /// What reviewers did to a finding, oldest first.
    func triageHistory(_ findingID: String) throws -> [TriageEvent]

    /// Mutes findings of `detector` (or `*`) about `subject` whose episode starts before `until`.
    @discardableResult
    func suppress(detector: String, subject: String, until: Int64, note: String, by: String, at now: Int64) throws -> Suppression

    /// Every suppression, oldest first.
    func suppressions() throws -> [Suppression]

    /// Removes a suppression; `false` when there was none with that id.
    func removeSuppression(_ id: Int64, by: String, at now: Int64) throws -> Bool

    /// Every suppression made, removed or pruned, oldest first: who, when, and what it said.
    func suppressionHistory() throws -> [SuppressionEvent]
}
