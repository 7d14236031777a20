/// Which stored findings to list.
public struct FindingQuery: Sendable {
    /// Episodes active at or after this time (ms).
    public var since: Int64?
    /// Episodes that started before this time (ms).
    public var until: Int64?
    public var detectors: [String] = []
    /// This severity or worse.
    public var minimumSeverity: Severity?
    public var limit: Int?

    public init(since: Int64? = nil, until: Int64? = nil, detectors: [String] = [], minimumSeverity: Severity? = nil, limit: Int? = nil) {
        self.since = since
        self.until = until
        self.detectors = detectors
        self.minimumSeverity = minimumSeverity
        self.limit = limit
    }
}
