/// Decodes the MCP service's JSON log lines: a `JSONObjectScanner` walks the fields, and only
/// the fields Vigil uses are materialized.
///
/// One object per line; fields in any order; unknown fields (including nested objects and
/// arrays) skipped; `null` allowed anywhere. Strings with escapes are unescaped into a reused
/// `JSONTextBuffer`, only for the fields read here.
final class MCPJSONDecoder: LineDecoder {
    let format = LogFormat.mcpJSON
    private let symbols: SymbolTable
    private var text = JSONTextBuffer()
    /// Reused by `SecretRedaction.resource` for URIs it has to rewrite.
    private var scratch: [UInt8] = []

    private let trustedProxies: Int

    init(context: DecodeContext) {
        symbols = context.symbols
        trustedProxies = context.trustedProxies
    }

    /// The fields this decoder reads; the others are skipped.
    private enum Field {
        case timestamp, level, operation, serverName, clientIP, requestID, statusCode, errorCode
        case tool, userID, apiKeyID, resourceURI, other

        /// Matched on length first: one comparison rejects most names.
        @inline(__always)
        init(name: UnsafeRawBufferPointer) {
            switch name.count {
            case 4: self = name.hasPrefix("tool") ? .tool : .other
            case 5: self = name.hasPrefix("level") ? .level : .other
            case 7: self = name.hasPrefix("user_id") ? .userID : .other
            case 9:
                if name.hasPrefix("timestamp") {
                    self = .timestamp
                } else if name.hasPrefix("operation") {
                    self = .operation
                } else if name.hasPrefix("tool_name") {
                    self = .tool
                } else if name.hasPrefix("client_ip") {
                    self = .clientIP
                } else {
                    self = .other
                }
            case 10:
                if name.hasPrefix("request_id") {
                    self = .requestID
                } else if name.hasPrefix("error_code") {
                    self = .errorCode
                } else if name.hasPrefix("api_key_id") {
                    self = .apiKeyID
                } else {
                    self = .other
                }
            case 11:
                if name.hasPrefix("server_name") {
                    self = .serverName
                } else if name.hasPrefix("status_code") {
                    self = .statusCode
                } else {
                    self = .other
                }
            case 12: self = name.hasPrefix("resource_uri") ? .resourceURI : .other
            default: self = .other
            }
        }
    }

    /// What the fields of one line said beyond the event's own fields, to settle its outcome
    /// and time once the whole object is read.
    private struct LineFacts {
        var time: Int64? = nil
        var status = 0
        var errorOutcome: Outcome? = nil
        var levelIsError = false
        var sawErrorCode = false
    }

    func decode(_ line: UnsafeRawBufferPointer, into event: inout Event) -> DecodeResult {
        do {
            return try scan(line, &event)
        } catch {
            return .malformed(error.reason)
        }
    }

    private func scan(_ line: UnsafeRawBufferPointer, _ event: inout Event) throws(JSONScanError) -> DecodeResult {
        var scanner = try JSONObjectScanner(line)
        event = Event()
        var facts = LineFacts()
        while let field = try scanner.nextField() {
            try assign(field, line, &event, &facts)
        }
        guard let time = facts.time else { throw JSONScanError("missing or invalid timestamp") }
        event.time = time
        event.status = Int32(truncatingIfNeeded: facts.status)
        if let errorOutcome = facts.errorOutcome {
            event.outcome = errorOutcome
        } else {
            event.outcome = Outcome(httpStatus: facts.status) ?? (facts.sawErrorCode || facts.levelIsError ? .error : .success)
        }
        return .event
    }

    // MARK: fields

