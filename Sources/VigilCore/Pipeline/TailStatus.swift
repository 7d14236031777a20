/// What a running `tail` reports after each commit: for the metrics endpoint and logs.
public struct TailStatus: Sendable {
    public struct Input: Sendable {
        public var path: String
        public var format: String
        public var lines: Int64
        public var events: Int64
        public var malformed: Int64
        /// Bytes read so far and the file's size: the difference is what is still unread.
        public var readBytes: Int64
        public var size: Int64
        public var lastEventTime: Int64?
        public var rotated: Bool
    }

    public var inputs: [Input] = []
    /// Events of this run by outcome name.
    public var eventsByOutcome: [String: Int64] = [:]
    /// Findings opened in this run by (detector, severity), cumulative.
    public var findingsOpened: [FindingKey: Int] = [:]
    public var alertsQueued = 0
    public var alertsDropped = 0
    public var rotations = 0
    public var truncations = 0
    /// Wall time (ms) of the last commit.
    public var committedAt: Int64 = 0
    /// Wall time minus the newest event time read (ms); nil before the first event.
    public var lagMillis: Int64?

    public struct FindingKey: Hashable, Sendable {
        public var detector: String
        public var severity: Severity
    }
}

extension Tailer {
    func status(now: Int64) -> TailStatus {
        var s = TailStatus()
        for i in inputs {
            let st = i.stream.stats
            s.inputs.append(TailStatus.Input(path: st.path, format: st.format?.rawValue ?? "", lines: st.lines + st.resumedAfterLine,
                                             events: st.events, malformed: st.malformed, readBytes: i.stream.reader.readPosition,
                                             size: i.stream.source.currentStat()?.size ?? 0, lastEventTime: i.stream.lastEventTime,
                                             rotated: i.rotated))
        }
        for o in Outcome.allCases where outcomeCounts[Int(o.rawValue)] > 0 {
            s.eventsByOutcome[o.name] = outcomeCounts[Int(o.rawValue)]
        }
        s.findingsOpened = openedByDetector
        s.alertsQueued = summary.alertsQueued
        s.alertsDropped = summary.alertsDropped
        s.rotations = summary.rotations
        s.truncations = summary.truncations
        s.committedAt = lastCommitAt
        if engine.maxTime > .min { s.lagMillis = max(0, now - engine.maxTime) }
        return s
    }
}
