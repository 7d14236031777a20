/// The store's part of `vigil reanalyze`: a fresh analysis of the original inputs is written
/// into a scratch database first, then adopted here in one transaction, so a crash or an
/// error halfway leaves the database as it was, and the result is what a clean run with the
/// corrected settings gives.
package protocol ReanalysisStore: Sendable {
    /// Replaces what analysis derived — findings' content, detector state, hourly counts,
    /// input records — with what the analysis into the database at `path` produced, and adds
    /// its run. Triage stays: acknowledgements and notes on findings produced again (finding
    /// ids are stable), an acknowledgement the triage history holds for a finding that comes
    /// back, and every suppression and triage event. Findings not produced again are removed,
    /// except those that one of `goneInputs` contributed to (a sample's file is one of their
    /// paths): those cannot be reproduced and are kept as they were, with those inputs' records.
    func adoptAnalysis(fromDatabaseAt path: String, goneInputs: [InputRecord]) throws -> ReanalysisOutcome
}

/// What adopting a re-analysis changed, for the command's summary.
package struct ReanalysisOutcome: Sendable, Equatable {
    /// Findings produced before and again (their triage kept).
    package var again = 0
    /// Findings produced now and not before.
    package var added: [String] = []
    /// Findings produced before and not now, removed; `acknowledged` ones had triage.
    package var removed: [String] = []
    package var removedAcknowledged: [String] = []
    /// Findings not produced again but kept because a gone input contributed to them.
    package var keptFromGoneInputs = 0
    /// Findings that came back with the acknowledgement their triage history holds.
    package var acknowledgementsRestored = 0

    package init() {}
}
