import Testing

@testable import VigilCore

@Suite struct SSHDDecoderTests {
    @Test func failedPasswordForInvalidUser() {
        let (r, e, s) = decodeLine(
            "Nov  3 07:01:04 bastion sshd[2101]: Failed password for invalid user admin from 203.0.113.7 port 40001 ssh2", .sshd)
        #expect(r == .event)
        #expect(e.outcome == .authFailure)
        #expect(s.string(e.user) == "admin")
        #expect(e.clientIP == IPAddress("203.0.113.7"))
        #expect(s.string(e.server) == "bastion")
        #expect(s.string(e.operation) == "password")
        #expect(e.attempts == 1)
        #expect(e.time == ms("2026-11-03T07:01:04Z"))
    }

    @Test func addressIsReadFromTheRightSoUserNamesCannotInjectOne() {
        let (_, e, s) = decodeLine(
            "Nov  3 08:10:00 h sshd[1]: Failed password for invalid user x from 198.51.100.99 from 2001:db8::66 port 51000 ssh2", .sshd)
        #expect(e.clientIP == IPAddress("2001:db8::66"))
        // Not a login name (spaces), so stored redacted (`SecretRedaction`).
        #expect(s.string(e.user)?.hasPrefix("[redacted:") == true)
        let (_, e2, s2) = decodeLine("Nov  3 08:10:00 h sshd[1]: Invalid user a port 1 from 192.0.2.1 from 198.51.100.7 port 22", .sshd)
        #expect(e2.clientIP == IPAddress("198.51.100.7"))
        #expect(s2.string(e2.user)?.hasPrefix("[redacted:") == true)
    }

    @Test func oneAttemptWrittenAsSeveralLinesCountsOnce() {
        let lines = [
            "Nov  3 07:01:02 h sshd[7]: Invalid user admin from 203.0.113.7 port 40001",
            "Nov  3 07:01:02 h sshd[7]: pam_unix(sshd:auth): check pass; user unknown",
            "Nov  3 07:01:02 h sshd[7]: pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh ruser= rhost=203.0.113.7",
            "Nov  3 07:01:04 h sshd[7]: Failed password for invalid user admin from 203.0.113.7 port 40001 ssh2",
            "Nov  3 07:01:05 h sshd[7]: Connection closed by invalid user admin 203.0.113.7 port 40001 [preauth]",
            // a second attempt on the same connection: PAM + Failed = one more
            "Nov  3 07:01:06 h sshd[7]: pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh ruser= rhost=203.0.113.7",
            "Nov  3 07:01:08 h sshd[7]: Failed password for invalid user admin from 203.0.113.7 port 40001 ssh2",
        ]
        let results = decodeLines(lines, .sshd)
        let total = results.filter { $0.0 == .event }.reduce(0) { $0 + Int($1.1.attempts) }
        #expect(total == 2)
        #expect(results[1].0 == .ignored)
    }

    @Test func pamOnlyLogsCountEachFailure() {
        // Old sshd(pam_unix) lines have no "Failed password" partner: each is an attempt.
        let line =
            "Jun 15 02:04:59 combo sshd(pam_unix)[20882]: authentication failure; logname= uid=0 euid=0 tty=NODEVssh ruser= rhost=220-135-151-1.hinet-ip.hinet.net  user=root"
        let results = decodeLines([line, line, line], .sshd)
        #expect(results.map { $0.1.attempts } == [1, 1, 1])
        #expect(results[0].1.clientIP == nil)
        #expect(!results[0].1.remoteHost.isNone)
    }

    @Test func messageRepeatedCountsN() {
        let (r, e, _) = decodeLine(
            "Nov  3 07:01:22 h sshd[9]: message repeated 4 times: [ Failed password for root from 203.0.113.7 port 40002 ssh2]", .sshd)
        #expect(r == .event)
        #expect(e.attempts == 4)
        #expect(e.outcome == .authFailure)
    }

