import Foundation

/// Alertmanager's shape: labels (`alertname`, `severity`, `detector`, `rule`, `subject_kind`,
/// `subject`, `server`, `finding_id`) and annotations.
///
/// Every value that came from a log (subject, server, the message) is neutralised as for Slack
/// (`MarkupText.slack`: `<`, `>`, `&` escaped, backticks, control and bidi characters made
/// visible): Alertmanager's templates pass labels and annotations on to Slack, e-mail and
/// pagers, where `<!channel>` or `<http://evil|click>` from a log line would become a mention
/// or a link.
///
/// `startsAt` is when Vigil raised the alert, not the finding's event time, so replayed
/// logs do not arrive as long-past alerts; no `endsAt`, so Alertmanager resolves each alert
/// after its `resolve_timeout` unless it is sent again.
extension HTTPAlertSink {
    static func alertmanagerAlert(_ a: AlertDelivery) -> [String: Any] {
        let f = AlertPayload.fields(a)
        var labels: [String: String] = [
            "alertname": "VigilFinding",
            "severity": a.severity.description,
            "detector": AlertPayload.text(f, "detector"),
            "rule": AlertPayload.text(f, "rule"),
            "subject_kind": AlertPayload.text(f, "subject_kind"),
            "subject": MarkupText.slack(AlertPayload.text(f, "subject")),
            "finding_id": a.findingID,
        ]
        let server = AlertPayload.text(f, "server")
        if !server.isEmpty { labels["server"] = MarkupText.slack(server) }
        return [
            "labels": labels,
            "annotations": [
                "summary": MarkupText.slack(AlertPayload.text(f, "message")),
                "first_seen": AlertPayload.text(f, "first_seen"),
                "last_seen": AlertPayload.text(f, "last_seen"),
                "count": AlertPayload.text(f, "count"),
                "alert": a.kind,
            ],
            "startsAt": ISO8601DateFormatter().string(from: Date(timeIntervalSince1970: Double(a.createdAt) / 1000)),
        ]
    }

}
