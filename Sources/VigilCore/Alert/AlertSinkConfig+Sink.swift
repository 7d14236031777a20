import Foundation

/// Building the sink a configuration describes: the configuration is policy data (Config/),
/// the sinks are the alerting stage, which may know the configuration but not the reverse.
extension AlertSinkConfig {
    /// The sink, with its URL checked (and read from the environment when so configured).
    package func makeSink(
        timeout: TimeInterval, environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws -> any AlertSink {
        if kind == .stdout { return StdoutAlertSink() }
        var text = url
        if let env = urlEnv {
            guard let value = environment[env], !value.isEmpty else {
                throw VigilError.usage(
                    "alert sink \(name): environment variable \(env) (url_env) is not set; export it with the \(kind.rawValue) URL")
            }
            text = value
        }
        guard let text, let u = URL(string: text), let scheme = u.scheme?.lowercased(), scheme == "http" || scheme == "https", u.host != nil
        else {
            throw VigilError.usage("alert sink \(name): `\(url ?? "")` is not an http(s) URL")
        }
        switch kind {
        case .webhook: return HTTPAlertSink(name: name, format: .webhook, url: u, timeout: timeout)
        case .alertmanager: return HTTPAlertSink(name: name, format: .alertmanager, url: u, timeout: timeout)
        case .slack: return HTTPAlertSink(name: name, format: .slack, url: u, timeout: timeout)
        case .stdout: return StdoutAlertSink()
        }
    }
}
