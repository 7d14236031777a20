/// What happened to one input during a run; printed in the summary and by `decode --stats`.
public struct InputStats: Sendable, Codable {
    public struct MalformedLine: Sendable, Codable, Equatable {
        public var line: Int64
        public var reason: String
    }

    public static let listedMalformed = 5

    public var path: String
    public var format: LogFormat?
    public var lines: Int64 = 0
    public var events: Int64 = 0
    public var ignored: Int64 = 0
    public var malformed: Int64 = 0
    /// Events older than the newest already processed (kept and applied, but counted).
    public var outOfOrder: Int64 = 0
    /// The first few malformed lines, with why.
    public var malformedLines: [MalformedLine] = []
    /// Line number this run started after (0 = from the start).
    public var resumedAfterLine: Int64 = 0
    /// An error that stopped reading this input (the lines before it were analyzed).
    public var error: String?

    public init(path: String) { self.path = path }

    mutating func noteMalformed(line: Int64, reason: String) {
        malformed += 1
        if malformedLines.count < InputStats.listedMalformed {
            malformedLines.append(MalformedLine(line: line, reason: reason))
        }
    }
}
