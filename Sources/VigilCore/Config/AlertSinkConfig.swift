import Foundation

/// An alert sink as the policy's `alerts:` section (or a command-line flag) describes it.
///
/// ```yaml
/// alerts:
///   - name: oncall-pager
///     type: alertmanager
///     url: http://127.0.0.1:9093/api/v2/alerts
///     severities: [P1]
///   - name: security-slack
///     type: slack
///     url_env: VIGIL_SLACK_WEBHOOK      # secret URLs stay out of the repository
///     min_severity: P3
///     retry_for: 6h                     # undelivered alerts expire after 6 h (default 24h)
/// ```
package struct AlertSinkConfig: Sendable {
    package enum Kind: String, Sendable, CaseIterable {
        case stdout, webhook, alertmanager, slack
    }

    package var name: String
    package var kind: Kind
    package var url: String?
    /// Environment variable holding the URL.
    package var urlEnv: String?
    package var severities: Set<Severity> = Set(Severity.allCases)
    /// How long an alert this sink fails to take (timeouts, 5xx, 408, 429) is retried, from
    /// the alert's creation, before it is expired (ms); `nil` for `defaultRetryFor` or the
    /// command line's `--alert-retry-for`.
    package var retryFor: Int64?
    package var location: SourceLocation?

    /// Retry for a day: a receiver down overnight still gets the night's alerts.
    package static let defaultRetryFor = EventTime.day
    /// At least a minute (several attempts at the 1 s doubling backoff), at most 30 days.
    package static let retryForRange: ClosedRange<Int64> = EventTime.minute...(30 * EventTime.day)

    package init(name: String, kind: Kind, url: String? = nil, urlEnv: String? = nil, severities: Set<Severity> = Set(Severity.allCases)) {
        self.name = name
        self.kind = kind
        self.url = url
        self.urlEnv = urlEnv
        self.severities = severities
    }

    /// Severities from `min_severity`: that one and every more severe one.
    static func atLeast(_ s: Severity) -> Set<Severity> { Set(Severity.allCases.filter { $0 >= s }) }

    package var route: AlertRoute { AlertRoute(sink: name, severities: severities) }
}
