import Foundation

/// The JSON shape of a finding: times as RFC 3339 strings, evidence as an object.
struct FindingRecord: Encodable {
    var id: String
    var detector: String
    var rule: String
    var severity: String
    var subjectKind: String
    var subject: String
    var server: String?
    var firstSeen: String
    var lastSeen: String
    var count: Int
    var message: String
    var evidence: Evidence
    /// Acknowledgement and suppression; absent when the finding has neither.
    var triage: Finding.Triage?

    init(_ f: Finding) {
        id = f.id; detector = f.detector; rule = f.rule; severity = f.severity.description
        subjectKind = f.subjectKind; subject = f.subject; server = f.server
        firstSeen = EventTime.format(f.firstSeen); lastSeen = EventTime.format(f.lastSeen)
        count = f.count; message = f.message; evidence = f.evidence; triage = f.triage
    }
}

extension Finding {
    /// The finding as a single JSON line (sorted keys: byte-stable for golden files), as
    /// `vigil findings --output jsonl` prints it and alert payloads carry it.
    func jsonLine() throws -> String {
        String(decoding: try JSONEncoder.vigil.encode(FindingRecord(self)), as: UTF8.self)
    }
}
