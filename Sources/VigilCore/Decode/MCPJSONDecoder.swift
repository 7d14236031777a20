#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
/// Decodes the MCP service's JSON log lines with a single-pass byte scanner.
///
/// One object per line; fields in any order; unknown fields (including nested objects and
/// arrays) skipped; `null` allowed anywhere. Only the fields Vigil uses are materialized.
/// Strings with escapes are unescaped into a reused scratch buffer. `JSONDecoder` per line was
/// measured ~10× slower, which is why this exists.
final class MCPJSONDecoder: LineDecoder {
    let format = LogFormat.mcpJSON
    private let symbols: SymbolTable
    private var scratch = [UInt8](repeating: 0, count: 4096)

    private static let maxDepth = 64

    init(context: DecodeContext) {
        symbols = context.symbols
    }

    /// A scanned JSON string: its raw range and whether it needs unescaping.
    private struct Str { var start: Int; var end: Int; var escaped: Bool }

    private enum Value {
        case string(Str)
        case number(Int, Int)
        case null
        case other
    }

    private enum Failure: Error { case malformed(String) }

    func decode(_ b: UnsafeRawBufferPointer, into e: inout Event) -> DecodeResult {
        do {
            return try scan(b, &e)
        } catch let Failure.malformed(reason) {
            return .malformed(reason)
        } catch {
            return .malformed("invalid JSON")
        }
    }

    private func scan(_ b: UnsafeRawBufferPointer, _ e: inout Event) throws -> DecodeResult {
        let n = b.count
        var i = skipWS(b, 0)
        guard i < n else { throw Failure.malformed("empty line") }
        guard b[i] == UInt8(ascii: "{") else { throw Failure.malformed("not a JSON object") }
        i += 1
        e = Event()
        var time: Int64? = nil
        var status = 0
        var errorOutcome: Outcome? = nil
        var levelIsError = false
        var sawErrorCode = false
        i = skipWS(b, i)
        if i < n && b[i] == UInt8(ascii: "}") {
            i += 1
        } else {
            while true {
                i = skipWS(b, i)
                guard i < n, b[i] == UInt8(ascii: "\"") else { throw Failure.malformed(i >= n ? "truncated JSON" : "expected a field name") }
                let key = try scanString(b, &i)
                i = skipWS(b, i)
                guard i < n, b[i] == UInt8(ascii: ":") else { throw Failure.malformed(i >= n ? "truncated JSON" : "expected ':'") }
                i = skipWS(b, i + 1)
                let value = try scanValue(b, &i)
                try assign(key: key, value: value, b, &e, &time, &status, &errorOutcome, &levelIsError, &sawErrorCode)
                i = skipWS(b, i)
                guard i < n else { throw Failure.malformed("truncated JSON") }
                if b[i] == UInt8(ascii: ",") { i += 1; continue }
                if b[i] == UInt8(ascii: "}") { i += 1; break }
                throw Failure.malformed("expected ',' or '}'")
            }
        }
        i = skipWS(b, i)
        guard i == n else { throw Failure.malformed("data after the JSON object") }
        guard let time else { throw Failure.malformed("missing or invalid timestamp") }
        e.time = time
        e.status = Int32(truncatingIfNeeded: status)
        if let errorOutcome {
            e.outcome = errorOutcome
        } else {
            e.outcome = Outcome(httpStatus: status) ?? (sawErrorCode || levelIsError ? .error : .success)
        }
        return .event
    }

    // MARK: fields

