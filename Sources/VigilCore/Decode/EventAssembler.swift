/// Fills an `Event` from JSON values one field at a time, then settles what only the whole
/// line decides (its time, its outcome). Shared by every JSON-lines decoder — the MCP
/// service's own format and producers read through a field mapping — so that a field means
/// the same, and is checked the same, whoever wrote it.
///
/// Values are spans of the line (`JSONValue`); strings with escapes are unescaped into a
/// reused buffer, only for the fields assigned. Nothing here allocates per line.
struct EventAssembler {
    private let symbols: SymbolTable
    private let trustedProxies: Int
    private var text = JSONTextBuffer()
    /// Reused by `SecretRedaction.resource` for URIs it has to rewrite.
    private var scratch: [UInt8] = []
    private var facts = LineFacts()

    init(context: DecodeContext) {
        symbols = context.symbols
        trustedProxies = context.trustedProxies
    }

    /// What the fields of one line said beyond the event's own fields, to settle its outcome
    /// and time once the whole object is read.
    private struct LineFacts {
        var time: Int64? = nil
        var status = 0
        var errorOutcome: Outcome? = nil
        var levelIsError = false
        var sawErrorCode = false
        var authErrorOutcome: Outcome? = nil
        /// Set by a field mapping's value rules; decides over everything else.
        var mappedOutcome: Outcome? = nil
    }

    /// Starts a line: a fresh event and no facts.
    mutating func begin(_ event: inout Event) {
        event = Event()
        facts = LineFacts()
    }

    /// The outcome a field mapping's value rule decided for this line (it wins over status,
    /// error code and level). The first rule to decide keeps it.
    mutating func decideOutcome(_ outcome: Outcome) {
        if facts.mappedOutcome == nil { facts.mappedOutcome = outcome }
    }

    /// Ends a line: its time (required) and outcome. Precedence: a mapping's value rule, the
    /// service's `error_code`, the HTTP status when it says more than success, the OAuth
    /// error, the JSON-RPC error code, then the level.
    mutating func finish(_ event: inout Event) throws(JSONScanError) {
        guard let time = facts.time else { throw JSONScanError("missing or invalid timestamp") }
        event.time = time
        event.status = Int32(truncatingIfNeeded: facts.status)
        if let mapped = facts.mappedOutcome {
            event.outcome = mapped
        } else if let errorOutcome = facts.errorOutcome {
            event.outcome = errorOutcome
        } else if let byStatus = Outcome(httpStatus: facts.status), byStatus != .success {
            event.outcome = byStatus
        } else if let byAuth = facts.authErrorOutcome {
            event.outcome = byAuth
        } else if event.rpcErrorCode != 0 {
            // MCP over HTTP answers JSON-RPC errors with 200: the code is the outcome.
            event.outcome = Outcome(rpcErrorCode: event.rpcErrorCode)
        } else {
            event.outcome = Outcome(httpStatus: facts.status) ?? (facts.sawErrorCode || facts.levelIsError ? .error : .success)
        }
    }

