import Foundation

/// A generic webhook: one JSON POST per notification,
/// `{"alert": "opened"|"escalated", "finding": {…}}`, the finding as `vigil findings` shows it.
public struct WebhookAlertSink: AlertSink {
    public let name: String
    public let batchSize = 1
    let poster: HTTPPoster

    public init(name: String, url: URL, timeout: TimeInterval = 5) {
        self.name = name
        poster = HTTPPoster(url: url, timeout: timeout)
    }

    public func deliver(_ alerts: [AlertDelivery]) -> AlertSinkResult {
        for a in alerts {
            let body = "{\"alert\":\"\(a.kind)\",\"finding\":\(a.payload),\"source\":\"vigil\"}"
            let r = poster.post(json: Data(body.utf8))
            if r != .delivered { return r }
        }
        return .delivered
    }
}
