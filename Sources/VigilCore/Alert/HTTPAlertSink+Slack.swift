/// Slack's shape. Values from logs are escaped with `MarkupText.slack`, so a username cannot
/// become a link or an `@channel` mention, and are shown in code spans.
extension HTTPAlertSink {
    static func slackText(_ a: AlertDelivery) -> String {
        let f = AlertPayload.fields(a)
        let t = { (k: String) in MarkupText.slack(AlertPayload.text(f, k)) }
        var s = "*[\(a.severity)] \(t("detector"))*"
        if a.kind == "escalated" { s += " (escalated)" }
        s += " \(t("subject_kind")) `\(t("subject"))`"
        let server = t("server")
        if !server.isEmpty { s += " on `\(server)`" }
        s += "\n\(t("message"))\nfirst seen \(t("first_seen")), \(t("count")) events · finding `\(MarkupText.slack(a.findingID))`"
        return s
    }

}
