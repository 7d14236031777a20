/// The syslog header of one line, as spans into it: what a syslog-carried format gets from the
/// envelope, before its own message parser reads the rest.
///
/// Made by `SyslogEnvelopeParser`. Kept as plain offsets (no strings, no interning) so that a
/// decoder pays only for the parts it uses: sshd interns the host, another format may only
/// check the program. Offsets are `[start, end)` into the parsed line.
package struct SyslogEnvelope: Equatable {
    /// Event time, milliseconds since the Unix epoch, UTC (year inferred for RFC 3164 stamps).
    package var time: Int64
    /// The host name (`HOSTNAME` of RFC 5424).
    package var host: Range<Int>
    /// The program: `sshd` of `sshd[123]:`, or RFC 5424's `APP-NAME`.
    package var program: Range<Int>
    /// The process id in the tag, or RFC 5424's numeric `PROCID`; 0 when there is none.
    package var pid: Int
    /// Where the message starts (after `tag: `, or after RFC 5424's structured data and BOM).
    package var messageStart: Int

    package init(time: Int64, host: Range<Int>, program: Range<Int>, pid: Int, messageStart: Int) {
        self.time = time
        self.host = host
        self.program = program
        self.pid = pid
        self.messageStart = messageStart
    }
}
