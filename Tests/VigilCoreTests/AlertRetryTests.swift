import Foundation
import Testing
import VigilMetrics

@testable import VigilCore

/// Issue 18, item 14: alert delivery retries a failing receiver until a retry horizon (not
/// for a number of attempts), expires what is still undelivered after it, survives restarts,
/// never follows a redirect, and shows what is undelivered. Times are scaled down: backoff
/// 10 ms doubling to 50 ms stands for 1 s doubling to 5 min.
@Suite(.serialized) struct AlertRetryTests {
    static var scaled: AlertDispatcher.Options {
        var o = AlertDispatcher.Options()
        o.initialBackoff = 10
        o.maxBackoff = 50
        o.idlePoll = 20
        return o
    }

    static func hook(_ receiver: TestHTTPReceiver) -> HTTPAlertSink {
        HTTPAlertSink(name: "hook", format: .webhook, url: URL(string: receiver.url)!, timeout: 2)
    }

    /// A receiver answering 500 for 1.5 s, several times the old give-up window at these timings
    /// (8 attempts: 10+20+40+50+50+50+50 ms of backoff, about 0.3 s with the requests), then
    /// recovering: every alert is delivered once and none is given up. Before: all 10 were
    /// marked failed after their 8th attempt and never sent.
    @Test func outageLongerThanTheOldGiveUpWindowLosesNothing() throws {
        let dir = TempDir()
        let store = try FindingStore(path: dir.path("a.sqlite"))
        let receiver = try TestHTTPReceiver(mode: .failFor(status: 500, seconds: 1.5))
        let dispatcher = AlertDispatcher(store: store, sinks: [Self.hook(receiver)], options: Self.scaled)
        dispatcher.start()
        defer { dispatcher.stop() }
        let findings = (0..<10).map { AlertTests.finding(60 + $0) }
        #expect(try AlertTests.commit(store, findings, routes: [AlertRoute(sink: "hook")]).alertsQueued == 10)
        dispatcher.wake()
        #expect(
            AlertTests.waitUntil(6) { receiver.received.count == 10 },
            "received \(receiver.received.count) of 10 after \(receiver.requestCount) requests; outbox: \((try? store.alertSinkStatus()) ?? [])"
        )
        #expect(
            try AlertTests.waitUntil {
                let s = try store.alertSinkStatus().first
                return s?.sent == 10 && s?.pending == 0 && s?.failed == 0
            }, "\((try? store.alertSinkStatus()) ?? [])")
    }

    /// A webhook answering 302 back to itself: one request, refused (not retried), naming the
    /// redirect. Before: URLSession followed it 20 times per attempt (21 requests, the POST
    /// turned into a GET) and the attempt was retried as "too many HTTP redirects".
    @Test func redirectsAreNotFollowed() throws {
        let receiver = try TestHTTPReceiver(mode: .redirectToSelf)
        let alert = AlertDelivery(
            alertID: 1, sink: "hook", findingID: "F-1", severity: .p2, kind: "opened", payload: "{}", attempts: 0, createdAt: 0)
        let result = Self.hook(receiver).deliver([alert])
        usleep(100_000)  // a followed redirect would arrive now at the latest
        #expect(receiver.requestCount == 1)
        guard case let .reject(reason) = result else {
            Issue.record("expected a refusal, got \(result)")
            return
        }
        #expect(reason.contains("HTTP 302 redirect to http://127.0.0.1:\(receiver.port)") && reason.contains("not followed"), "\(reason)")
    }

    /// Past the retry horizon (1 s here), alerts a receiver kept failing are `expired`,
    /// not tried again, and counted by `vigil status`; a refusal (404) stays `failed`, also
    /// shown. Before: no horizon, and given-up alerts were "failed" like refusals.
    @Test func undeliveredAlertsExpireAtTheHorizonAndShow() throws {
        let dir = TempDir()
        let store = try FindingStore(path: dir.path("a.sqlite"))
        let down = try TestHTTPReceiver(mode: .fail(status: 500, times: .max))
        let refusing = try TestHTTPReceiver(mode: .fail(status: 404, times: .max))
        var options = Self.scaled
        options.retryForSink["hook"] = 1_000
        let dispatcher = AlertDispatcher(
            store: store,
            sinks: [Self.hook(down), HTTPAlertSink(name: "refusing", format: .webhook, url: URL(string: refusing.url)!, timeout: 2)],
            options: options)
        dispatcher.start()
        defer { dispatcher.stop() }
        _ = try AlertTests.commit(
            store, (0..<5).map { AlertTests.finding(70 + $0) }, routes: [AlertRoute(sink: "hook"), AlertRoute(sink: "refusing")])
        dispatcher.wake()
        #expect(try AlertTests.waitUntil(5) { try store.alertSinkStatus().first { $0.sink == "hook" }?.expired == 5 })
        #expect(try AlertTests.waitUntil { try store.alertSinkStatus().first { $0.sink == "refusing" }?.failed == 5 })
        let attempts = down.requestCount
        #expect(attempts > 5, "retried before expiring")
        usleep(200_000)
        #expect(down.requestCount == attempts, "an expired alert is not tried again")
        let status = try StatusReport.read(store)
        let text = status.text()
        #expect(text.contains("hook: 0 pending, 0 sent, 0 failed, 5 expired, 0 dropped (last error: HTTP 500)"), "\(text)")
        #expect(text.contains("refusing: 0 pending, 0 sent, 5 failed, 0 expired, 0 dropped (last error: HTTP 404)"), "\(text)")
        #expect(status.json().contains(#""sink":"hook","pending":0,"sent":0,"failed":0,"dropped":0,"expired":5"#), "\(status.json())")
    }

    /// Alerts pending when a dispatcher stops (its receiver down) are delivered by the next
    /// one on the same SQLite file, with no new commit to wake it: the rows' next-attempt
    /// times are enough. Before: the outage outlasted 8 attempts and they were failed.
    @Test func pendingAlertsSurviveARestart() throws {
        let dir = TempDir()
        let path = dir.path("a.sqlite")
        let receiver = try TestHTTPReceiver(mode: .failFor(status: 503, seconds: 1))
        do {
            let store = try FindingStore(path: path)
            let dispatcher = AlertDispatcher(store: store, sinks: [Self.hook(receiver)], options: Self.scaled)
            dispatcher.start()
            _ = try AlertTests.commit(store, (0..<5).map { AlertTests.finding(80 + $0) }, routes: [AlertRoute(sink: "hook")])
            dispatcher.wake()
            #expect(try AlertTests.waitUntil { try store.alertSinkStatus().first?.lastError == "HTTP 503" })
            dispatcher.stop(timeout: 0.1)
            let s = try #require(try store.alertSinkStatus().first)
            #expect(s.pending == 5 && s.sent == 0 && s.nextAttemptAt != nil, "\(s)")
            let text = try StatusReport.read(store).text()
            #expect(text.contains("hook: 5 pending (oldest ") && text.contains(", next attempt "), "\(text)")
        }
        let store = try FindingStore(path: path)
        let dispatcher = AlertDispatcher(store: store, sinks: [Self.hook(receiver)], options: Self.scaled)
        dispatcher.start()
        defer { dispatcher.stop() }
        #expect(AlertTests.waitUntil(6) { receiver.received.count == 5 }, "\((try? store.alertSinkStatus()) ?? [])")
        #expect(
            try AlertTests.waitUntil {
                let s = try store.alertSinkStatus().first
                return s?.sent == 5 && s?.pending == 0 && s?.failed == 0 && s?.expired == 0
            })
    }

    /// `retry_for` per sink in the policy: a duration from 1m to 30d; anything else is a
    /// lint error naming the key and the value.
    @Test func policyRetryForIsParsedAndLinted() throws {
        let dir = TempDir()
        try """
        version: 1
        alerts:
          - name: six-hours
            type: webhook
            url: http://127.0.0.1:9/hook
            retry_for: 6h
          - name: default
            type: webhook
            url: http://127.0.0.1:9/hook
          - name: words
            type: webhook
            url: http://127.0.0.1:9/hook
            retry_for: forever
          - name: short
            type: webhook
            url: http://127.0.0.1:9/hook
            retry_for: 10s
          - name: long
            type: webhook
            url: http://127.0.0.1:9/hook
            retry_for: 90d
        """.write(toFile: dir.path("alerts.yaml"), atomically: true, encoding: .utf8)
        let loaded = PolicyLoader.load(dir.path("alerts.yaml"))
        #expect(loaded.errors.map(\.rule) == ["alert-invalid", "alert-invalid", "alert-invalid"])
        #expect(loaded.errors.allSatisfy { $0.message.contains("retry_for") && $0.message.contains("from 1m to 30d") }, "\(loaded.errors)")
        #expect(loaded.errors.map { $0.message.contains("`forever`") } == [true, false, false])
        let sinks = Dictionary(uniqueKeysWithValues: loaded.policy.alerts.map { ($0.name, $0.retryFor) })
        #expect(sinks["six-hours"] == 6 * EventTime.hour)
        #expect(sinks["default"] == .some(nil))
    }

    /// The metrics show the outbox by state and how long the oldest undelivered alert waited.
    @Test func metricsShowUndeliveredAlerts() {
        let metrics = TailMetrics()
        var hook = AlertSinkStatus(sink: "hook", pending: 3, sent: 7, failed: 1, dropped: 0, expired: 2)
        hook.oldestPendingAt = EventTime.wallNow() - 90_000
        metrics.update(TailStatus(), alertSinks: [hook])
        let text = String(decoding: metrics.render(), as: UTF8.self)
        for line in [
            #"vigil_alerts{sink="hook",state="pending"} 3"#, #"vigil_alerts{sink="hook",state="expired"} 2"#,
            #"vigil_alerts{sink="hook",state="failed"} 1"#, #"vigil_alerts_expired_total{sink="hook"} 2"#,
        ] {
            #expect(text.contains(line), "\(line) in \(text)")
        }
        let age = text.split(separator: "\n").first { $0.hasPrefix(#"vigil_alert_oldest_pending_age_seconds{sink="hook"}"#) }
        let seconds = age.flatMap { $0.split(separator: " ").last }.flatMap { Double($0) }
        #expect(seconds.map { (90..<100).contains($0) } == true, "\(String(describing: age))")
    }
}
