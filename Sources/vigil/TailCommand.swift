import ArgumentParser
import Foundation
import Logging
import VigilCore
import VigilMetrics

struct TailCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tail",
        abstract: "Follow log files (through rotation) or standard input, and store and alert findings as they happen.",
        discussion: """
            Patterns are re-expanded every second, so files created later are followed too; quote \
            globs so the shell leaves them to vigil. Offsets, detector state and findings are \
            committed together: after a crash or kill -9, a restart continues where the last commit \
            left off and ends with exactly the findings of an uninterrupted run. SIGTERM and SIGINT \
            stop after a final commit. SIGHUP reads the policy again (detectors keep their state; \
            a policy with errors is logged and the running one kept; alert sinks need a restart).
            Alerts go to standard output as JSON lines unless another sink is given.
            Exit status: 0 stopped, 2 an input, the policy or the database could not be used.
            """
    )

    @Argument(help: "Files or quoted globs to follow; - follows standard input; journal: or journal:PATH follows a systemd journal.")
    var inputs: [String]

    @OptionGroup var database: DatabaseOption
    @OptionGroup var input: InputOptions
    @OptionGroup var policy: PolicyOption
    @OptionGroup var alerts: AlertOptions

    @Option(
        name: .long,
        help: .init(
            "Serve Prometheus metrics on /metrics (and /healthz) at HOST:PORT, e.g. 127.0.0.1:9464. Off by default. Limits: "
                + MetricsServerLimits().summary + "."))
    var metricsListen: String?

    @Option(
        name: .long,
        help: .init(
            "Report an input that has read nothing for longer than this (30m, 2h) as silent: /healthz answers 503, status says SILENT. Off by default.",
            valueName: "duration"))
    var silentAfter: String?

    @Flag(name: .long, help: "Files with no stored offset found at start are read from their end (only new lines count).")
    var fromEnd = false

    @Option(name: .long, help: "Seconds between full checkpoints of offsets and detector state.")
    var checkpointInterval: Double = 5

    @Option(name: .long, help: "Stop after every input has been quiet this many seconds (for scripts; default: run until stopped).")
    var idleExit: Double?

    @Flag(name: .long, help: "Poll the files instead of using inotify (for file systems without it).")
    var poll = false

    @Flag(name: .long, help: "Log only warnings and errors on standard error.")
    var quiet = false

    @Option(
        name: .long, help: "Vigil's own log on standard error: text, or json (one object a line: time, level, label, message, metadata).")
    var logFormat: LogOutput = .text

    func validate() throws {
        if inputs.filter({ $0 == "-" }).count > 1 { throw ValidationError("- (standard input) can be given once") }
        if checkpointInterval < 0.1 || checkpointInterval > 3600 {
            throw ValidationError("--checkpoint-interval must be between 0.1 and 3600 seconds")
        }
        if let metricsListen { _ = try MetricsAddress(metricsListen) }
        if let silentAfter, (DurationText.parse(silentAfter) ?? 0) < 1000 {
            throw ValidationError("--silent-after \(silentAfter): give a duration of at least 1s, such as 90s, 30m or 2h")
        }
    }

    func run() throws {
        LogOutput.format = logFormat
        var logger = Logger(label: "vigil.tail")
        logger.logLevel = quiet ? .warning : .info
        // Every followed file, rotated file being finished and metrics connection takes a
        // descriptor; the usual soft limit (1024) is far below the hard one.
        if let raised = DescriptorLimit.raiseSoftToHard(), raised.after > raised.before {
            logger.info("open file limit raised from \(raised.before) to \(raised.after) (the hard limit)")
        }
        let loaded = try policy.load(quiet: quiet)
        var options = Tailer.Options()
        options.analysis = input.analysisOptions(loaded)
        options.startAtEnd = fromEnd
        options.useInotify = !poll
        options.checkpointInterval = Int64(checkpointInterval * 1000)
        options.idleExit = idleExit.map { Int64($0 * 1000) }
        options.silentAfter = silentAfter.flatMap(DurationText.parse)

        let store = try database.openWriter(command: "tail")
        let (sinks, routes) = try alerts.sinks(policy: loaded.policy, stdinIsInput: inputs.contains("-"))
        options.alertRoutes = routes
        options.maxPendingAlerts = alerts.alertQueue
        let dispatcher = AlertDispatcher(
            store: store, sinks: sinks, options: alerts.dispatcherOptions(policy: loaded.policy), logger: Logger(label: "vigil.alert"))
        dispatcher.start()

        let stop = StopSignal()
        stop.install()
        let tailer = Tailer(store: store, patterns: inputs, options: options, logger: logger)
        // SIGHUP (`systemctl reload`): the policy is read again; alert sinks stay as started.
        let reload = SignalFlag()
        reload.install(signals: [SIGHUP])
        let startedSinks = Self.signature(loaded.policy.alerts)
        tailer.reloadPolicy = { [policy] in
            guard let path = policy.path else {
                let d = PolicyLoader.defaults()
                return (d.policy, d.enricher)
            }
            let (fresh, enricher) = try PolicyLoader.load(path).usable()
            if Self.signature(fresh.alerts) != startedSinks {
                logger.warning("the policy's alerts section changed; restart vigil tail to apply it (the other changes apply now)")
            }
            return (fresh, enricher)
        }
        var metrics: MetricsServer?
        if let metricsListen {
            let server = try MetricsServer(address: MetricsAddress(metricsListen), store: store, logger: logger)
            try server.start()
            metrics = server
            logger.info("metrics on http://\(metricsListen)/metrics (at most \(server.connectionCap) connections)")
        }
        tailer.onStatus = { status in
            metrics?.update(status)
            if status.alertsQueued > 0 { dispatcher.wake() }
        }
        let summary: Tailer.Summary
        do {
            summary = try tailer.run(stop: stop, reload: reload)
        } catch {
            dispatcher.stop()  // then the error, exit 2 (VigilCommand.main)
            throw error
        }
        dispatcher.wake()
        dispatcher.stop(timeout: 1)
        metrics?.stop()
        if !quiet {
            let opened = summary.findingsOpened.values.reduce(0, +)
            var line = "vigil tail: stopped after \(String(format: "%.1f", summary.seconds)) s: \(formatCount(summary.lines)) lines, "
            line += "\(formatCount(summary.events)) events, \(opened) new findings, \(summary.findingsUpdated) updated"
            if summary.rotations + summary.truncations > 0 {
                line += ", \(summary.rotations) rotations, \(summary.truncations) truncations"
            }
            if summary.alertsDropped > 0 { line += ", \(summary.alertsDropped) alerts dropped" }
            if logFormat == .json { logger.info("\(line)") } else { FileHandle.standardError.write(Data((line + "\n").utf8)) }
        }
        if !summary.problems.isEmpty {
            // A tail that could not read an input is not a clean stop, however it was stopped.
            for problem in summary.problems { printError(TerminalText.escape(problem)) }
            throw ExitCode(2)
        }
    }

    /// The alert sinks a policy configures, to notice a change on reload.
    static func signature(_ sinks: [AlertSinkConfig]) -> [String] {
        sinks.map {
            "\($0.name) \($0.kind.rawValue) \($0.url ?? "") \($0.urlEnv ?? "") \($0.severities.map(\.description).sorted()) \($0.retryFor ?? 0)"
        }
    }
}
