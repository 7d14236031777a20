import Testing

@testable import VigilCore

/// The syslog header parser on its own, and the sshd message parser fed without one.
@Suite struct SyslogEnvelopeTests {
    /// The envelope's parts as text, for comparing.
    struct Parts: Equatable {
        var time: Int64
        var host: String
        var program: String
        var pid: Int
        var message: String
    }

    static func parts(_ text: String, year: Int? = 2026, anchor: Int64 = 0) -> Parts? {
        let parser = SyslogEnvelopeParser(context: DecodeContext(symbols: SymbolTable(), yearAnchor: anchor, fixedYear: year))
        let bytes = Array(text.utf8)
        return bytes.withUnsafeBytes { line -> Parts? in
            guard let envelope = parser.parse(line) else { return nil }
            func text(_ range: Range<Int>) -> String { String(decoding: line.slice(range.lowerBound, range.upperBound), as: UTF8.self) }
            return Parts(
                time: envelope.time, host: text(envelope.host), program: text(envelope.program), pid: envelope.pid,
                message: text(envelope.messageStart..<line.count))
        }
    }

    @Test func rfc3164() {
        #expect(
            Self.parts("Nov  3 07:01:04 bastion sshd[2101]: Failed password for root")
                == Parts(time: ms("2026-11-03T07:01:04Z"), host: "bastion", program: "sshd", pid: 2101, message: "Failed password for root")
        )
        #expect(
            Self.parts("<38>Nov 13 07:01:04.25 h CRON: pam_unix(cron:session): x")
                == Parts(time: ms("2026-11-13T07:01:04.250Z"), host: "h", program: "CRON", pid: 0, message: "pam_unix(cron:session): x"))
        // A tag ending the line leaves an empty message; a non-numeric pid reads as none.
        #expect(
            Self.parts("Nov  3 07:01:04 h kernel[x]:")
                == Parts(time: ms("2026-11-03T07:01:04Z"), host: "h", program: "kernel", pid: 0, message: ""))
        #expect(Self.parts("Jun 15 02:04:59 combo sshd(pam_unix)[20882]: authentication failure;")?.program == "sshd(pam_unix)")
    }

    @Test func yearComesFromTheAnchor() {
        let anchor = ms("2026-01-05T12:00:00Z")
        #expect(Self.parts("Dec 31 23:59:59 h sshd[1]: x", year: nil, anchor: anchor)?.time == ms("2025-12-31T23:59:59Z"))
        #expect(Self.parts("Jan  6 11:00:00 h sshd[1]: x", year: nil, anchor: anchor)?.time == ms("2026-01-06T11:00:00Z"))
        #expect(Self.parts("Dec 31 23:59:59 h sshd[1]: x", year: 2020, anchor: anchor)?.time == ms("2020-12-31T23:59:59Z"))
    }

    @Test func rfc3339AndRFC5424() {
        #expect(
            Self.parts("2026-11-04T10:00:07.123456+01:00 web1 sshd-session[301]: Accepted publickey")
                == Parts(
                    time: ms("2026-11-04T09:00:07.123Z"), host: "web1", program: "sshd-session", pid: 301, message: "Accepted publickey"))
        #expect(
            Self.parts("<38>1 2026-11-04T11:00:03Z web2 sshd 401 ID47 [ex@1 a=\"]\\\"\"][b@2] \u{FEFF}Failed password")
                == Parts(time: ms("2026-11-04T11:00:03Z"), host: "web2", program: "sshd", pid: 401, message: "Failed password"))
        #expect(
            Self.parts("<38>1 2026-11-04T11:00:03Z web2 nginx - - - GET /")
                == Parts(time: ms("2026-11-04T11:00:03Z"), host: "web2", program: "nginx", pid: 0, message: "GET /"))
    }

    @Test func notAHeader() {
        for line in [
            "", "garbage", "Foo  3 07:01:04 h sshd[1]: x", "Nov 32 07:01:04 h sshd[1]: x", "Nov  3 24:01:04 h sshd[1]: x",
            "Nov  3 07:01:04 hostonly-no-tag-here", "<999999>Nov  3 07:01:04 h sshd[1]: x",
            "<38>1 2026-11-04T11:00:03Z web2 sshd 401 ID47 [unterminated",
        ] {
            #expect(Self.parts(line) == nil, "\(line)")
        }
    }
}

