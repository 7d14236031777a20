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

    func validate() throws {
        if timeout < 1 || timeout > 300 { throw ValidationError("--alert-timeout must be between 1 and 300 seconds") }
        if alertQueue < 1 { throw ValidationError("--alert-queue must be at least 1") }
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
