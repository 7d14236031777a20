/// Decodes nginx / Apache access logs in the combined (or common) format:
/// `client ident user [10/Oct/2026:13:55:36 -0700] "GET /path HTTP/1.1" 401 123 "referer" "agent"`.
///
/// Status 401 is an authentication failure, 403 forbidden, 429 rate limited (see
/// `Outcome(httpStatus:)`). The resource is the path without its query string, fragment,
/// path parameters or URL credentials, and a user name that looks like a password is
/// redacted (`SecretRedaction`), so secrets in requests are never stored.
final class CombinedLogDecoder: LineDecoder {
    let format = LogFormat.combined
    private let symbols: SymbolTable
    /// Reused by `SecretRedaction.resource` for paths it has to rewrite.
    private var scratch: [UInt8] = []

    private let trustedProxies: Int

    init(context: DecodeContext) {
        symbols = context.symbols
        trustedProxies = context.trustedProxies
    }

    func decode(_ b: UnsafeRawBufferPointer, into e: inout Event) -> DecodeResult {
        e = Event()
        let n = b.count
        guard n > 20 else { return .malformed(n == 0 ? "empty line" : "not an access log line") }
        // client
        guard let sp1 = b.index(of: 0x20, from: 0), sp1 > 0 else { return .malformed("not an access log line") }
        let client = b.slice(0, sp1)
        // ident, user, then " [time]". The time's bracket is the first " [" followed by a valid
        // date and "] \"", not merely the first "[": a user name such as "[admin" (the client
        // chooses it) must not hide the line from the detectors.
        var search = sp1
        var found: (bracket: Int, close: Int, time: Int64)?
        while found == nil, let candidate = b.index(of: UInt8(ascii: "["), from: search) {
            search = candidate + 1
            guard candidate >= sp1 + 4, b[candidate - 1] == 0x20, let close = b.index(of: UInt8(ascii: "]"), from: candidate),
                close + 2 < n, b[close + 1] == 0x20, b[close + 2] == UInt8(ascii: "\""),
                let time = parseCLFTime(b.slice(candidate + 1, close))
            else { continue }
            found = (candidate, close, time)
        }
        guard let (bracket, closeBracket, time) = found else {
            let hasBracket = b.index(of: UInt8(ascii: "["), from: sp1) != nil
            return .malformed(hasBracket ? "bad time in access log line" : "no [time] in access log line")
        }
        guard let sp2 = b.index(of: 0x20, from: sp1 + 1, to: bracket - 1) else { return .malformed("not an access log line") }
        let user = b.slice(sp2 + 1, bracket - 1)
        e.time = time
        // "request"
        var i = closeBracket + 1
        guard i + 2 < n, b[i] == 0x20, b[i + 1] == UInt8(ascii: "\"") else { return .malformed("no request in access log line") }
        i += 2
        let reqStart = i
        while i < n {
            let c = b[i]
            if c == UInt8(ascii: "\\") { i += 2; continue }
            if c == UInt8(ascii: "\"") { break }
            i += 1
        }
        guard i < n else { return .malformed("unterminated request in access log line") }
        let request = b.slice(reqStart, i)
        i += 1
        // status and size
        guard i + 4 <= n, b[i] == 0x20, let status = b.decimal(i + 1, i + 4), status >= 100, status <= 599 else {
            return .malformed("bad status in access log line")
        }
        if let ip = IPAddress.parseClient(client, trustedProxies: trustedProxies) {
            e.clientIP = ip
        } else {
            e.remoteHost = symbols.intern(client)
        }
        if !(user.count == 1 && user[0] == UInt8(ascii: "-")) { e.user = SecretRedaction.loginName(user, symbols: symbols) }
        if let msp = request.index(of: 0x20, from: 0) {
            e.operation = symbols.intern(request.slice(0, msp))
            let pathEnd = request.index(of: 0x20, from: msp + 1) ?? request.count
            e.resource = SecretRedaction.resource(request.slice(msp + 1, pathEnd), symbols: symbols, scratch: &scratch)
        }
        e.status = Int32(status)
        e.outcome = Outcome(httpStatus: status) ?? .success
        return .event
    }

    /// `10/Oct/2026:13:55:36 -0700`
    private func parseCLFTime(_ t: UnsafeRawBufferPointer) -> Int64? {
        guard t.count >= 20, let d = t.decimal(0, 2), t[2] == UInt8(ascii: "/"),
            let mo = EventTime.month(t[3], t[4], t[5]), t[6] == UInt8(ascii: "/"), let y = t.decimal(7, 11),
            t[11] == 58, let h = t.decimal(12, 14), t[14] == 58, let mi = t.decimal(15, 17), t[17] == 58,
            let s = t.decimal(18, 20), d >= 1, d <= EventTime.daysInMonth(y, mo), h < 24, mi < 60, s <= 60
        else { return nil }
        var offset = 0
        if t.count >= 26, t[20] == 0x20, t[21] == UInt8(ascii: "+") || t[21] == UInt8(ascii: "-"),
            let oh = t.decimal(22, 24), let om = t.decimal(24, 26)
        {
            offset = (oh * 60 + om) * (t[21] == UInt8(ascii: "-") ? -1 : 1)
        }
        return EventTime.millis(year: y, month: mo, day: d, hour: h, minute: mi, second: min(s, 59)) - Int64(offset) * EventTime.minute
    }
}
