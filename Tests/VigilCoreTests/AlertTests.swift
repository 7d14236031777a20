import Foundation
import Testing

@testable import VigilCore

#if canImport(Glibc)
    import Glibc
#endif

/// The alert outbox and its sinks, against a real HTTP receiver on 127.0.0.1.
@Suite(.serialized) struct AlertTests {
    static func finding(_ n: Int, severity: Severity = .p2, subject: String? = nil, count: Int = 6) -> Finding {
        let subject = subject ?? "203.0.113.\(n)"
        let first = EventTime.millis(year: 2026, month: 11, day: 20, hour: 8, minute: n % 60, second: 0)
        return Finding(
            id: Finding.stableID(
                detector: "auth_failure_burst", rule: "auth_failure_burst", subjectKind: "ip", subject: subject, firstSeen: first),
            detector: "auth_failure_burst", rule: "auth_failure_burst", severity: severity, subjectKind: "ip", subject: subject,
            server: "bastion", firstSeen: first, lastSeen: first + 60_000, count: count,
            message: "\(count) failed logins from \(subject)", evidence: Evidence(), cooldown: 1_800_000)
    }

    static func commit(
        _ store: FindingStore, _ findings: [Finding], routes: [AlertRoute], maxPending: Int = 10_000
    ) throws -> FindingStore.CommitResult {
        var c = FindingStore.Checkpoint()
        c.now = EventTime.wallNow()
        c.findings = findings
        c.alertRoutes = routes
        c.maxPendingAlerts = maxPending
        return try store.commit(c)
    }

