/// Slack's shape. Values from logs are escaped as Slack asks (`&`, `<`, `>`), so a username
/// cannot become a link or an `@channel` mention, and are shown in code spans.
extension HTTPAlertSink {
    static func slackEscape(_ s: String) -> String {
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

    static func slackText(_ a: AlertDelivery) -> String {
        let f = AlertPayload.fields(a)
        let t = { (k: String) in slackEscape(AlertPayload.text(f, k)) }
        var s = "*[\(a.severity)] \(t("detector"))*"
        if a.kind == "escalated" { s += " (escalated)" }
        s += " \(t("subject_kind")) `\(t("subject"))`"
        let server = t("server")
        if !server.isEmpty { s += " on `\(server)`" }
        s += "\n\(t("message"))\nfirst seen \(t("first_seen")), \(t("count")) events · finding `\(slackEscape(a.findingID))`"
        return s
    }

}
