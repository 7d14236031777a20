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

    /// The sink, with its URL checked (and read from the environment when so configured).
    public func makeSink(timeout: TimeInterval, environment: [String: String] = ProcessInfo.processInfo.environment) throws -> any AlertSink {
        if kind == .stdout { return StdoutAlertSink() }
        var text = url
        if let env = urlEnv {
            guard let value = environment[env], !value.isEmpty else {
                throw VigilError.usage("alert sink \(name): environment variable \(env) (url_env) is not set; export it with the \(kind.rawValue) URL")
            }
            text = value
        }
        guard let text, let u = URL(string: text), let scheme = u.scheme?.lowercased(), scheme == "http" || scheme == "https", u.host != nil else {
            throw VigilError.usage("alert sink \(name): `\(url ?? "")` is not an http(s) URL")
        }
        switch kind {
        case .webhook: return HTTPAlertSink(name: name, format: .webhook, url: u, timeout: timeout)
        case .alertmanager: return HTTPAlertSink(name: name, format: .alertmanager, url: u, timeout: timeout)
        case .slack: return HTTPAlertSink(name: name, format: .slack, url: u, timeout: timeout)
        case .stdout: return StdoutAlertSink()
        }
    }

    public var route: AlertRoute { AlertRoute(sink: name, severities: severities) }
}
