/// Decodes the MCP service's JSON log lines: a `JSONObjectScanner` walks the fields, and only
/// the fields Vigil uses are materialized.
///
/// One object per line; fields in any order; unknown fields (including nested objects and
/// arrays) skipped; `null` allowed anywhere. Strings with escapes are unescaped into a reused
/// `JSONTextBuffer`, only for the fields read here.
final class MCPJSONDecoder: LineDecoder {
    let format = LogFormat.mcpJSON
    private var assembler: EventAssembler
    private var text = JSONTextBuffer()

    init(context: DecodeContext) {
        assembler = EventAssembler(context: context)
    }

    func decode(_ line: UnsafeRawBufferPointer, into event: inout Event) -> DecodeResult {
        do {
            var scanner = try JSONObjectScanner(line)
            assembler.begin(&event)
            while let field = try scanner.nextField() {
                // Keys are plain ASCII in practice: only an escaped key pays for unescaping.
                guard let target = try text.withText(field.key, in: line, { EventField(mcpKey: $0) }) else { continue }
                try assembler.assign(target, field.value, in: line, to: &event)
            }
            try assembler.finish(&event)
            return .event
        } catch {
            return .malformed(error.reason)
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

    /// The outcome of a JSON-RPC error code: the client's own mistakes (parse error, invalid
    /// request, method not found, invalid params) are invalid input; the rest are errors.
    init(rpcErrorCode code: Int32) {
        switch code {
        case -32700, -32600, -32601, -32602: self = .invalidInput
        default: self = .error
        }
    }

    /// The outcome of an OAuth 2.0 bearer-token error (RFC 6750 §3.1, RFC 8707): a token
    /// refused is an authentication failure, a token short of scope a refusal; `nil` for
    /// anything else.
    init?(oauthError b: UnsafeRawBufferPointer) {
        switch String(decoding: b, as: UTF8.self).lowercased() {
        case "invalid_token", "invalid_audience", "invalid_client", "invalid_grant", "unauthorized_client", "invalid_request":
            self = .authFailure
        case "insufficient_scope", "access_denied":
            self = .forbidden
        default: return nil
        }
    }
}
