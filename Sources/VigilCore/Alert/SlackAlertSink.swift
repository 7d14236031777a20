import Foundation

/// A Slack-compatible incoming webhook (`{"text": …}`; Mattermost and Rocket.Chat take the
/// same). Values from logs are escaped as Slack asks (`&`, `<`, `>`), so a username cannot
/// become a link or an `@channel` mention, and are shown in code spans.
public struct SlackAlertSink: AlertSink {
    public let name: String
    public let batchSize = 1
    let poster: HTTPPoster

    public init(name: String, url: URL, timeout: TimeInterval = 5) {
        self.name = name
        poster = HTTPPoster(url: url, timeout: timeout)
    }

    static func escape(_ s: String) -> String {
        var out = ""
        for c in s.unicodeScalars {
            switch c {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "`": out += "'"
            default:
                if c.value < 0x20 || (0x7f..<0xa0).contains(c.value) || (0x202a...0x202e).contains(c.value) || (0x2066...0x2069).contains(c.value) {
                    out += "?"
                } else {
                    out.unicodeScalars.append(c)
                }
            }
        }
        return out
    }

    static func text(_ a: AlertDelivery) -> String {
        let f = AlertPayload.fields(a)
        let t = { (k: String) in escape(AlertPayload.text(f, k)) }
        var s = "*[\(a.severity)] \(t("detector"))*"
        if a.kind == "escalated" { s += " (escalated)" }
        s += " \(t("subject_kind")) `\(t("subject"))`"
        let server = t("server")
        if !server.isEmpty { s += " on `\(server)`" }
        s += "\n\(t("message"))\nfirst seen \(t("first_seen")), \(t("count")) events · finding `\(escape(a.findingID))`"
        return s
    }

    public func deliver(_ alerts: [AlertDelivery]) -> AlertSinkResult {
        for a in alerts {
            guard let body = try? JSONSerialization.data(withJSONObject: ["text": SlackAlertSink.text(a)]) else { return .reject("cannot encode") }
            let r = poster.post(json: body)
            if r != .delivered { return r }
        }
        return .delivered
    }
}
