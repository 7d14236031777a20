/// What happened to one input during a run; printed in the summary and by `decode --stats`.
package struct InputStats: Sendable, Codable {
    package struct MalformedLine: Sendable, Codable, Equatable {
        package var line: Int64
        package var reason: String
    }

    static let listedMalformed = 5

    package var path: String
    package var format: LogFormat?
    package var lines: Int64 = 0
    package var events: Int64 = 0
    package var ignored: Int64 = 0
    package var malformed: Int64 = 0
    /// Events older than the newest already processed (kept and applied, but counted).
    package var outOfOrder: Int64 = 0
    /// The first few malformed lines, with why.
    package var malformedLines: [MalformedLine] = []
    /// Line number this run started after (0 = from the start).
    package var resumedAfterLine: Int64 = 0
    /// An error that stopped reading this input (the lines before it were analyzed).
    package var error: String?
    /// Something about this input the user should know that did not stop reading it (it
    /// shrank since the last run).
    package var note: String?
    /// `decode --stats` on syslog inputs: ignored lines by program (the top few), most first;
    /// `ignoredOtherPrograms` counts the rest. Nil where it was not counted.
    package var ignoredByProgram: [BoundedTally.Entry]?
    package var ignoredOtherPrograms: Int64?

    package init(path: String) { self.path = path }

    mutating func noteMalformed(line: Int64, reason: String) {
        malformed += 1
        if malformedLines.count < InputStats.listedMalformed {
            malformedLines.append(MalformedLine(line: line, reason: reason))
        }
    }
}