@Suite struct SSHDMessageParserTests {
    /// A log line's sshd lines, and the same messages as journald fields would carry them.
    static let lines = [
        "Nov  3 07:01:02 bastion sshd[7]: Invalid user admin from 203.0.113.7 port 40001",
        "Nov  3 07:01:02 bastion sshd[7]: pam_unix(sshd:auth): check pass; user unknown",
        "Nov  3 07:01:02 bastion sshd[7]: pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh ruser= rhost=203.0.113.7",
        "Nov  3 07:01:04 bastion sshd[7]: Failed password for invalid user admin from 203.0.113.7 port 40001 ssh2",
        "Nov  3 07:01:05 bastion sshd[7]: Connection closed by invalid user admin 203.0.113.7 port 40001 [preauth]",
        "Nov  3 07:01:06 bastion sshd[8]: Failed password for root from 198.51.100.4 port 40002 ssh2",
        "Nov  3 07:01:22 bastion sshd[8]: message repeated 4 times: [ Failed password for root from 198.51.100.4 port 40002 ssh2]",
        "Nov  3 07:01:25 bastion sshd[8]: error: maximum authentication attempts exceeded for root from 198.51.100.4 port 40002 ssh2 [preauth]",
        "Nov  3 07:02:00 bastion sshd[9]: Accepted publickey for deploy from 192.0.2.10 port 50122 ssh2: ED25519 SHA256:x",
        "Nov  3 07:02:01 bastion sshd[9]: Failed password for root from not-an-ip port 1 ssh2",
    ]

    /// Everything an event says, with symbols as text (the two decoders have their own tables).
    static func describe(_ result: DecodeResult, _ event: Event, _ symbols: SymbolTable) -> String {
        func text(_ symbol: Symbol) -> String { symbols.string(symbol) ?? "-" }
        return "\(result) t=\(event.time) ip=\(event.clientIP.map { "\($0)" } ?? "-") host=\(text(event.remoteHost)) "
            + "user=\(text(event.user)) server=\(text(event.server)) op=\(text(event.operation)) "
            + "outcome=\(event.outcome) attempts=\(event.attempts) status=\(event.status)"
    }

    @Test func messagesWithTimeAndHostFromElsewhereDecodeAsTheSyslogLines() {
        let syslog = decodeLines(Self.lines, .sshd)
        let symbols = SymbolTable()
        let lineSymbols = SymbolTable()
        let decoder = DecodeContext(symbols: lineSymbols, yearAnchor: 0, fixedYear: 2026).makeDecoder(.sshd)!
        let parser = SSHDMessageParser(symbols: symbols)
        for (index, line) in Self.lines.enumerated() {
            // What a journald record gives: MESSAGE, _HOSTNAME, _PID, __REALTIME_TIMESTAMP (µs).
            let message = String(line.split(separator: ": ", maxSplits: 1)[1])
            let pid = Int(line.split(separator: "[")[1].split(separator: "]")[0])!
            let realtimeMicros = ms("2026-11-03T" + line.dropFirst(7).prefix(8) + "Z") * 1000
            var event = Event()
            var messageBytes = message, host = "bastion"
            let result = messageBytes.withUTF8 { messageBuffer in
                host.withUTF8 { hostBuffer in
                    parser.decode(
                        message: UnsafeRawBufferPointer(messageBuffer), time: realtimeMicros / 1000,
                        host: UnsafeRawBufferPointer(hostBuffer), pid: pid, into: &event)
                }
            }
            var lineEvent = Event()
            var lineText = line
            let lineResult = lineText.withUTF8 { decoder.decode(UnsafeRawBufferPointer($0), into: &lineEvent) }
            #expect(Self.describe(result, event, symbols) == Self.describe(lineResult, lineEvent, lineSymbols), "\(line)")
            #expect(lineResult == syslog[index].0)
        }
    }

