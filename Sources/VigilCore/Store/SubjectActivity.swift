/// One subject's findings in a report period, for the top offenders tables.
public struct SubjectActivity: Sendable, Equatable {
    public var subject: String
    /// `ip`, `api_key`, `user`…
    public var kind: String
    public var findings: Int
    public var occurrences: Int
    public var worst: Severity
    /// The detectors that reported it, sorted.
    public var detectors: [String]
    public var country: String?
    public var asn: Int64?
    /// The AS organization from the subject's latest enriched finding.
    public var asOrganization: String?
}
