/// The event fields a JSON log line can fill, named as the MCP service's own format
/// (`mcp-json`) names them. Field mappings for other producers (`sources:` in the policy) name
/// their targets with these same names.
package enum EventField: String, Sendable, CaseIterable {
    case timestamp
    case level
    case operation
    case serverName = "server_name"
    case clientIP = "client_ip"
    case requestID = "request_id"
    case statusCode = "status_code"
    case errorCode = "error_code"
    case tool = "tool_name"
    case userID = "user_id"
    case apiKeyID = "api_key_id"
    case resourceURI = "resource_uri"
    case sessionID = "session_id"
    case method
    case rpcErrorCode = "rpc_error_code"
    case clientName = "client_name"
    case clientVersion = "client_version"
    case protocolVersion = "protocol_version"
    case transport
    case authMethod = "auth_method"
    case oauthClientID = "oauth_client_id"
    case authSubject = "auth_subject"
    case authError = "auth_error"
    case userAgent = "user_agent"
    case bytesOut = "bytes_out"

    /// The field a key of the MCP service's own format names; `nil` for keys Vigil skips.
    /// Matched on length first: one comparison rejects most names (it runs once per key on
    /// the hot path).
    @inline(__always)
    init?(mcpKey name: UnsafeRawBufferPointer) {
        switch name.count {
        case 4: if name.hasPrefix("tool") { self = .tool } else { return nil }
        case 5: if name.hasPrefix("level") { self = .level } else { return nil }
        case 6: if name.hasPrefix("method") { self = .method } else { return nil }
        case 7: if name.hasPrefix("user_id") { self = .userID } else { return nil }
        case 9:
            if name.hasPrefix("timestamp") {
                self = .timestamp
            } else if name.hasPrefix("operation") {
                self = .operation
            } else if name.hasPrefix("tool_name") {
                self = .tool
            } else if name.hasPrefix("client_ip") {
                self = .clientIP
            } else if name.hasPrefix("transport") {
                self = .transport
            } else if name.hasPrefix("bytes_out") {
                self = .bytesOut
            } else {
                return nil
            }
        case 10:
            if name.hasPrefix("request_id") {
                self = .requestID
            } else if name.hasPrefix("error_code") {
                self = .errorCode
            } else if name.hasPrefix("api_key_id") {
                self = .apiKeyID
            } else if name.hasPrefix("session_id") {
                self = .sessionID
            } else if name.hasPrefix("auth_error") {
                self = .authError
            } else if name.hasPrefix("user_agent") {
                self = .userAgent
            } else {
                return nil
            }
        case 11:
            if name.hasPrefix("server_name") {
                self = .serverName
            } else if name.hasPrefix("status_code") {
                self = .statusCode
            } else if name.hasPrefix("client_name") {
                self = .clientName
            } else if name.hasPrefix("auth_method") {
                self = .authMethod
            } else {
                return nil
            }
        case 12:
            if name.hasPrefix("resource_uri") {
                self = .resourceURI
            } else if name.hasPrefix("auth_subject") {
                self = .authSubject
            } else {
                return nil
            }
        case 14:
            if name.hasPrefix("rpc_error_code") {
                self = .rpcErrorCode
            } else if name.hasPrefix("client_version") {
                self = .clientVersion
            } else {
                return nil
            }
        case 15: if name.hasPrefix("oauth_client_id") { self = .oauthClientID } else { return nil }
        case 16: if name.hasPrefix("protocol_version") { self = .protocolVersion } else { return nil }
        default: return nil
        }
    }
}
