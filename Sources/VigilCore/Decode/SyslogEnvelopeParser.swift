/// Parses the syslog header of a line into a `SyslogEnvelope`, leaving the message to the
/// format's own parser.
///
/// Separate from any message parser so that every syslog-carried format (sshd today; nginx
/// access lines sent through syslog next) shares one header parser, and so that a message
/// parser can equally be fed messages whose time, host and program came from elsewhere (a
/// journald record's `MESSAGE`, `_HOSTNAME`, `__REALTIME_TIMESTAMP`).
///
/// Headers understood: RFC 3164 (`Nov  3 07:01:02 host prog[123]: …`, optional `<PRI>`, an
/// optional `.fff` fraction, year inferred), RFC 3339 stamps (rsyslog high precision,
/// `journalctl -o short-iso`) and RFC 5424 (`<PRI>1 TIMESTAMP HOST APP PROCID MSGID [SD] MSG`).
package struct SyslogEnvelopeParser {
    private let yearAnchor: Int64
    private let anchorYear: Int
    private let fixedYear: Int?

    /// Year-less RFC 3164 stamps take their year from `context` (see `DecodeContext.yearAnchor`
    /// and `fixedYear`).
    package init(context: DecodeContext) {
        yearAnchor = context.yearAnchor
        fixedYear = context.fixedYear
        anchorYear = EventTime.civil(fromDays: context.yearAnchor / EventTime.day).year
    }

    /// The envelope of `line`, or `nil` when it does not start with a syslog header.
    package func parse(_ line: UnsafeRawBufferPointer) -> SyslogEnvelope? {
        var index = 0
        let count = line.count
        guard count > 16 else { return nil }
        if line[0] == UInt8(ascii: "<") {
            guard let close = line.index(of: UInt8(ascii: ">"), from: 1, to: min(count, 6)), close > 1,
                line.decimal(1, close) != nil
            else { return nil }
            index = close + 1
            if index + 2 < count, line[index] == UInt8(ascii: "1"), line[index + 1] == 0x20 {
                return parse5424(line, index + 2)
            }
        }
        var time: Int64
        if index + 4 < count, line[index] >= 48, line[index] <= 57 {
            guard let (millis, end) = EventTime.parseISO8601(line.slice(index, count)) else { return nil }
            time = millis
            index += end
        } else {
            // RFC 3164: `Mmm dd hh:mm:ss[.fff]`. Written out here rather than in a function of
            // its own: the call and its optional tuple cost ~1.5% of sshd decoding.
            guard index + 15 <= count, let month = EventTime.month(line[index], line[index + 1], line[index + 2]),
                line[index + 3] == 0x20
            else { return nil }
            let tens = line[index + 4], units = line[index + 5]
            let day: Int
            // Where hh:mm:ss starts: one byte earlier for an unpadded day ("Feb 7 16:01:07",
            // as some BSD and embedded syslogs write it).
            var clock = index + 7
            if tens == 0x20 {
                guard units >= 49, units <= 57 else { return nil }
                day = Int(units - 48)
            } else if units == 0x20 {
                guard tens >= 49, tens <= 57 else { return nil }
                day = Int(tens - 48)
                clock = index + 6
            } else {
                guard let value = line.decimal(index + 4, index + 6) else { return nil }
                day = value
            }
            guard line[clock - 1] == 0x20, let hour = line.decimal(clock, clock + 2), line[clock + 2] == 58,
                let minute = line.decimal(clock + 3, clock + 5), line[clock + 5] == 58,
                let second = line.decimal(clock + 6, clock + 8), hour < 24, minute < 60, second <= 60,
                day >= 1, day <= 31
            else { return nil }
            index = clock + 8
            // Optional fraction, as some daemons write "Nov  3 07:01:02.123".
            var fraction = 0
            if index < count, line[index] == UInt8(ascii: ".") {
                var cursor = index + 1, digits = 0
                while cursor < count, line[cursor] >= 48, line[cursor] <= 57 {
                    if digits < 3 { fraction = fraction * 10 + Int(line[cursor] - 48) }
                    digits += 1
                    cursor += 1
                }
                while digits < 3 && digits > 0 { fraction *= 10; digits += 1 }
                index = cursor
            }
            guard let resolved = yearlessTime(month: month, day: day, hour: hour, minute: minute, second: min(second, 59), millis: fraction)
            else { return nil }
            time = resolved
        }
        guard index < count, line[index] == 0x20 else { return nil }
        index += 1
        let hostStart = index
        guard let hostEnd = line.index(of: 0x20, from: index), hostEnd > hostStart else { return nil }
        if line[hostEnd - 1] == UInt8(ascii: ":") || (line[hostStart] == UInt8(ascii: "[") && line[hostEnd - 1] == UInt8(ascii: "]")) {
            // No host: the first word is the tag (`sshd[8148]:`, `[sshd]:`, or fail2ban's
            // `[sshd]` without a colon), as local syslogs and some BSDs write.
            return hostless(line, time: time, tagStart: hostStart, tagEnd: hostEnd)
        }
        index = hostEnd + 1
        // The tag, `prog[pid]:` or `prog:`, ends at the first ": " (or a ':' ending the line).
        let tagStart = index
        guard let colon = line.find(": ", from: index) ?? (line[count - 1] == 58 ? count - 1 : nil) else { return nil }
        var programEnd = colon
        var pid = 0
        if let open = line.index(of: UInt8(ascii: "["), from: tagStart, to: colon), line[colon - 1] == UInt8(ascii: "]") {
            programEnd = open
            pid = line.decimal(open + 1, colon - 1) ?? 0
        }
        return SyslogEnvelope(
            time: time, host: hostStart..<hostEnd, program: tagStart..<programEnd, pid: pid,
            messageStart: min(colon + 2, count))
    }

    /// The envelope of a line whose tag follows the time directly: `prog[pid]:`, `[prog]:`
    /// or `[prog]` (the host is empty).
    private func hostless(_ line: UnsafeRawBufferPointer, time: Int64, tagStart: Int, tagEnd: Int) -> SyslogEnvelope? {
        var end = tagEnd
        if line[end - 1] == UInt8(ascii: ":") { end -= 1 }
        guard end > tagStart else { return nil }
        var program = tagStart..<end
        var pid = 0
        if line[tagStart] == UInt8(ascii: "[") {
            guard line[end - 1] == UInt8(ascii: "]"), end - 1 > tagStart + 1 else { return nil }
            program = (tagStart + 1)..<(end - 1)
        } else if line[end - 1] == UInt8(ascii: "]"), let open = line.index(of: UInt8(ascii: "["), from: tagStart, to: end) {
            program = tagStart..<open
            pid = line.decimal(open + 1, end - 1) ?? 0
        }
        return SyslogEnvelope(
            time: time, host: tagStart..<tagStart, program: program, pid: pid, messageStart: min(tagEnd + 1, line.count))
    }

    /// `<PRI>1 TIMESTAMP HOST APP PROCID MSGID [SD] MSG`, from after the version's space.
    private func parse5424(_ line: UnsafeRawBufferPointer, _ start: Int) -> SyslogEnvelope? {
        let count = line.count
        var index = start
        guard let (time, end) = EventTime.parseISO8601(line.slice(index, count)) else { return nil }
        index += end
        func field() -> Range<Int>? {
            guard index < count, line[index] == 0x20 else { return nil }
            let fieldStart = index + 1
            let fieldEnd = line.index(of: 0x20, from: fieldStart) ?? count
            index = fieldEnd
            return fieldStart..<fieldEnd
        }
        guard let host = field(), let app = field(), let procid = field(), field() != nil else { return nil }
        // Structured data: "-" or one or more [..] elements.
        guard index < count, line[index] == 0x20 else { return nil }
        index += 1
        if index < count && line[index] == UInt8(ascii: "-") {
            index += 1
        } else {
            while index < count && line[index] == UInt8(ascii: "[") {
                var cursor = index + 1
                var quoted = false
                while cursor < count {
                    let byte = line[cursor]
                    if byte == UInt8(ascii: "\\") { cursor += 2; continue }
                    if byte == UInt8(ascii: "\"") { quoted.toggle() }
                    if byte == UInt8(ascii: "]") && !quoted { break }
                    cursor += 1
                }
                guard cursor < count else { return nil }
                index = cursor + 1
            }
        }
        if index < count && line[index] == 0x20 { index += 1 }
        // Optional UTF-8 BOM.
        if index + 3 <= count, line[index] == 0xef, line[index + 1] == 0xbb, line[index + 2] == 0xbf { index += 3 }
        return SyslogEnvelope(
            time: time, host: host, program: app, pid: line.decimal(procid.lowerBound, procid.upperBound) ?? 0,
            messageStart: index)
    }

    /// RFC 3164 stamps carry no year: take the anchor's year, or the year before when that would
    /// put the event more than a day after the anchor (so nothing lands in the future). `nil`
    /// for a day the month does not have in that year (`Feb 30`, `Feb 29` of a common year),
    /// which calendar arithmetic would otherwise roll into the next month.
    @inline(__always)
    private func yearlessTime(month: Int, day: Int, hour: Int, minute: Int, second: Int, millis: Int) -> Int64? {
        // Days up to 28 exist in every month: only later ones need the calendar.
        if let fixedYear {
            guard day <= 28 || day <= EventTime.daysInMonth(fixedYear, month) else { return nil }
            return EventTime.millis(year: fixedYear, month: month, day: day, hour: hour, minute: minute, second: second, millis: millis)
        }
        if day <= 28 || day <= EventTime.daysInMonth(anchorYear, month) {
            let time = EventTime.millis(
                year: anchorYear, month: month, day: day, hour: hour, minute: minute, second: second, millis: millis)
            if time <= yearAnchor + EventTime.day { return time }
        }
        // Past the anchor, or Feb 29 when the anchor's year is common: the year before.
        let previous = anchorYear - 1
        guard day <= 28 || day <= EventTime.daysInMonth(previous, month) else { return nil }
        return EventTime.millis(year: previous, month: month, day: day, hour: hour, minute: minute, second: second, millis: millis)
    }
}
