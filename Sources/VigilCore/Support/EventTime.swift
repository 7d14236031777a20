import Foundation

/// Calendar arithmetic and timestamp parsing on bytes, in UTC milliseconds.
///
/// Foundation's date formatters allocate and are slow per line; the formats we read are fixed,
/// so they are parsed by hand here.
package enum EventTime {
    package static let second: Int64 = 1000
    package static let minute: Int64 = 60_000
    package static let hour: Int64 = 3_600_000
    package static let day: Int64 = 86_400_000
    /// The end of year 9999 (UTC): no event, stored time or duration Vigil keeps lies beyond it.
    static let maxTime: Int64 = 253_402_300_799_999

    /// Wall-clock now in milliseconds: bookkeeping only (commit times, lag), never detection.
    package static func wallNow() -> Int64 { Int64(Date().timeIntervalSince1970 * 1000) }

    /// Days since 1970-01-01 for a proleptic Gregorian date (Howard Hinnant's algorithm).
    static func daysFromCivil(_ y0: Int, _ m: Int, _ d: Int) -> Int64 {
        let y = m <= 2 ? y0 - 1 : y0
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = (m + 9) % 12
        let doy = (153 * mp + 2) / 5 + d - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return Int64(era * 146097 + doe - 719468)
    }

    static func civil(fromDays z0: Int64) -> (year: Int, month: Int, day: Int) {
        let z = z0 + 719468
        let era = (z >= 0 ? z : z - 146096) / 146097
        let doe = z - era * 146097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365
        let y = yoe + era * 400
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        return (Int(m <= 2 ? y + 1 : y), Int(m), Int(d))
    }

    static func millis(year: Int, month: Int, day: Int, hour: Int, minute: Int, second: Int, millis: Int = 0) -> Int64 {
        daysFromCivil(year, month, day) * EventTime.day + Int64(hour) * EventTime.hour + Int64(minute) * EventTime.minute
            + Int64(second) * EventTime.second + Int64(millis)
    }

    static func daysInMonth(_ year: Int, _ month: Int) -> Int {
        switch month {
        case 2: return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    /// ISO-8601 / RFC 3339 in UTC with millisecond precision: `2026-11-03T07:01:02.123Z`.
    package static func format(_ ms: Int64) -> String {
        let days = ms >= 0 ? ms / day : (ms - day + 1) / day
        let rem = ms - days * day
        let (y, m, d) = civil(fromDays: days)
        let h = Int(rem / hour), mi = Int(rem % hour / minute), s = Int(rem % minute / second), f = Int(rem % second)
        return "\(pad(y, 4))-\(pad(m, 2))-\(pad(d, 2))T\(pad(h, 2)):\(pad(mi, 2)):\(pad(s, 2)).\(pad(f, 3))Z"
    }

    static func pad(_ v: Int, _ width: Int) -> String {
        let s = String(v)
        return s.count >= width ? s : String(repeating: "0", count: width - s.count) + s
    }

    /// What the time options accept, for their help and errors.
    package static let userTimeForms =
        "a date (2026-11-03), a date and time (2026-11-03 07:00, 2026-11-03T07:00:00Z, with or without a zone), today, yesterday, or a span ago (24h, 7d, 30m)"

    /// Parses a user-given time: `2026-11-03`, `2026-11-03 07:00`, `2026-11-03T07:00:00Z`,
    /// `today`, `yesterday` (UTC days), or relative `24h`/`7d`/`30m` ago from `now`.
    package static func parseUserTime(_ text: String, now: Int64) -> Int64? {
        if let d = DurationText.parse(text) { return now - d }
        let today = (now >= 0 ? now / day : (now - day + 1) / day) * day
        switch text.lowercased() {
        case "today": return today
        case "yesterday": return today - day
        default: break
        }
        var t = text
        // `2026-11-03 07:00` (no seconds): the common way to type a time.
        if t.utf8.count >= 16, let separator = t.utf8.dropFirst(10).first, separator == 0x20 || separator == UInt8(ascii: "T"),
            t.utf8.count == 16 || t.utf8.dropFirst(16).first != UInt8(ascii: ":")
        {
            // ... and with a zone (`2026-11-03T07:00Z`, `…07:00+02:00`): ISO 8601 allows it.
            let minutes = t.utf8.index(t.utf8.startIndex, offsetBy: 16)
            t = String(t[..<minutes]) + ":00" + String(t[minutes...])
        }
        return t.withUTF8 { buf -> Int64? in
            let b = UnsafeRawBufferPointer(buf)
            if b.count == 10, let (ms, _) = parseISO8601(UnsafeRawBufferPointer(rebasing: b[0...]), dateOnly: true) { return ms }
            if let (ms, end) = parseISO8601(b), end == b.count { return ms }
            return nil
        }
    }

    /// The end of a user-given period, inclusive of a whole day when it names one
    /// (`2026-11-05`, `today`, `yesterday`), as `report --to` reads it.
    package static func parseUserEnd(_ text: String, now: Int64) -> Int64? {
        guard let time = parseUserTime(text, now: now) else { return nil }
        let namesADay = text.count == 10 || ["today", "yesterday"].contains(text.lowercased())
        return namesADay ? time + day : time
    }

    @inline(__always) static func digits(_ b: UnsafeRawBufferPointer, _ i: Int, _ n: Int) -> Int? {
        guard i + n <= b.count else { return nil }
        var v = 0
        for k in i..<(i + n) {
            let c = b[k]
            guard c >= 48 && c <= 57 else { return nil }
            v = v * 10 + Int(c - 48)
        }
        return v
    }

    /// Parses an ISO-8601 / RFC 3339 timestamp at the start of `b`.
    ///
    /// Accepts `T` or a space between date and time, any number of fraction digits, and `Z`,
    /// `±HH:MM`, `±HHMM`, `±HH` or no zone (taken as UTC). Returns milliseconds and the index
    /// just past the timestamp.
    static func parseISO8601(_ b: UnsafeRawBufferPointer, dateOnly: Bool = false) -> (Int64, Int)? {
        guard let y = digits(b, 0, 4), b.count >= 10, b[4] == 45, let mo = digits(b, 5, 2), b[7] == 45,
            let d = digits(b, 8, 2)
        else { return nil }
        guard mo >= 1 && mo <= 12 && d >= 1 && d <= daysInMonth(y, mo) else { return nil }
        if dateOnly { return (daysFromCivil(y, mo, d) * day, 10) }
        guard b.count >= 19, b[10] == UInt8(ascii: "T") || b[10] == UInt8(ascii: " ") || b[10] == UInt8(ascii: "t"),
            let h = digits(b, 11, 2), b[13] == 58, let mi = digits(b, 14, 2), b[16] == 58,
            let s = digits(b, 17, 2)
        else { return nil }
        guard h < 24 && mi < 60 && s <= 60 else { return nil }
        var i = 19
        var frac = 0
        if i < b.count && (b[i] == UInt8(ascii: ".") || b[i] == UInt8(ascii: ",")) {
            i += 1
            var n = 0
            while i < b.count, b[i] >= 48, b[i] <= 57 {
                if n < 3 { frac = frac * 10 + Int(b[i] - 48) }
                n += 1; i += 1
            }
            if n == 0 { return nil }
            while n < 3 { frac *= 10; n += 1 }
        }
        var offsetMinutes = 0
        if i < b.count {
            let c = b[i]
            if c == UInt8(ascii: "Z") || c == UInt8(ascii: "z") {
                i += 1
            } else if c == UInt8(ascii: "+") || c == UInt8(ascii: "-") {
                guard let oh = digits(b, i + 1, 2) else { return nil }
                var om = 0
                var j = i + 3
                if j < b.count && b[j] == 58 {
                    guard let m = digits(b, j + 1, 2) else { return nil }
                    om = m; j += 3
                } else if let m = digits(b, j, 2) {
                    om = m; j += 2
                }
                guard oh < 24 && om < 60 else { return nil }
                offsetMinutes = (oh * 60 + om) * (c == UInt8(ascii: "-") ? -1 : 1)
                i = j
            }
        }
        let ms =
            millis(year: y, month: mo, day: d, hour: h, minute: mi, second: min(s, 59), millis: frac)
            - Int64(offsetMinutes) * minute
        return (ms, i)
    }

    /// `Jan` ... `Dec` → 1...12.
    @inline(__always) static func month(_ a: UInt8, _ b: UInt8, _ c: UInt8) -> Int? {
        switch (a | 0x20, b | 0x20, c | 0x20) {
        case (0x6a, 0x61, 0x6e): return 1  // jan
        case (0x66, 0x65, 0x62): return 2  // feb
        case (0x6d, 0x61, 0x72): return 3  // mar
        case (0x61, 0x70, 0x72): return 4  // apr
        case (0x6d, 0x61, 0x79): return 5  // may
        case (0x6a, 0x75, 0x6e): return 6  // jun
        case (0x6a, 0x75, 0x6c): return 7  // jul
        case (0x61, 0x75, 0x67): return 8  // aug
        case (0x73, 0x65, 0x70): return 9  // sep
        case (0x6f, 0x63, 0x74): return 10  // oct
        case (0x6e, 0x6f, 0x76): return 11  // nov
        case (0x64, 0x65, 0x63): return 12  // dec
        default: return nil
        }
    }
}
