/// A security finding: one episode of one rule about one subject.
///
/// An episode opens when a detector's condition is met and grows (count, last_seen,
/// evidence) while the subject keeps misbehaving within the rule's cooldown; after a quiet
/// cooldown a new episode — a new finding — starts. The id is a stable hash of detector,
/// rule, subject and episode start, so the same input always yields the same ids.
public struct Finding: Codable, Sendable, Equatable {
    public var id: String
    public var detector: String
    public var rule: String
    public var severity: Severity
    public var subjectKind: String
    public var subject: String
    public var server: String?
    /// Episode start and latest activity, ms since the epoch (UTC).
    public var firstSeen: Int64
    public var lastSeen: Int64
    /// How many occurrences (e.g. failed attempts) the episode holds.
    public var count: Int
    public var message: String
    public var evidence: Evidence
    /// How long the subject must stay quiet before a new episode starts.
    public var cooldown: Int64
    /// Review state, read from the store; `nil` while a detector builds the finding.
    public var triage: Triage? = nil

    /// Whether someone acknowledged the finding, and whether a suppression covers it.
    public struct Triage: Codable, Sendable, Equatable {
        public var ackedAt: Int64?
        public var ackNote: String?
        public var suppressionID: Int64?
        public var suppressionNote: String?
        public var suppressedUntil: Int64?

        public var isAcknowledged: Bool { ackedAt != nil }
        public var isSuppressed: Bool { suppressionID != nil }
    }

    public static func stableID(detector: String, rule: String, subjectKind: String, subject: String, firstSeen: Int64) -> String {
        "F-" + StableHash.hex(of: [detector, rule, subjectKind, subject, String(firstSeen)], digits: 12)
    }
}

/// What a reviewer needs to judge a finding: counts, who and where, and a few sample lines
/// (by file:line, with the fields Vigil read — never the raw line, which could hold secrets).
public struct Evidence: Codable, Sendable, Equatable {
    public static let maxSamples = 5
    public static let maxListed = 10

    public var counts: [String: Int] = [:]
    public var users: [String] = []
    public var servers: [String] = []
    /// Tools, resources or paths the subject went for.
    public var targets: [String] = []
    public var requestIds: [String] = []
    /// Key ids (never secrets) the subject used.
    public var apiKeys: [String] = []
    /// How many distinct values did not fit in the lists above.
    public var moreUsers = 0
    public var moreTargets = 0
    public var samples: [EvidenceSample] = []
    public var attributes: [String: String] = [:]

    public init() {}


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
public struct EvidenceSample: Codable, Sendable, Equatable {
    /// `file:line`
    public var at: String
    public var time: String
    public var outcome: String
    public var user: String?
    public var operation: String?
    public var target: String?
    public var status: Int?
    public var requestId: String?
    public var attempts: Int?

}