    private func assign(key: Str, value: Value, _ b: UnsafeRawBufferPointer, _ e: inout Event, _ time: inout Int64?,
                        _ status: inout Int, _ errorOutcome: inout Outcome?, _ levelIsError: inout Bool,
                        _ sawErrorCode: inout Bool) throws {
        try withText(key, b) { k in
            switch k.count {
            case 4:
                if k.hasPrefix("tool") { e.tool = try intern(value, b) }
            case 5:
                if k.hasPrefix("level"), case let .string(s) = value {
                    try withText(s, b) { v in levelIsError = v.count == 5 && (v.hasPrefix("ERROR") || v.hasPrefix("error")) }
                }
            case 7:
                if k.hasPrefix("user_id") { e.user = try intern(value, b) }
            case 9:
                if k.hasPrefix("timestamp") {
                    time = try parseTime(value, b)
                    if time == nil { throw Failure.malformed("invalid timestamp") }
                } else if k.hasPrefix("operation") {
                    e.operation = try intern(value, b)
                } else if k.hasPrefix("tool_name") {
                    e.tool = try intern(value, b)
                } else if k.hasPrefix("client_ip") {
                    if case let .string(s) = value {
                        try withText(s, b) { v in
                            if let ip = IPAddress.parse(v) { e.clientIP = ip } else if !v.isEmpty { e.remoteHost = symbols.intern(v) }
                        }
                    }
                }
            case 10:
                if k.hasPrefix("request_id"), case let .string(s) = value {
                    try withText(s, b) { v in e.requestID = InlineText(v) }
                } else if k.hasPrefix("error_code"), case let .string(s) = value {
                    try withText(s, b) { v in
                        if !v.isEmpty {
                            sawErrorCode = true
                            errorOutcome = Outcome(errorCode: v)
                        }
                    }
                } else if k.hasPrefix("api_key_id") {
                    e.apiKey = try intern(value, b)
                }
            case 11:
                if k.hasPrefix("server_name") {
                    e.server = try intern(value, b)
                } else if k.hasPrefix("status_code") {
                    switch value {
                    case let .number(s, t): status = b.decimal(s, t) ?? 0
                    case let .string(s): try withText(s, b) { v in status = v.decimal(0, v.count) ?? 0 }
                    default: break
                    }
                }
            case 12:
                if k.hasPrefix("resource_uri") { e.resource = try intern(value, b) }
            default:
                break
            }
        }
    }

    private func intern(_ value: Value, _ b: UnsafeRawBufferPointer) throws -> Symbol {
        switch value {
        case let .string(s): return try withText(s, b) { symbols.intern($0) }
        case let .number(s, t): return symbols.intern(b.slice(s, t))
        default: return .none
        }
    }

    private func parseTime(_ value: Value, _ b: UnsafeRawBufferPointer) throws -> Int64? {
        switch value {
        case let .string(s):
            return try withText(s, b) { v -> Int64? in
                guard let (ms, end) = EventTime.parseISO8601(v), end == v.count else { return nil }
                return ms
            }
        case let .number(s, t):
            // Epoch seconds or milliseconds (a fraction, if any, is dropped).
            var end = s
            while end < t, b[end] >= 48, b[end] <= 57 { end += 1 }
            guard let v = b.decimal(s, end) else { return nil }
            return v > 100_000_000_000 ? Int64(v) : Int64(v) * 1000
        default:
            return nil
        }
    }

    // MARK: scanning

    @inline(__always)
    private func skipWS(_ b: UnsafeRawBufferPointer, _ start: Int) -> Int {
        var i = start
        while i < b.count {
            let c = b[i]
            if c != 0x20 && c != 0x09 && c != 0x0a && c != 0x0d { break }
            i += 1
        }
        return i
    }

    /// Scans a string starting at the opening quote; leaves `i` after the closing quote.
    private func scanString(_ b: UnsafeRawBufferPointer, _ i: inout Int) throws -> Str {
        let start = i + 1
        // Fast path: memchr finds the closing quote, and an eight-bytes-at-a-time test checks
        // that nothing before it is a backslash or a control character. Escaped strings (rare)
        // take the byte loop below.
        if start < b.count, let found = memchr(b.baseAddress! + start, 0x22, b.count - start) {
            let q = UnsafeRawPointer(found) - b.baseAddress!
            if MCPJSONDecoder.plain(b, start, q) {
                i = q + 1
                return Str(start: start, end: q, escaped: false)
            }
        }
        var j = start
        var escaped = false
        let n = b.count
        while j < n {
            let c = b[j]
            if c == UInt8(ascii: "\"") {
                i = j + 1
                return Str(start: start, end: j, escaped: escaped)
            }
            if c == UInt8(ascii: "\\") {
                escaped = true
                j += 2
                continue
            }
            if c < 0x20 { throw Failure.malformed("control character in a JSON string") }
            j += 1
        }
        throw Failure.malformed("truncated JSON string")
    }