    @inline(__always)
    private func assign(
        _ field: JSONField, _ line: UnsafeRawBufferPointer, _ event: inout Event,
        _ facts: inout LineFacts
    ) throws(JSONScanError) {
        let value = field.value
        switch try text.withText(field.key, in: line, { Field(name: $0) }) {
        case .tool:
            event.tool = try intern(value, line)
        case .level:
            if case let .string(string) = value {
                facts.levelIsError = try text.withText(string, in: line) { level in
                    level.count == 5 && (level.hasPrefix("ERROR") || level.hasPrefix("error"))
                }
            }
        case .userID:
            event.user = try intern(value, line)
        case .timestamp:
            facts.time = try parseTime(value, line)
            if facts.time == nil { throw JSONScanError("invalid timestamp") }
        case .operation:
            event.operation = try intern(value, line)
        case .clientIP:
            if case let .string(string) = value {
                try text.withText(string, in: line) { client in
                    if let address = IPAddress.parseClient(client, trustedProxies: trustedProxies) {
                        event.clientIP = address
                    } else if !client.isEmpty {
                        event.remoteHost = symbols.intern(client)
                    }
                }
            }
        case .requestID:
            if case let .string(string) = value {
                event.requestID = try text.withText(string, in: line) { InlineText($0) }
            }
        case .errorCode:
            if case let .string(string) = value {
                try text.withText(string, in: line) { code in
                    if !code.isEmpty {
                        facts.sawErrorCode = true
                        facts.errorOutcome = Outcome(errorCode: code)
                    }
                }
            }
        case .apiKeyID:
            event.apiKey = try intern(value, line)
        case .serverName:
            event.server = try intern(value, line)
        case .statusCode:
            switch value {
            // A status Vigil cannot read is not a success: the line is malformed, and counted.
            case let .number(start, end):
                guard let status = line.decimal(start, end), status <= 999 else { throw JSONScanError("invalid status_code") }
                facts.status = status
            case let .string(string):
                let status = try text.withText(string, in: line) { $0.decimal(0, $0.count) }
                guard let status, status <= 999 else { throw JSONScanError("invalid status_code") }
                facts.status = status
            default: break
            }
        case .resourceURI:
            // Query strings, fragments, path parameters and URL credentials can hold tokens.
            if case let .string(string) = value {
                event.resource = try text.withText(string, in: line) { uri in
                    SecretRedaction.resource(uri, symbols: symbols, scratch: &scratch)
                }
            } else {
                event.resource = try intern(value, line)
            }
        case .other:
            break
        }
    }

    /// A string or number field as a symbol; `.none` for `null`, booleans, objects and arrays.
    private func intern(_ value: JSONValue, _ line: UnsafeRawBufferPointer) throws(JSONScanError) -> Symbol {
        switch value {
        case let .string(string): return try text.withText(string, in: line) { symbols.intern($0) }
        case let .number(start, end): return symbols.intern(line.slice(start, end))
        default: return .none
        }
    }

    private func parseTime(_ value: JSONValue, _ line: UnsafeRawBufferPointer) throws(JSONScanError) -> Int64? {
        switch value {
        case let .string(string):
            return try text.withText(string, in: line) { stamp -> Int64? in
                guard let (millis, end) = EventTime.parseISO8601(stamp), end == stamp.count else { return nil }
                return millis
            }
        case let .number(start, end):
            // An epoch in seconds, milliseconds, microseconds or nanoseconds, told apart by
            // magnitude (a fraction, if any, is dropped). An exponent (`1e19`), a sign or a value
            // past Int64 is refused: read as digits it would land in 1970 or year 57818.
            var digitsEnd = start
            while digitsEnd < end, line[digitsEnd] >= 48, line[digitsEnd] <= 57 { digitsEnd += 1 }
            if digitsEnd < end && line[digitsEnd] != UInt8(ascii: ".") { return nil }
            var fractionEnd = digitsEnd + 1
            while fractionEnd < end, line[fractionEnd] >= 48, line[fractionEnd] <= 57 { fractionEnd += 1 }
            if digitsEnd < end && fractionEnd != end { return nil }
            guard digitsEnd > start, digitsEnd - start <= 19 else { return nil }
            var value: Int64 = 0
            for index in start..<digitsEnd {
                let (times10, overflow) = value.multipliedReportingOverflow(by: 10)
                let (sum, carry) = times10.addingReportingOverflow(Int64(line[index] - 48))
                if overflow || carry { return nil }
                value = sum
            }
            switch value {
            case ..<100_000_000_000: return value * 1000  // seconds (until year 5138)
            case ..<100_000_000_000_000: return value  // milliseconds
            case ..<100_000_000_000_000_000: return value / 1000  // microseconds
            default: return value / 1_000_000  // nanoseconds
            }
        default:
            return nil
        }
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
