/// One subject's findings in a report period, for the top offenders tables.
package struct SubjectActivity: Sendable, Equatable {
    package var subject: String
    /// `ip`, `api_key`, `user`…
    package var kind: String
    package var findings: Int
    var occurrences: Int
    package var worst: Severity
    /// The detectors that reported it, sorted.
    package var detectors: [String]
    package var country: String?
    package var asn: Int64?
    /// The AS organization from the subject's latest enriched finding.
    var asOrganization: String?
}
