import ArgumentParser
import Foundation
import VigilCore

/// Where `tail` sends alerts: the policy's `alerts:` sinks plus these flags.
struct AlertOptions: ParsableArguments {
    @Option(name: .customLong("alert-webhook"), help: "POST each new or escalated finding as JSON to this URL (repeatable).")
    var webhooks: [String] = []

    @Option(
        name: .customLong("alert-alertmanager"),
        help: "Send alerts to Prometheus Alertmanager's v2 API, e.g. http://127.0.0.1:9093/api/v2/alerts.")
    var alertmanagers: [String] = []

    @Option(
        name: .customLong("alert-slack"),
        help: "Post to a Slack-compatible incoming webhook. Prefer the policy's url_env for the secret URL.")
    var slacks: [String] = []

    @Option(name: .customLong("alert-min-severity"), help: "Least severe finding the flag-given sinks receive (default: P4, all).")
    var minSeverity: Severity?

    @Flag(name: .customLong("alert-stdout"), help: "Also print alerts as JSON lines on standard output when other sinks are configured.")
    var stdout = false

    @Flag(name: .customLong("no-alerts"), help: "Send no alerts at all (findings are still stored).")
    var none = false

    @Option(name: .customLong("alert-timeout"), help: "Seconds before an alert POST is abandoned and retried later.")
    var timeout: Double = 5

    @Option(name: .customLong("alert-queue"), help: "Most undelivered alerts per sink; beyond it new ones are dropped, counted and logged.")
    var alertQueue = 10_000

    @Option(
        name: .customLong("alert-retry-for"),
        help:
            "How long an undelivered alert is retried, from its creation, before it expires (e.g. 6h; default 24h; a sink's retry_for wins)."
    )
    var retryFor: String?

    func validate() throws {
        if timeout < 1 || timeout > 300 { throw ValidationError("--alert-timeout must be between 1 and 300 seconds") }
        if alertQueue < 1 { throw ValidationError("--alert-queue must be at least 1") }
        if let retryFor {
            let range = AlertSinkConfig.retryForRange
            guard let d = DurationText.parse(retryFor), range.contains(d) else {
                throw ValidationError(
                    "--alert-retry-for must be a duration from \(DurationText.format(range.lowerBound)) to \(DurationText.format(range.upperBound)), such as 24h"
                )
            }
        }
    }

    /// Retry horizons: the policy's `retry_for` per sink, else `--alert-retry-for`, else 24 h.
    func dispatcherOptions(policy: Policy) -> AlertDispatcher.Options {
        var options = AlertDispatcher.Options()
        if let d = retryFor.flatMap(DurationText.parse) { options.retryFor = d }
        for sink in policy.alerts { options.retryForSink[sink.name] = sink.retryFor }
        return options
    }

    /// The sinks and their routes; standard output when nothing else is configured.
    func sinks(policy: Policy, stdinIsInput: Bool) throws -> ([any AlertSink], [AlertRoute]) {
        if none { return ([], []) }
        var configs = policy.alerts
        let severities = Set(Severity.allCases.filter { $0 >= minSeverity ?? .p4 })
        func add(_ urls: [String], _ kind: AlertSinkConfig.Kind) {
            for url in urls {
                // Named by a hash of the URL: the outbox never stores the (possibly secret) URL.
                let name = "\(kind.rawValue)-\(String(StableHash.fnv1a(url) & 0xffff_ffff, radix: 16))"
                configs.append(AlertSinkConfig(name: name, kind: kind, url: url, severities: severities))
            }
        }
        add(webhooks, .webhook)
        add(alertmanagers, .alertmanager)
        add(slacks, .slack)
        if (configs.isEmpty || stdout) && !configs.contains(where: { $0.kind == .stdout }) {
            configs.append(AlertSinkConfig(name: "stdout", kind: .stdout, severities: severities))
        }
        let sinks = try configs.map { try $0.makeSink(timeout: timeout) }
        return (sinks, configs.map(\.route))
    }
}
