/// What happened to one input during a run; printed in the summary and by `decode --stats`.
package struct InputStats: Sendable, Codable {
    package struct MalformedLine: Sendable, Codable, Equatable {
        package var line: Int64
        package var reason: String
    }

    static let listedMalformed = 5

    package var path: String
    package var format: LogFormat?
    /// The format was sniffed from the first lines (`--format auto`), not given.
    package var formatDetected = false
    package var lines: Int64 = 0
    package var events: Int64 = 0
    package var ignored: Int64 = 0
    package var malformed: Int64 = 0
    /// Events older than the newest already processed (kept and applied, but counted).
    package var outOfOrder: Int64 = 0
    /// How far (ms) the latest line was behind the newest line before it in this input.
    package var maxLateness: Int64 = 0
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
    /// A `journal:` input whose stored cursor was gone from the journal (vacuumed): reading
    /// resumed at its oldest entry (`note` says so). Nil for other inputs.
    package var journalCursorLost: Bool?

    package init(path: String) { self.path = path }

    /// Says whether the input's out-of-order lines matter (issue 17: a file 94% out of order
    /// said nothing either way). Seconds behind is how access logs are written — a request is
    /// stamped when it starts and logged when it ends — and every line is still analyzed at
    /// its own time in windows minutes long. More than the engine's one-minute step is not how
    /// one writer logs: interleaved hosts' logs, or a clock step.
    mutating func explainOutOfOrder() {
        guard outOfOrder > 0 else { return }
        let share = lines > 0 ? Double(outOfOrder) * 100 / Double(lines) : 0
        let late = DurationText.format(max(maxLateness, 1000))
        let text: String
        if maxLateness == 0 {
            // In order within the file: behind other inputs, or a run before this one.
            text =
                "its lines are in order, but \(outOfOrder) are older than events analyzed before them from other inputs or earlier runs; each is still analyzed at its own time"
        } else if maxLateness <= EventTime.minute {
            guard share >= 10 else { return }
            text =
                "\(String(format: "%.0f", share))% of its lines are out of order, by at most \(late): normal for access logs (a request is stamped when it starts and written when it ends). Every line is still analyzed at its own time, and detection windows are minutes long, so findings are unaffected"
        } else {
            text =
                "lines up to \(late) older than lines before them: more than an access log's shuffle — interleaved logs of several hosts, or a clock step? Every line is still analyzed at its own time, but a burst spread across the step may be counted in pieces; give each host's log as its own input (inputs are merged by time)"
        }
        note = note.map { $0 + "; " + text } ?? text
    }

    mutating func noteMalformed(line: Int64, reason: String) {
        malformed += 1
        if malformedLines.count < InputStats.listedMalformed {
            malformedLines.append(MalformedLine(line: line, reason: reason))
        }
    }
}
