/// Stored findings as `vigil findings` and `vigil policy test` list them: every field and
/// its triage, filtered by a `FindingQuery`.
package protocol FindingListing: Sendable {
    /// The findings matching `query`, by first seen time then id.
    func findings(_ query: FindingQuery) throws -> [Finding]
}