    @Test func otherMessages() {
        #expect(
            decodeLine("Nov  3 07:00:01 h sshd[1]: Accepted publickey for deploy from 192.0.2.10 port 50122 ssh2: ED25519 SHA256:x", .sshd)
                .1.outcome == .success)
        let notAllowed = decodeLine(
            "Nov  3 09:30:00 h sshd[1]: User guest from 192.0.2.50 not allowed because not listed in AllowUsers", .sshd)
        #expect(notAllowed.1.outcome == .forbidden)
        #expect(notAllowed.2.string(notAllowed.1.user) == "guest")
        let probe = decodeLine("Nov  3 09:30:05 h sshd[1]: Did not receive identification string from 192.0.2.77 port 1234", .sshd)
        #expect(probe.1.outcome == .authFailure && probe.1.clientIP == IPAddress("192.0.2.77"))
        let max = decodeLine(
            "Nov  3 07:01:25 h sshd[1]: error: maximum authentication attempts exceeded for root from 203.0.113.7 port 40002 ssh2 [preauth]",
            .sshd)
        // Cut off at MaxAuthTries with nothing seen before: it made MaxAuthTries (6) attempts.
        #expect(max.1.attempts == 6 && max.1.clientIP == IPAddress("203.0.113.7"))
        // A connection dropped before authentication: noise, never an attempt.
        let bye = decodeLine("Nov  3 07:02:11 h sshd[1]: Received disconnect from 203.0.113.7 port 40003:11: Bye Bye [preauth]", .sshd)
        #expect(bye.0 == .event && bye.1.attempts == 0 && bye.2.string(bye.1.operation) == SSHDCategory.preauthClosed)
        #expect(decodeLine("Nov  3 06:59:58 h CRON[1]: pam_unix(cron:session): session opened for user root", .sshd).0 == .ignored)
        #expect(
            decodeLine("Nov  3 07:01:04 h sshd-session[5]: Failed password for root from ::ffff:10.0.0.1 port 1 ssh2", .sshd).1.clientIP
                == IPAddress("10.0.0.1"))
    }

    @Test func headerStyles() {
        let rfc3339 = decodeLine(
            "2026-11-04T10:00:07+0000 web1 sshd[301]: Failed password for root from 198.51.100.30 port 33001 ssh2", .sshd)
        #expect(rfc3339.0 == .event && rfc3339.1.time == ms("2026-11-04T10:00:07Z"))
        let rsyslog = decodeLine(
            "2026-11-04T10:00:07.123456+01:00 web1 sshd[301]: Failed password for root from 198.51.100.30 port 33001 ssh2", .sshd)
        #expect(rsyslog.1.time == ms("2026-11-04T09:00:07.123Z"))
        let rfc5424 = decodeLine(
            "<38>1 2026-11-04T11:00:03.123Z web2 sshd 401 - - Failed password for admin from 198.51.100.31 port 35001 ssh2", .sshd)
        #expect(rfc5424.0 == .event && rfc5424.2.string(rfc5424.1.server) == "web2")
        let sd = decodeLine(
            "<38>1 2026-11-04T11:00:03Z web2 sshd 401 ID47 [ex@1 a=\"]\\\"\"] Failed password for admin from 198.51.100.31 port 35001 ssh2",
            .sshd)
        #expect(sd.0 == .event && sd.1.clientIP == IPAddress("198.51.100.31"))
        let pri3164 = decodeLine("<38>Nov  3 07:01:04 h sshd[1]: Failed password for root from 192.0.2.1 port 1 ssh2", .sshd)
        #expect(pri3164.0 == .event)
    }

    @Test func yearIsInferredSoNothingLandsInTheFuture() {
        let anchor = ms("2026-01-05T12:00:00Z")  // a file last written on Jan 5
        let dec = decodeLine(
            "Dec 31 23:59:59 h sshd[1]: Failed password for root from 192.0.2.1 port 1 ssh2", .sshd, year: nil, anchor: anchor)
        #expect(dec.1.time == ms("2025-12-31T23:59:59Z"))
        let jan = decodeLine(
            "Jan  5 11:00:00 h sshd[1]: Failed password for root from 192.0.2.1 port 1 ssh2", .sshd, year: nil, anchor: anchor)
        #expect(jan.1.time == ms("2026-01-05T11:00:00Z"))
    }

    @Test func malformed() {
        if case .malformed = decodeLine("garbage", .sshd).0 {} else { Issue.record("garbage must be malformed") }
        if case .malformed = decodeLine("Foo  3 07:01:04 h sshd[1]: x", .sshd).0 {} else { Issue.record("bad month must be malformed") }
        if case .malformed = decodeLine("Nov  3 07:01:04 h sshd[1]: Failed password for root from not-an-ip port 1 ssh2", .sshd).0 {
        } else {
            Issue.record("a Failed line without an address must be malformed, not silently dropped")
        }
    }
}