    /// The building blocks composed as a journald source would: the JSON scanner reads a
    /// `journalctl -o json` record, the sshd message parser decodes its MESSAGE.
    @Test func aJournaldRecordDecodesAsItsSyslogLine() throws {
        let record =
            #"{"__CURSOR":"s=1;i=2","__REALTIME_TIMESTAMP":"1793689264000000","_HOSTNAME":"bastion","SYSLOG_IDENTIFIER":"sshd","_PID":"2101","_CMDLINE":["x"],"MESSAGE":"Failed password for invalid user \"ad\u006din\" from 203.0.113.7 port 40001 ssh2"}"#
        let symbols = SymbolTable()
        let parser = SSHDMessageParser(symbols: symbols)
        var event = Event()
        let bytes = Array(record.utf8)
        let result = try bytes.withUnsafeBytes { line -> DecodeResult in
            var scanner = try JSONObjectScanner(line)
            var message: JSONStringSpan?, host: JSONStringSpan?
            var micros = 0, pid = 0, identifier = ""
            var text = JSONTextBuffer()
            while let field = try scanner.nextField() {
                guard case let .string(value) = field.value else { continue }
                switch try text.withText(field.key, in: line, { String(decoding: $0, as: UTF8.self) }) {
                case "MESSAGE": message = value
                case "_HOSTNAME": host = value
                case "_PID": pid = try text.withText(value, in: line) { $0.decimal(0, $0.count) ?? 0 }
                case "__REALTIME_TIMESTAMP": micros = try text.withText(value, in: line) { $0.decimal(0, $0.count) ?? 0 }
                case "SYSLOG_IDENTIFIER": identifier = try text.withText(value, in: line) { String(decoding: $0, as: UTF8.self) }
                default: break
                }
            }
            #expect(identifier == "sshd")
            let hostName = try text.withText(try #require(host), in: line) { Array($0) }
            return try text.withText(try #require(message), in: line) { messageText in
                hostName.withUnsafeBytes { hostBytes in
                    parser.decode(message: messageText, time: Int64(micros / 1000), host: hostBytes, pid: pid, into: &event)
                }
            }
        }
        let syslog = decodeLine(
            #"Nov  3 07:01:04 bastion sshd[2101]: Failed password for invalid user "admin" from 203.0.113.7 port 40001 ssh2"#, .sshd)
        #expect(result == .event)
        #expect(Self.describe(result, event, symbols) == Self.describe(syslog.0, syslog.1, syslog.2))
    }

    @Test func connectionStateFollowsHostAndPid() {
        // Same pid on two hosts: two connections. The PAM line on "b" is a new attempt, held
        // until its "Failed" line (a success of another PAM module would forget it).
        let parser = SSHDMessageParser(symbols: SymbolTable())
        func attempts(_ message: String, host: String, pid: Int) -> UInt32 {
            var event = Event()
            var messageText = message, hostText = host
            _ = messageText.withUTF8 { messageBuffer in
                hostText.withUTF8 { hostBuffer in
                    parser.decode(
                        message: UnsafeRawBufferPointer(messageBuffer), time: 1_000, host: UnsafeRawBufferPointer(hostBuffer),
                        pid: pid, into: &event)
                }
            }
            return event.attempts
        }
        let pam = "pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh ruser= rhost=203.0.113.7"
        #expect(attempts("Invalid user admin from 203.0.113.7 port 1", host: "a", pid: 5) == 1)
        #expect(attempts(pam, host: "b", pid: 5) == 0)
        #expect(attempts(pam, host: "a", pid: 5) == 0)
        #expect(attempts("Failed password for invalid user admin from 203.0.113.7 port 1 ssh2", host: "a", pid: 5) == 0)
        #expect(attempts("Failed password for invalid user admin from 203.0.113.7 port 1 ssh2", host: "b", pid: 5) == 1)
        #expect(attempts("Failed password for invalid user admin from 203.0.113.7 port 1 ssh2", host: "b", pid: 5) == 1)
    }
}