    /// Whether `b[from..<to]` holds no backslash and no control character.
    @inline(__always)
    static func plain(_ b: UnsafeRawBufferPointer, _ from: Int, _ to: Int) -> Bool {
        var j = from
        let lo: UInt64 = 0x0101_0101_0101_0101, hi: UInt64 = 0x8080_8080_8080_8080
        while j + 8 <= to {
            let x = b.loadUnaligned(fromByteOffset: j, as: UInt64.self)
            let s = x ^ 0x5C5C_5C5C_5C5C_5C5C
            if (((s &- lo) & ~s) | ((x &- 0x2020_2020_2020_2020) & ~x)) & hi != 0 { return false }
            j += 8
        }
        while j < to {
            let c = b[j]
            if c == UInt8(ascii: "\\") || c < 0x20 { return false }
            j += 1
        }
        return true
    }

    private func scanValue(_ b: UnsafeRawBufferPointer, _ i: inout Int) throws -> Value {
        guard i < b.count else { throw Failure.malformed("truncated JSON") }
        let c = b[i]
        switch c {
        case UInt8(ascii: "\""):
            return .string(try scanString(b, &i))
        case UInt8(ascii: "-"), 48...57:
            let start = i
            i += 1
            while i < b.count {
                let d = b[i]
                if (d >= 48 && d <= 57) || d == UInt8(ascii: ".") || d == UInt8(ascii: "e") || d == UInt8(ascii: "E")
                    || d == UInt8(ascii: "+") || d == UInt8(ascii: "-") { i += 1 } else { break }
            }
            return .number(start, i)
        case UInt8(ascii: "n"):
            guard b.hasPrefix("null", at: i) else { throw Failure.malformed("invalid literal") }
            i += 4
            return .null
        case UInt8(ascii: "t"):
            guard b.hasPrefix("true", at: i) else { throw Failure.malformed("invalid literal") }
            i += 4
            return .other
        case UInt8(ascii: "f"):
            guard b.hasPrefix("false", at: i) else { throw Failure.malformed("invalid literal") }
            i += 5
            return .other
        case UInt8(ascii: "{"), UInt8(ascii: "["):
            try skipContainer(b, &i)
            return .other
        default:
            throw Failure.malformed("unexpected character in JSON value")
        }
    }

    /// Skips a nested object or array, string-aware, with a depth limit against hostile input.
    private func skipContainer(_ b: UnsafeRawBufferPointer, _ i: inout Int) throws {
        var depth = 0
        let n = b.count
        while i < n {
            let c = b[i]
            if c == UInt8(ascii: "\"") {
                _ = try scanString(b, &i)
                continue
            }
            if c == UInt8(ascii: "{") || c == UInt8(ascii: "[") {
                depth += 1
                if depth > MCPJSONDecoder.maxDepth { throw Failure.malformed("JSON nested too deeply") }
            } else if c == UInt8(ascii: "}") || c == UInt8(ascii: "]") {
                depth -= 1
                if depth == 0 { i += 1; return }
            }
            i += 1
        }
        throw Failure.malformed("truncated JSON")
    }

