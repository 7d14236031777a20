/// What a running `tail` reports after each commit: for the metrics endpoint and logs.
package struct TailStatus: Sendable {
    package struct Input: Sendable {
        package var path: String
        package var format: String
        package var lines: Int64
        package var events: Int64
        package var malformed: Int64
        /// Bytes read so far and the file's size: the difference is what is still unread.
        package var readBytes: Int64
        package var size: Int64
        package var lastEventTime: Int64?
        package var rotated: Bool
    }

    package var inputs: [Input] = []
    /// Events of this run by outcome name.
    package var eventsByOutcome: [String: Int64] = [:]
    /// Findings opened in this run by (detector, severity), cumulative.
    package var findingsOpened: [FindingKey: Int] = [:]
    package var alertsQueued = 0
    package var alertsDropped = 0
    package var rotations = 0
    package var truncations = 0
    /// Wall time (ms) of the last commit.
    package var committedAt: Int64 = 0
    /// Wall time minus the newest event time read (ms); nil before the first event.
    package var lagMillis: Int64?
    /// Inputs that cannot be read, each with why (a file that cannot be opened, a format that
    /// cannot be decided): what `/healthz` answers 503 with, since a tail that follows a file
    /// but reads nothing from it must not look healthy.
    package var problems: [String] = []
    /// Each input's state (open ones, then those that cannot be opened).
    package var inputHealth: [InputHealth] = []
    /// `tail --silent-after` (ms), if set.
    package var silentAfter: Int64?

    package struct FindingKey: Hashable, Sendable {
        package var detector: String
        package var severity: Severity
    }
}

extension Tailer {
    /// Why inputs cannot be read now: files that failed to open, and open inputs whose reading
    /// stopped on an error (a format not recognized from their first lines).
    func currentProblems() -> [String] {
        var problems = failedPaths.keys.sorted().compactMap { failedPaths[$0] }
        for input in inputs { if let error = input.stream.stats.error { problems.append(error) } }
        return problems
    }

    func status(now: Int64) -> TailStatus {
        var s = TailStatus()
        for i in inputs {
            let st = i.stream.stats
            s.inputs.append(
                TailStatus.Input(
                    path: st.path, format: st.format?.rawValue ?? "", lines: st.lines + st.resumedAfterLine,
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
        s.problems = currentProblems()
        s.inputHealth = inputHealth(now: now)
        s.silentAfter = options.silentAfter
        return s
    }

    /// Logs an input going silent (`--silent-after`), once, and its next line, so a tail
    /// run without metrics says it too (the same rule as `InputHealth.isSilent`).
    func noteSilence(now: Int64) {
        guard let silentAfter = options.silentAfter else { return }
        for i in inputs where !i.rotated && i.stream.stats.error == nil {
            guard !i.reportedSilent && now - i.lastGrowth > silentAfter else { continue }
            i.reportedSilent = true
            logger.warning(
                "\(TerminalText.escape(i.stream.stats.path)): silent, nothing read for \(StatusReport.age(now - i.lastGrowth)) (--silent-after \(DurationText.format(silentAfter)))"
            )
        }
    }

    /// Bytes were read from `input`: the end of a silence that was logged is logged too.
    func noteSpokeAgain(_ input: TailInput) {
        guard input.reportedSilent else { return }
        input.reportedSilent = false
        logger.info("\(TerminalText.escape(input.stream.stats.path)): reading again after a silence")
    }

    /// An input became unreadable (a new episode, not a retry of the same failure).
    func noteInputError(_ path: String, _ error: String) {
        inputErrors[path] = ((inputErrors[path]?.count ?? 0) + 1, error)
    }

    /// Each input's state now: the open ones (a renamed file being finished under the path of
    /// its successor comes after it), then the paths that cannot be opened.
    func inputHealth(now: Int64) -> [InputHealth] {
        var health: [InputHealth] = []
        for i in inputs.sorted(by: { !$0.rotated && $1.rotated }) {
            let stats = i.stream.stats
            let source = i.stream.source
            // The size of the file now: fstat of the open descriptor, so a rotated file's own.
            let lag =
                source.isStdin || source.isCompressed ? nil : source.currentStat().map { max(0, $0.size - i.stream.reader.readPosition) }
            let errors = inputErrors[stats.path]
            health.append(
                InputHealth(
                    path: stats.path, readable: stats.error == nil, lagBytes: lag, lastEventTime: i.stream.lastEventTime,
                    lastReadAt: i.lastGrowth, errors: errors?.count ?? 0, lastError: stats.error ?? errors?.last, rotated: i.rotated))
        }
        for path in failedPaths.keys.sorted() where !health.contains(where: { $0.path == path }) {
            let errors = inputErrors[path]
            health.append(InputHealth(path: path, readable: false, errors: errors?.count ?? 1, lastError: failedPaths[path]))
        }
        return health
    }
}
