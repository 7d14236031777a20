/// Stored findings as `vigil findings` and `vigil policy test` list them: every field and
/// its triage, filtered by a `FindingQuery`.
package protocol FindingListing: Sendable {
    /// The findings matching `query`, by first seen time then id.
    func findings(_ query: FindingQuery) throws -> [Finding]

    /// Every rule name stored findings have, sorted: rule names come from detectors and from
    /// the policy (rate limits are named there), so a misspelt `--rule` is told apart from a
    /// rule with no finding by what the store holds.
    func storedRules() throws -> [String]
}