    /// Calls `body` with the string's text: the raw bytes, or an unescaped copy in scratch.
    private func withText<R>(_ s: Str, _ b: UnsafeRawBufferPointer, _ body: (UnsafeRawBufferPointer) throws -> R) throws -> R {
        if !s.escaped { return try body(b.slice(s.start, s.end)) }
        let needed = (s.end - s.start) * 2 + 8
        if scratch.count < needed { scratch = [UInt8](repeating: 0, count: needed) }
        var out = 0
        var j = s.start
        try scratch.withUnsafeMutableBufferPointer { dst in
            func put(_ c: UInt8) { dst[out] = c; out += 1 }
            func putScalar(_ v: UInt32) {
                if v < 0x80 { put(UInt8(v)) }
                else if v < 0x800 { put(UInt8(0xc0 | (v >> 6))); put(UInt8(0x80 | (v & 0x3f))) }
                else if v < 0x10000 {
                    put(UInt8(0xe0 | (v >> 12))); put(UInt8(0x80 | ((v >> 6) & 0x3f))); put(UInt8(0x80 | (v & 0x3f)))
                } else {
                    put(UInt8(0xf0 | (v >> 18))); put(UInt8(0x80 | ((v >> 12) & 0x3f)))
                    put(UInt8(0x80 | ((v >> 6) & 0x3f))); put(UInt8(0x80 | (v & 0x3f)))
                }
            }
            func hex4(_ at: Int) throws -> UInt32 {
                guard at + 4 <= s.end else { throw Failure.malformed("bad \\u escape") }
                var v: UInt32 = 0
                for k in at..<(at + 4) {
                    let c = b[k]
                    let d: UInt32
                    switch c {
                    case 48...57: d = UInt32(c - 48)
                    case 65...70: d = UInt32(c - 55)
                    case 97...102: d = UInt32(c - 87)
                    default: throw Failure.malformed("bad \\u escape")
                    }
                    v = v << 4 | d
                }
                return v
            }
            while j < s.end {
                let c = b[j]
                if c != UInt8(ascii: "\\") { put(c); j += 1; continue }
                guard j + 1 < s.end else { throw Failure.malformed("bad escape") }
                let e = b[j + 1]
                j += 2
                switch e {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): put(e)
                case UInt8(ascii: "b"): put(8)
                case UInt8(ascii: "f"): put(12)
                case UInt8(ascii: "n"): put(10)
                case UInt8(ascii: "r"): put(13)
                case UInt8(ascii: "t"): put(9)
                case UInt8(ascii: "u"):
                    var v = try hex4(j)
                    j += 4
                    if v >= 0xd800 && v < 0xdc00, j + 6 <= s.end, b[j] == UInt8(ascii: "\\"), b[j + 1] == UInt8(ascii: "u") {
                        let lo = try hex4(j + 2)
                        if lo >= 0xdc00 && lo < 0xe000 {
                            v = 0x10000 + ((v - 0xd800) << 10) + (lo - 0xdc00)
                            j += 6
                        }
                    }
                    if v >= 0xd800 && v < 0xe000 { v = 0xfffd }  // lone surrogate
                    putScalar(v)
                default:
                    throw Failure.malformed("bad escape")
                }
            }
        }
        return try scratch.withUnsafeBytes { try body(UnsafeRawBufferPointer(rebasing: $0.prefix(out))) }
    }
}

extension Outcome {
    /// The outcome an HTTP status stands for; `nil` for no status (0).
    init?(httpStatus status: Int) {
        switch status {
        case 0: return nil
        case 401: self = .authFailure
        case 403: self = .forbidden
        case 429: self = .rateLimited
        case 400, 422: self = .invalidInput
        case 100..<400: self = .success
        default: self = .error
        }
    }

    /// The outcome an MCP `error_code` stands for. Codes not listed are plain errors.
    init(errorCode b: UnsafeRawBufferPointer) {
        switch String(decoding: b, as: UTF8.self).uppercased() {
        case "INVALID_API_KEY", "AUTH_FAILED", "MISSING_CREDENTIALS", "UNAUTHORIZED", "UNAUTHENTICATED",
             "AUTHENTICATION_FAILED", "EXPIRED_API_KEY", "INVALID_TOKEN":
            self = .authFailure
        case "FORBIDDEN", "PERMISSION_DENIED", "KEY_REVOKED", "ACCESS_DENIED", "NOT_ALLOWED":
            self = .forbidden
        case "RATE_LIMITED", "RATE_LIMIT_EXCEEDED", "TOO_MANY_REQUESTS", "QUOTA_EXCEEDED":
            self = .rateLimited
        case "VALIDATION_ERROR", "INVALID_PARAMS", "INVALID_INPUT", "INVALID_REQUEST", "INVALID_ARGUMENT",
             "BAD_REQUEST":
            self = .invalidInput
        default:
            self = .error
        }
    }
}
