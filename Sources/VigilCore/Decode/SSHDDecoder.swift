import Foundation

/// Decodes OpenSSH messages in syslog auth logs: a `SyslogEnvelopeParser` for the header and
/// an `SSHDMessageParser` (which keeps the per-connection attempt state) for the message.
///
/// Headers: RFC 3164 (`Nov  3 07:01:02 host sshd[123]: …`, optional `<PRI>`, year inferred),
/// RFC 3339 stamps (rsyslog high precision, `journalctl -o short-iso`) and RFC 5424.
/// Programs `sshd`, `sshd-session` (OpenSSH ≥ 9.8), `sshd-auth` (10.x) and `sshd(pam_unix)`
/// (old Linux PAM, whose failures count at once); other programs' lines are well-formed but
/// ignored.
final class SSHDDecoder: LineDecoder {
    let format = LogFormat.sshd
    private let envelopes: SyslogEnvelopeParser
    private let messages: SSHDMessageParser

    init(context: DecodeContext) {
        envelopes = SyslogEnvelopeParser(context: context)
        messages = SSHDMessageParser(symbols: context.symbols, maxAuthTries: context.sshdMaxAuthTries)
    }

    func decode(_ line: UnsafeRawBufferPointer, into event: inout Event) -> DecodeResult {
        if line.count >= 6 && line.hasPrefix("-- ") && line.hasPrefix(" --", at: line.count - 3) {
            // journalctl's own lines between entries: `-- Logs begin at … --`, `-- Boot <id>
            // --`, `-- No entries --`. Not log lines, and not malformed ones.
            event = Event()
            messages.skipLine()
            return .ignored
        }
        guard let envelope = envelopes.parse(line) else {
            event = Event()
            return .malformed(line.isEmpty ? "empty line" : "not a syslog line")
        }
        let program = line.slice(envelope.program.lowerBound, envelope.program.upperBound)
        guard program.hasPrefix("sshd") else {
            event = Event()
            event.time = envelope.time
            messages.skipLine()
            return .ignored
        }
        return messages.decode(
            message: line.slice(envelope.messageStart, line.count), time: envelope.time,
            host: line.slice(envelope.host.lowerBound, envelope.host.upperBound), pid: envelope.pid,
            pamOnly: program.count == 14 && program.hasPrefix("sshd(pam_unix)"), into: &event)
    }

    func saveState(beforeLastLine: Bool) -> Data? {
        messages.saveState(beforeLastLine: beforeLastLine)
    }

    func loadState(_ data: Data) {
        messages.loadState(data)
    }
}
