/// Which stored findings to list.
package struct FindingQuery: Sendable {
    /// Episodes active at or after this time (ms).
    package var since: Int64?
    /// Episodes that started before this time (ms).
    package var until: Int64?
    package var detectors: [String] = []
    /// This severity or worse.
    package var minimumSeverity: Severity?
    package var limit: Int?
    /// Only these findings (full ids): `vigil show`.
    package var ids: [String] = []
    /// Only findings about this subject, exactly as stored.
    package var subject: String?
    /// Only these rules.
    package var rules: [String] = []
    /// Only open findings: neither acknowledged nor suppressed.
    package var openOnly = false

    package init(since: Int64? = nil, until: Int64? = nil, detectors: [String] = [], minimumSeverity: Severity? = nil, limit: Int? = nil) {
        self.since = since
        self.until = until
        self.detectors = detectors
        self.minimumSeverity = minimumSeverity
        self.limit = limit
    }
}
