/// A security finding: one episode of one rule about one subject.
///
/// An episode opens when a detector's condition is met and grows (count, last_seen,
/// evidence) while the subject keeps misbehaving within the rule's cooldown; after a quiet
/// cooldown a new episode — a new finding — starts. The id is a stable hash of detector,
/// rule, subject and episode start, so the same input always yields the same ids.
package struct Finding: Codable, Sendable, Equatable {
    package var id: String
    package var detector: String
    package var rule: String
    package var severity: Severity
    package var subjectKind: String
    package var subject: String
    package var server: String?
    /// Episode start and latest activity, ms since the epoch (UTC).
    package var firstSeen: Int64
    package var lastSeen: Int64
    /// How many occurrences (e.g. failed attempts) the episode holds.
    package var count: Int
    package var message: String
    var evidence: Evidence
    /// How long the subject must stay quiet before a new episode starts.
    var cooldown: Int64
    /// Review state, read from the store; `nil` while a detector builds the finding.
    package var triage: Triage? = nil

    /// Whether someone acknowledged the finding, and whether a suppression covers it.
    package struct Triage: Codable, Sendable, Equatable {
        var ackedAt: Int64?
        var ackNote: String?
        var suppressionID: Int64?
        var suppressionNote: String?
        var suppressedUntil: Int64?

        var isAcknowledged: Bool { ackedAt != nil }
        var isSuppressed: Bool { suppressionID != nil }
    }

    static func stableID(detector: String, rule: String, subjectKind: String, subject: String, firstSeen: Int64) -> String {
        "F-" + StableHash.hex(of: [detector, rule, subjectKind, subject, String(firstSeen)], digits: 12)
    }
}

/// What a reviewer needs to judge a finding: counts, who and where, and a few sample lines
/// (by file:line, with the fields Vigil read — never the raw line, which could hold secrets).
package struct Evidence: Codable, Sendable, Equatable {
    static let maxSamples = 5
    static let maxListed = 10

    package var counts: [String: Int] = [:]
    var users: [String] = []
    package var servers: [String] = []
    /// Tools, resources or paths the subject went for.
    var targets: [String] = []
    var requestIds: [String] = []
    /// Key ids (never secrets) the subject used.
    var apiKeys: [String] = []
    /// How many distinct values did not fit in the lists above.
    var moreUsers = 0
    var moreTargets = 0
    var samples: [EvidenceSample] = []
    var attributes: [String: String] = [:]

    package init() {}

    mutating func note(user: String?, server: String?, target: String?, requestID: String?, apiKey: String? = nil) {
        if let apiKey, apiKeys.count < Evidence.maxListed, !apiKeys.contains(apiKey) { apiKeys.append(apiKey) }
        if let user { Evidence.add(user, to: &users, overflow: &moreUsers) }
        if let server, !servers.contains(server), servers.count < Evidence.maxListed { servers.append(server) }
        if let target { Evidence.add(target, to: &targets, overflow: &moreTargets) }
        if let requestID, requestIds.count < Evidence.maxListed, !requestIds.contains(requestID) { requestIds.append(requestID) }
    }

    private static func add(_ value: String, to list: inout [String], overflow: inout Int) {
        if list.contains(value) { return }
        if list.count < maxListed { list.append(value) } else if overflow < 1_000_000 { overflow += 1 }
    }
}

/// One line behind a finding, as Vigil understood it.
package struct EvidenceSample: Codable, Sendable, Equatable {
    /// `file:line`
    package var at: String
    package var time: String
    package var outcome: String
    package var user: String?
    package var operation: String?
    var target: String?
    package var status: Int?
    var requestId: String?
    var attempts: Int?
}
