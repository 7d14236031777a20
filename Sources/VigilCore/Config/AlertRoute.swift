/// Which findings go to one alert sink: by severity, as the platform's plan routes them
/// (P1 page, P2 SMS/email/Slack, P3 email/Slack, P4 email).
package struct AlertRoute: Sendable, Equatable {
    /// The sink's name: the key of its deliveries in the store's outbox.
    package var sink: String
    /// Severities delivered; the default is all of them.
    package var severities: Set<Severity>

    package init(sink: String, severities: Set<Severity> = Set(Severity.allCases)) {
        self.sink = sink
        self.severities = severities
    }

    func accepts(_ s: Severity) -> Bool { severities.contains(s) }
}
