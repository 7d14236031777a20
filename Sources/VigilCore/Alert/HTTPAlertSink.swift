import Foundation

/// An alert sink that POSTs JSON over HTTP, in one of three shapes:
/// - `webhook`: one POST per notification, `{"alert": "opened"|"escalated", "finding": {…},
///   "source": "vigil"}`, the finding as `vigil findings` shows it;
/// - `alertmanager`: Prometheus Alertmanager's v2 API (`POST /api/v2/alerts`), up to 50 alerts
///   per POST, with labels for routing and grouping (see `HTTPAlertSink+Alertmanager.swift`);
/// - `slack`: a Slack-compatible incoming webhook (`{"text": …}`; Mattermost and Rocket.Chat
///   take the same), with values from logs escaped (see `HTTPAlertSink+Slack.swift`).
package struct HTTPAlertSink: AlertSink {
    package enum Format: String, Sendable {
        case webhook, alertmanager, slack
    }

    package let name: String
    package let format: Format
    let poster: HTTPPoster

    package init(name: String, format: Format, url: URL, timeout: TimeInterval = 5) {
        self.name = name
        self.format = format
        poster = HTTPPoster(url: url, timeout: timeout)
    }

    package var batchSize: Int { format == .alertmanager ? 50 : 1 }

    package func deliver(_ alerts: [AlertDelivery]) -> AlertSinkResult {
        if format == .alertmanager {
            guard
                let body = try? JSONSerialization.data(withJSONObject: alerts.map(HTTPAlertSink.alertmanagerAlert), options: [.sortedKeys])
            else {
                return .reject("cannot encode alerts")
            }
            return poster.post(json: body)
        }
        for a in alerts {
            let body: Data
            if format == .slack {
                guard let encoded = try? JSONSerialization.data(withJSONObject: ["text": HTTPAlertSink.slackText(a)]) else {
                    return .reject("cannot encode")
                }
                body = encoded
            } else {
                body = Data("{\"alert\":\"\(a.kind)\",\"finding\":\(a.payload),\"source\":\"vigil\"}".utf8)
            }
            let r = poster.post(json: body)
            if r != .delivered { return r }
        }
        return .delivered
    }
}
