/// Which findings go to one alert sink: by severity, as the platform's plan routes them
/// (P1 page, P2 SMS/email/Slack, P3 email/Slack, P4 email).
public struct AlertRoute: Sendable, Equatable {
    /// The sink's name: the key of its deliveries in the store's outbox.
    public var sink: String
    /// Severities delivered; the default is all of them.
    public var severities: Set<Severity>

    public init(sink: String, severities: Set<Severity> = Set(Severity.allCases)) {
        self.sink = sink
        self.severities = severities
    }

    public func accepts(_ s: Severity) -> Bool { severities.contains(s) }
}