    static func waitUntil(_ timeout: TimeInterval = 10, _ condition: () throws -> Bool) rethrows -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if try condition() { return true }
            usleep(10_000)
        }
        return try condition()
    }

    static var fastRetries: AlertDispatcher.Options {
        var o = AlertDispatcher.Options()
        o.initialBackoff = 50
        o.idlePoll = 50
        return o
    }

    /// One notification per finding episode; re-reporting the same episode is silent, an
    /// escalation notifies again.
    @Test func webhookGetsOneAlertPerEpisodeAndEscalations() throws {
        let dir = TempDir()
        let store = try FindingStore(path: dir.path("a.sqlite"))
        let receiver = try TestHTTPReceiver(mode: .ok)
        let sink = HTTPAlertSink(name: "hook", format: .webhook, url: URL(string: receiver.url)!, timeout: 2)
        let dispatcher = AlertDispatcher(store: store, sinks: [sink], options: Self.fastRetries)
        dispatcher.start()
        defer { dispatcher.stop() }
        let routes = [AlertRoute(sink: "hook")]
        #expect(try Self.commit(store, [Self.finding(1), Self.finding(2)], routes: routes).alertsQueued == 2)
        dispatcher.wake()
        #expect(Self.waitUntil { receiver.received.count == 2 })
        // The same episodes grown: no new alert.
        #expect(try Self.commit(store, [Self.finding(1, count: 9), Self.finding(2, count: 12)], routes: routes).alertsQueued == 0)
        // One escalates to P1: alerted again, as an escalation.
        #expect(try Self.commit(store, [Self.finding(1, severity: .p1, count: 20)], routes: routes).alertsQueued == 1)
        dispatcher.wake()
        #expect(Self.waitUntil { receiver.received.count == 3 })
        let bodies = receiver.received.map { try! JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any] }
        #expect(bodies.map { $0["alert"] as? String } == ["opened", "opened", "escalated"])
        let last = bodies[2]["finding"] as! [String: Any]
        #expect(last["severity"] as? String == "P1")
        #expect(last["id"] as? String == Self.finding(1).id)
        // The receiver records a body before it answers: wait for the sink to record the answer.
        #expect(
            try Self.waitUntil {
                try store.alertSinkStatus() == [AlertSinkStatus(sink: "hook", pending: 0, sent: 3, failed: 0, dropped: 0)]
            })
    }

    /// A receiver answering 500 is retried with backoff until it accepts.
    @Test func failingReceiverIsRetriedUntilItAccepts() throws {
        let dir = TempDir()
        let store = try FindingStore(path: dir.path("a.sqlite"))
        let receiver = try TestHTTPReceiver(mode: .fail(status: 503, times: 2))
        let dispatcher = AlertDispatcher(
            store: store, sinks: [HTTPAlertSink(name: "hook", format: .webhook, url: URL(string: receiver.url)!, timeout: 2)],
            options: Self.fastRetries)
        dispatcher.start()
        defer { dispatcher.stop() }
        _ = try Self.commit(store, [Self.finding(3)], routes: [AlertRoute(sink: "hook")])
        dispatcher.wake()
        #expect(Self.waitUntil { receiver.received.count == 1 })
        #expect(receiver.requestCount == 3)
        #expect(try Self.waitUntil { try store.alertSinkStatus().first?.sent == 1 })
    }

    /// A receiver that never answers: its deliveries time out and stay queued for retry, while
    /// commits (ingestion) and another sink carry on.
    @Test func hangingReceiverBlocksNeitherIngestionNorOtherSinks() throws {
        let dir = TempDir()
        let store = try FindingStore(path: dir.path("a.sqlite"))
        let receiver = try TestHTTPReceiver(mode: .hang)
        var fds: [Int32] = [0, 0]
        #expect(pipe(&fds) == 0)
        defer { close(fds[0]) }
        let stdoutSink = StdoutAlertSink(descriptor: fds[1])
        let dispatcher = AlertDispatcher(
            store: store, sinks: [HTTPAlertSink(name: "slow", format: .webhook, url: URL(string: receiver.url)!, timeout: 1), stdoutSink],
            options: Self.fastRetries)
        dispatcher.start()
        let routes = [AlertRoute(sink: "slow"), AlertRoute(sink: "stdout")]
        for i in 0..<5 {
            _ = try Self.commit(store, [Self.finding(10 + i)], routes: routes)
            dispatcher.wake()
        }
        #expect(try Self.waitUntil { try store.alertSinkStatus().first { $0.sink == "stdout" }?.sent == 5 })
        #expect(try Self.waitUntil { try store.alertSinkStatus().first { $0.sink == "slow" }?.lastError?.contains("timed out") == true })
        let slow = try store.alertSinkStatus().first { $0.sink == "slow" }!
        #expect(slow.sent == 0 && slow.pending == 5, "\(slow)")
        dispatcher.stop(timeout: 1)
        close(fds[1])
        var buffer = [UInt8](repeating: 0, count: 1 << 20)
        let n = read(fds[0], &buffer, buffer.count)
        let lines = String(decoding: buffer[0..<max(n, 0)], as: UTF8.self).split(separator: "\n")
        #expect(lines.count == 5)
        receiver.stop()
    }

    /// Beyond `maxPendingAlerts` undelivered alerts, new ones are stored as dropped and counted.
    @Test func fullQueueDropsAndCounts() throws {
        let dir = TempDir()
        let store = try FindingStore(path: dir.path("a.sqlite"))
        let result = try Self.commit(store, (0..<5).map { Self.finding(30 + $0) }, routes: [AlertRoute(sink: "hook")], maxPending: 2)
        #expect(result.alertsQueued == 2)
        #expect(result.alertsDropped == 3)
        #expect(try store.alertSinkStatus().map(\.counts) == [AlertSinkStatus(sink: "hook", pending: 2, sent: 0, failed: 0, dropped: 3)])
    }

    /// Issue 18, item 7: a full queue gives way by severity. A P1 behind a queue full of P2s
    /// takes the place of the newest P2 (before: the P1 was dropped); a P3 is dropped when only
    /// more severe alerts wait; a P1 is queued even when only P1s wait, past the limit.
    @Test func fullQueueEvictsBySeverityAndNeverDropsP1() throws {
        let dir = TempDir()
        let store = try FindingStore(path: dir.path("a.sqlite"))
        let route = [AlertRoute(sink: "hook")]
        _ = try Self.commit(store, (0..<2).map { Self.finding(40 + $0, severity: .p2) }, routes: route, maxPending: 2)
        let p1 = try Self.commit(store, [Self.finding(42, severity: .p1)], routes: route, maxPending: 2)
        #expect(p1.alertsQueued == 1 && p1.alertsDropped == 1, "the P1 is queued, a P2 gives way")
        let p3 = try Self.commit(store, [Self.finding(43, severity: .p3)], routes: route, maxPending: 2)
        #expect(p3.alertsQueued == 0 && p3.alertsDropped == 1, "a P3 does not push out a P2 or a P1")
        let moreP1 = try Self.commit(
            store, [Self.finding(44, severity: .p1), Self.finding(45, severity: .p1)], routes: route, maxPending: 2)
        #expect(moreP1.alertsQueued == 2 && moreP1.alertsDropped == 1, "the last P2 gives way, then a P1 goes past the limit")
        #expect(try store.alertSinkStatus().map(\.counts) == [AlertSinkStatus(sink: "hook", pending: 3, sent: 0, failed: 0, dropped: 3)])
        let waiting = try store.dueDeliveries(sink: "hook", now: EventTime.wallNow() + 1, limit: 10).map(\.severity)
        #expect(waiting.allSatisfy { $0 == .p1 } && waiting.count == 3, "\(waiting)")
    }

    /// Routing by severity, and suppressed subjects are not alerted.
    @Test func routesBySeverityAndRespectsSuppressions() throws {
        let dir = TempDir()
        let store = try FindingStore(path: dir.path("a.sqlite"))
        _ = try store.suppress(detector: "*", subject: "203.0.113.99", until: .max, note: "pentest", by: "test", at: 0)
        let routes = [AlertRoute(sink: "pager", severities: [.p1]), AlertRoute(sink: "email", severities: Set(Severity.allCases))]
        _ = try Self.commit(
            store,
            [Self.finding(40, severity: .p1), Self.finding(41, severity: .p3), Self.finding(99, severity: .p1, subject: "203.0.113.99")],
            routes: routes)
        let status = try store.alertSinkStatus()
        #expect(status.first { $0.sink == "pager" }?.pending == 1)
        #expect(status.first { $0.sink == "email" }?.pending == 2)
    }

    /// Alertmanager gets its v2 list with routing labels; Slack text cannot be turned into
    /// links or mentions by what an attacker put in a log.
    @Test func alertmanagerAndSlackPayloads() throws {
        let dir = TempDir()
        let store = try FindingStore(path: dir.path("a.sqlite"))
        let am = try TestHTTPReceiver(mode: .ok)
        let slack = try TestHTTPReceiver(mode: .ok)
        let dispatcher = AlertDispatcher(
            store: store,
            sinks: [
                HTTPAlertSink(name: "am", format: .alertmanager, url: URL(string: am.url)!, timeout: 2),
                HTTPAlertSink(name: "slack", format: .slack, url: URL(string: slack.url)!, timeout: 2),
            ],
            options: Self.fastRetries)
        dispatcher.start()
        defer { dispatcher.stop() }
        let hostile = "<!channel> <https://evil.example|click> `x` \u{202E}"
        _ = try Self.commit(
            store, [Self.finding(50), Self.finding(51, subject: hostile)], routes: [AlertRoute(sink: "am"), AlertRoute(sink: "slack")])
        dispatcher.wake()
        #expect(Self.waitUntil { am.received.count >= 1 && slack.received.count == 2 })
        let alerts = am.received.flatMap { try! JSONSerialization.jsonObject(with: Data($0.utf8)) as! [[String: Any]] }
        #expect(alerts.count == 2)
        let labels = alerts[0]["labels"] as! [String: String]
        #expect(labels["alertname"] == "VigilFinding")
        #expect(labels["severity"] == "P2")
        #expect(labels["detector"] == "auth_failure_burst")
        #expect(labels["finding_id"] == Self.finding(50).id)
        #expect((alerts[0]["annotations"] as! [String: String])["summary"]?.contains("failed logins") == true)
        #expect(alerts[0]["startsAt"] is String)
        let texts = slack.received.map { (try! JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: String])["text"]! }
        let hostileText = texts.first { $0.contains("evil") }!
        #expect(!hostileText.contains("<!channel>"))
        #expect(!hostileText.contains("<https://"))
        #expect(hostileText.contains("&lt;!channel&gt;"))
        #expect(!hostileText.contains("\u{202E}"))
        // Issue 18, item 5: Alertmanager's labels and annotations carry the same neutralised
        // text (its templates hand them to Slack and e-mail); before, they were raw.
        let hostileAlert = alerts.first { ($0["labels"] as! [String: String])["subject"]!.contains("evil") }!
        let hostileLabels = hostileAlert["labels"] as! [String: String]
        let summary = (hostileAlert["annotations"] as! [String: String])["summary"]!
        for text in [hostileLabels["subject"]!, summary] {
            #expect(!text.contains("<!channel>") && !text.contains("<https://") && !text.contains("\u{202E}"), "\(text)")
            #expect(text.contains("&lt;!channel&gt;"), "\(text)")
        }
    }

    /// The policy's `alerts:` section: sinks, routing, secrets from the environment, lint.
    @Test func policyAlertSection() throws {
        let dir = TempDir()
        try """
        version: 1
        alerts:
          - name: pager
            type: alertmanager
            url: http://127.0.0.1:9093/api/v2/alerts
            severities: [P1]
          - name: chat
            type: slack
            url_env: VIGIL_TEST_SLACK
            min_severity: P3
          - name: leaky
            type: slack
            url: https://hooks.slack.com/services/T000/B000/XXXX
          - name: bad
            type: pager
        """.write(toFile: dir.path("alerts.yaml"), atomically: true, encoding: .utf8)
        let loaded = PolicyLoader.load(dir.path("alerts.yaml"))
        #expect(loaded.errors.map(\.rule) == ["alert-invalid"])
        #expect(loaded.warnings.map(\.rule).contains("alert-secret"))
        let sinks = loaded.policy.alerts
        #expect(sinks.map(\.name) == ["pager", "chat", "leaky"])
        #expect(sinks[0].severities == [.p1])
        #expect(sinks[1].severities == [.p1, .p2, .p3])
        #expect(throws: VigilError.self) { try sinks[1].makeSink(timeout: 1, environment: [:]) }
        let chat = try sinks[1].makeSink(timeout: 1, environment: ["VIGIL_TEST_SLACK": "https://hooks.example/x"])
        #expect(chat.name == "chat")
    }
}