    /// Assigns one field's value. A value of the wrong kind for the field (an object for a
    /// user, a string that is no number for a status) is skipped or, where reading it wrong
    /// would hide a failure (status, time, JSON-RPC code), makes the line malformed.
    @inline(__always)
    mutating func assign(
        _ field: EventField, _ value: JSONValue, in line: UnsafeRawBufferPointer, to event: inout Event
    ) throws(JSONScanError) {
        switch field {
        case .tool: event.tool = try intern(value, line)
        case .level:
            if case let .string(string) = value {
                facts.levelIsError = try text.withText(string, in: line) { level in
                    level.count == 5 && (level.hasPrefix("ERROR") || level.hasPrefix("error"))
                }
            }
        case .userID: event.user = try intern(value, line)
        case .timestamp:
            facts.time = try parseTime(value, line)
            if facts.time == nil { throw JSONScanError("invalid timestamp") }
        case .operation: event.operation = try intern(value, line)
        case .clientIP:
            if case let .string(string) = value {
                let proxies = trustedProxies
                let symbols = symbols
                try text.withText(string, in: line) { client in
                    if let address = IPAddress.parseClient(client, trustedProxies: proxies) {
                        event.clientIP = address
                    } else if !client.isEmpty {
                        event.remoteHost = symbols.intern(client)
                    }
                }
            }
        case .requestID:
            switch value {
            case let .string(string): event.requestID = try text.withText(string, in: line) { InlineText($0) }
            case let .number(start, end): event.requestID = InlineText(line.slice(start, end))
            default: break
            }
        case .errorCode:
            switch value {
            case let .string(string):
                try text.withText(string, in: line) { code in
                    if !code.isEmpty {
                        facts.sawErrorCode = true
                        facts.errorOutcome = Outcome(errorCode: code)
                    }
                }
            case .number:
                facts.sawErrorCode = true
            default: break
            }
        case .apiKeyID: event.apiKey = try intern(value, line)
        case .serverName: event.server = try intern(value, line)
        case .statusCode:
            // A status Vigil cannot read is not a success: the line is malformed, and counted.
            guard let status = try integer(value, line, field) else { break }
            guard (0...999).contains(status) else { throw JSONScanError("invalid status_code") }
            facts.status = status
        case .resourceURI:
            // Query strings, fragments, path parameters and URL credentials can hold tokens.
            if case let .string(string) = value {
                let symbols = symbols
                event.resource = try text.withText(string, in: line) { uri in
                    SecretRedaction.resource(uri, symbols: symbols, scratch: &scratch)
                }
            } else {
                event.resource = try intern(value, line)
            }
        case .sessionID:
            switch value {
            case let .string(string): event.session = try text.withText(string, in: line) { SessionKey(id: $0) }
            case let .number(start, end): event.session = SessionKey(id: line.slice(start, end))
            default: break
            }
        case .method: event.method = try intern(value, line)
        case .rpcErrorCode:
            guard let code = try integer(value, line, field) else { break }
            guard code >= Int(Int32.min), code <= Int(Int32.max) else { throw JSONScanError("invalid rpc_error_code") }
            event.rpcErrorCode = Int32(code)
        case .clientName: event.clientName = try intern(value, line)
        case .clientVersion: event.clientVersion = try intern(value, line)
        case .protocolVersion: event.protocolVersion = try intern(value, line)
        case .transport: event.transport = try intern(value, line)
        case .authMethod: event.authMethod = try intern(value, line)
        case .oauthClientID: event.oauthClient = try intern(value, line)
        case .authSubject: event.authSubject = try intern(value, line)
        case .authError:
            event.authError = try intern(value, line)
            if case let .string(string) = value {
                facts.authErrorOutcome = try text.withText(string, in: line) { Outcome(oauthError: $0) }
            }
        case .userAgent:
            if case let .string(string) = value { event.userAgent = try text.withText(string, in: line) { InlineText($0) } }
        case .bytesOut:
            guard let bytes = try integer(value, line, field) else { break }
            guard bytes >= 0 else { throw JSONScanError("invalid bytes_out") }
            event.bytesOut = Int64(bytes)
        }
    }

    /// A string or number field as a symbol; `.none` for `null`, booleans, objects and arrays.
    private mutating func intern(_ value: JSONValue, _ line: UnsafeRawBufferPointer) throws(JSONScanError) -> Symbol {
        switch value {
        case let .string(string):
            let symbols = symbols
            return try text.withText(string, in: line) { symbols.intern($0) }
        case let .number(start, end): return symbols.intern(line.slice(start, end))
        default: return .none
        }
    }

    /// An integer given as a number or a string of digits (with an optional `-`); `nil` for
    /// `null` or an empty string. Anything else (a fraction, letters, a boolean, an object)
    /// throws: a status or error code Vigil cannot read must not pass for "none".
    private mutating func integer(
        _ value: JSONValue, _ line: UnsafeRawBufferPointer, _ field: EventField
    ) throws(JSONScanError) -> Int? {
        switch value {
        case .null: return nil
        case let .number(start, end):
            guard let number = Self.signedDecimal(line.slice(start, end)) else { throw JSONScanError("invalid \(field.rawValue)") }
            return number
        case let .string(string):
            let number = try text.withText(string, in: line) { digits in Self.signedDecimal(digits) }
            guard let number else { throw JSONScanError("invalid \(field.rawValue)") }
            return number
        default: throw JSONScanError("invalid \(field.rawValue)")
        }
    }

    private static func signedDecimal(_ bytes: UnsafeRawBufferPointer) -> Int? {
        guard let first = bytes.first else { return nil }
        if first == UInt8(ascii: "-") { return bytes.decimal(1, bytes.count).map { -$0 } }
        return bytes.decimal(0, bytes.count)
    }

    private mutating func parseTime(_ value: JSONValue, _ line: UnsafeRawBufferPointer) throws(JSONScanError) -> Int64? {
        switch value {
        case let .string(string):
            return try text.withText(string, in: line) { stamp -> Int64? in
                guard let (millis, end) = EventTime.parseISO8601(stamp), end == stamp.count else { return nil }
                return millis
            }
        case let .number(start, end):
            return Self.epoch(line, start, end)
        default:
            return nil
        }
    }

    /// An epoch in seconds, milliseconds, microseconds or nanoseconds, told apart by magnitude
    /// (a fraction, if any, is dropped). An exponent (`1e19`), a sign or a value past Int64 is
    /// refused: read as digits it would land in 1970 or year 57818.
    private static func epoch(_ line: UnsafeRawBufferPointer, _ start: Int, _ end: Int) -> Int64? {
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
    }
}
