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
/// ```
public struct AlertSinkConfig: Sendable {
    public enum Kind: String, Sendable, CaseIterable {
        case stdout, webhook, alertmanager, slack
    }

    public var name: String
    public var kind: Kind
    public var url: String?
    /// Environment variable holding the URL.
    public var urlEnv: String?
    public var severities: Set<Severity> = Set(Severity.allCases)
    public var location: SourceLocation?

    public init(name: String, kind: Kind, url: String? = nil, urlEnv: String? = nil, severities: Set<Severity> = Set(Severity.allCases)) {
        self.name = name
        self.kind = kind
        self.url = url
        self.urlEnv = urlEnv
        self.severities = severities
    }

    /// Severities from `min_severity`: that one and every more severe one.
    static func atLeast(_ s: Severity) -> Set<Severity> { Set(Severity.allCases.filter { $0 >= s }) }

    public var route: AlertRoute { AlertRoute(sink: name, severities: severities) }
}
