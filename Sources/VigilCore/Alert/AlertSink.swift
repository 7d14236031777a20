/// Somewhere notifications go: standard output, a webhook, Alertmanager, Slack.
///
/// A sink is handed due deliveries from the store's outbox on its own thread and says how
/// they went; it never sees the ingestion loop, so a slow or failing receiver only delays
/// its own notifications.
package protocol AlertSink: Sendable {
    /// The sink's key in the outbox. Never a URL: webhook URLs can carry secrets.
    var name: String { get }
    /// How many alerts one `deliver` call may take (Alertmanager takes a list per POST).
    var batchSize: Int { get }
    func deliver(_ alerts: [AlertDelivery]) -> AlertSinkResult
}

package enum AlertSinkResult: Sendable, Equatable {
    case delivered
    /// Worth trying again later (timeouts, refused connections, 5xx, 429).
    case retry(String)
    /// Will not get better by retrying (4xx other than 408 and 429): given up.
    case reject(String)
}
