/// The store's part of `vigil reanalyze`: a fresh analysis of the original inputs is written
/// into a scratch database first, then adopted here in one transaction, so a crash or an
/// error halfway leaves the database as it was, and the result is what a clean run with the
/// corrected settings gives.
package protocol ReanalysisStore: Sendable {
    /// Replaces what analysis derived — findings' content, detector state, hourly counts,
    /// input records — with what the analysis into the database at `path` produced, and adds
    /// its run. Triage stays: acknowledgements and notes on findings produced again (finding
    /// ids are stable), an acknowledgement the triage history holds for a finding that comes
    /// back, and every suppression and triage event; but an acknowledged finding whose
    /// severity rose is open again (an unack by `vigil reanalyze` in its history), since the
    /// reviewer acknowledged a lesser one. Findings not produced again are removed — unless
    /// `inputsMissing`: an input that could not be read again may have contributed to any of
    /// them (evidence keeps a few samples, not every line), so all are kept as they were.
    func adoptAnalysis(fromDatabaseAt path: String, inputsMissing: Bool, at now: Int64) throws -> ReanalysisOutcome

    /// Whether a stored finding has evidence from standard input (`<stdin>:LINE`): standard
    /// input leaves no input record (it cannot be read again), so this is how a reanalysis
    /// knows it would lose what it produced.
    func standardInputContributed() throws -> Bool
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
    /// Findings not produced again but kept because inputs are missing.
    package var keptFromGoneInputs = 0
    /// Acknowledged findings whose severity rose, open again.
    package var reopened: [String] = []
    /// Findings that came back with the acknowledgement their triage history holds.
    package var acknowledgementsRestored = 0

    package init() {}
}
