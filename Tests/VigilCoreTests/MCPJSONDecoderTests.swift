import Testing

@testable import VigilCore

@Suite struct MCPJSONDecoderTests {
    @Test func decodesPlanFields() {
        let line =
            #"{"timestamp":"2026-11-05T09:01:00.250Z","level":"WARN","service":"mcp-service","operation":"execute_tool","server_name":"mcp-github","client_ip":"198.51.100.40","request_id":"req-1","duration_ms":12.5,"status_code":403,"error_code":"KEY_REVOKED","message":"no","tool_name":"delete_repo","resource_uri":null,"user_id":"u_1","api_key_id":"key_7f3a"}"#
        let (r, e, s) = decodeLine(line, .mcpJSON)
        #expect(r == .event)
        #expect(e.time == ms("2026-11-05T09:01:00.250Z"))
        #expect(e.outcome == .forbidden)
        #expect(e.status == 403)
        #expect(s.string(e.server) == "mcp-github")
        #expect(s.string(e.tool) == "delete_repo")
        #expect(s.string(e.apiKey) == "key_7f3a")
        #expect(s.string(e.user) == "u_1")
        #expect(s.string(e.operation) == "execute_tool")
        #expect(e.requestID.string == "req-1")
        #expect(e.clientIP == IPAddress("198.51.100.40"))
        #expect(e.resource.isNone)
    }

    @Test func fieldOrderEscapesNestingAndNulls() {
        let line =
            #"{ "extra" : {"a":[1,{"b":"}\"]"}]}, "tool_name":"s\u00e9\"q\\", "status_code":"200", "timestamp":1762333260, "user_id":null }"#
        let (r, e, s) = decodeLine(line, .mcpJSON)
        #expect(r == .event)
        #expect(s.string(e.tool) == "sé\"q\\")
        #expect(e.status == 200 && e.outcome == .success)
        #expect(e.time == 1_762_333_260_000)
        #expect(e.user.isNone)
    }

    @Test func outcomes() {
        func outcome(_ fields: String) -> Outcome {
            decodeLine(#"{"timestamp":"2026-11-05T09:00:00Z","# + fields + "}", .mcpJSON).1.outcome
        }
        #expect(outcome(#""status_code":401"#) == .authFailure)
        #expect(outcome(#""error_code":"MISSING_CREDENTIALS""#) == .authFailure)
        #expect(outcome(#""status_code":200,"error_code":"PERMISSION_DENIED""#) == .forbidden)
        #expect(outcome(#""status_code":429"#) == .rateLimited)
        #expect(outcome(#""error_code":"INVALID_PARAMS""#) == .invalidInput)
        #expect(outcome(#""status_code":422"#) == .invalidInput)
        #expect(outcome(#""status_code":503"#) == .error)
        #expect(outcome(#""error_code":"TOOL_TIMEOUT""#) == .error)
        #expect(outcome(#""level":"ERROR""#) == .error)
        #expect(outcome(#""status_code":200"#) == .success)
    }

    @Test func malformedLinesSayWhy() {
        let cases: [(String, String)] = [
            (#"{"timestamp":"2026-11-05T09:00:00Z","status_code":200"#, "truncated JSON"),
            ("not json", "not a JSON object"),
            (#"{"status_code":200}"#, "missing or invalid timestamp"),
            (#"{"timestamp":"yesterday"}"#, "invalid timestamp"),
            (#"{"timestamp":"2026-11-05T09:00:00Z"} trailing"#, "data after the JSON object"),
            ("{\"timestamp\":\"2026-11-05T09:00:00Z\",\"tool_name\":\"a\u{01}b\"}", "control character in a JSON string"),
            (
                #"{"timestamp":"2026-11-05T09:00:00Z","x":"# + String(repeating: "[", count: 100) + String(repeating: "]", count: 100)
                    + "}", "JSON nested too deeply"
            ),
            (#"{"timestamp":"2026-11-05T09:00:00Z","tool_name":"\q"}"#, "bad escape"),
        ]
        for (line, reason) in cases {
            #expect(decodeLine(line, .mcpJSON).0 == .malformed(reason), "\(line)")
        }
    }

    @Test func maskedOrNamedClientsAreKeptAsHosts() {
        let (_, e, s) = decodeLine(#"{"timestamp":"2026-11-05T09:00:00Z","client_ip":"203.0.113.x"}"#, .mcpJSON)
        #expect(e.clientIP == nil)
        #expect(s.string(e.remoteHost) == "203.0.113.x")
    }
}

@Suite struct CombinedLogDecoderTests {
    @Test func decodesCombinedLines() {
        let (r, e, s) = decodeLine(
            #"192.0.2.200 - admin [05/Nov/2026:08:01:08 +0100] "POST /admin/login?token=SECRET HTTP/1.1" 401 64 "-" "python-requests/2.31""#,
            .combined)
        #expect(r == .event)
        #expect(e.outcome == .authFailure)
        #expect(e.time == ms("2026-11-05T07:01:08Z"))
        #expect(s.string(e.user) == "admin")
        #expect(s.string(e.operation) == "POST")
        #expect(s.string(e.resource) == "/admin/login", "the query string (with its token) is never kept")
        #expect(
            decodeLine(#"192.0.2.201 - - [05/Nov/2026:08:05:00 +0000] "GET /.git/config HTTP/1.1" 403 153 "-" "curl""#, .combined).1.outcome
                == .forbidden)
        #expect(decodeLine(#"::1 - - [05/Nov/2026:08:05:00 +0000] "GET / HTTP/1.1" 429 0"#, .combined).1.outcome == .rateLimited)
        // a truncated user agent still decodes: status and time are before it
        #expect(
            decodeLine(#"192.0.2.1 - - [05/Nov/2026:08:05:00 +0000] "GET / HTTP/1.1" 200 1 "-" "Mozilla/5.0 (trunc"#, .combined).0 == .event
        )
        let escaped = decodeLine(#"192.0.2.31 - - [05/Nov/2026:09:06:00 +0000] "GET /a\"b HTTP/1.1" 400 157 "-" "-""#, .combined)
        #expect(escaped.0 == .event && escaped.1.outcome == .invalidInput)
    }

    @Test func malformed() {
        #expect(decodeLine("this line is not an access log line at all", .combined).0 == .malformed("no [time] in access log line"))
        #expect(
            decodeLine(#"192.0.2.1 - - [05/Nov/2026:08:05:00 +0000] "GET / HTTP/1.1" abc 1"#, .combined).0
                == .malformed("bad status in access log line"))
    }
}

/// The word-at-a-time check behind the decoder's fast path agrees with a byte loop.
@Suite struct PlainStringScanTests {
    @Test func plainAgreesWithAByteLoop() {
        var rng = SeededRandom(seed: 99)
        let alphabet: [UInt8] = Array("abcXYZ09 -_:/.é".utf8) + [0x5C, 0x00, 0x1F, 0x20, 0x7F, 0x80, 0xFF, 0x22]
        for _ in 0..<20_000 {
            let n = Int.random(in: 0...40, using: &rng)
            var bytes = (0..<n).map { _ in alphabet.randomElement(using: &rng)! }
            if Bool.random(using: &rng) { bytes = bytes.map { $0 == 0x5C || $0 < 0x20 ? 0x61 : $0 } }  // many clean strings too
            let expected = !bytes.contains { $0 == 0x5C || $0 < 0x20 }
            bytes.withUnsafeBytes { b in
                let from = n > 2 ? Int.random(in: 0...2, using: &rng) : 0
                let slice = Array(bytes[from...])
                let exp = !slice.contains { $0 == 0x5C || $0 < 0x20 }
                #expect(JSONObjectScanner.isPlain(b, from, n) == exp)
                _ = expected
            }
        }
    }
}

@Suite struct MCPProtocolFieldTests {
    @Test func decodesEveryProtocolField() {
        let line =
            #"{"timestamp":"2026-11-05T09:00:00Z","client_ip":"192.0.2.1","method":"tools/call","session_id":"9b1c-77","rpc_error_code":-32602,"client_name":"claude-code","client_version":"1.2.0","protocol_version":"2025-06-18","transport":"streamable-http","auth_method":"oauth2","oauth_client_id":"oc_1","auth_subject":"alice","auth_error":null,"user_agent":"agent/1","bytes_out":"1234","status_code":200}"#
        let (result, event, symbols) = decodeLine(line, .mcpJSON)
        #expect(result == .event)
        #expect(event.session == SessionKey(id: "9b1c-77"))
        #expect(symbols.string(event.method) == "tools/call")
        #expect(event.rpcErrorCode == -32602)
        #expect(symbols.string(event.clientName) == "claude-code")
        #expect(symbols.string(event.clientVersion) == "1.2.0")
        #expect(symbols.string(event.protocolVersion) == "2025-06-18")
        #expect(symbols.string(event.transport) == "streamable-http")
        #expect(symbols.string(event.authMethod) == "oauth2")
        #expect(symbols.string(event.oauthClient) == "oc_1")
        #expect(symbols.string(event.authSubject) == "alice")
        #expect(event.authError.isNone)
        #expect(event.userAgent.string == "agent/1")
        #expect(event.bytesOut == 1234)
        // JSON-RPC answers errors with HTTP 200: the code decides.
        #expect(event.outcome == .invalidInput)
    }

    @Test func protocolOutcomes() {
        func outcome(_ fields: String) -> Outcome {
            decodeLine(#"{"timestamp":"2026-11-05T09:00:00Z","# + fields + "}", .mcpJSON).1.outcome
        }
        #expect(outcome(#""status_code":200,"rpc_error_code":-32601"#) == .invalidInput)
        #expect(outcome(#""status_code":200,"rpc_error_code":-32603"#) == .error)
        #expect(outcome(#""auth_error":"insufficient_scope""#) == .forbidden)
        #expect(outcome(#""auth_error":"invalid_token""#) == .authFailure)
        // A status that says more than success wins over the protocol's codes.
        #expect(outcome(#""status_code":401,"auth_error":"insufficient_scope""#) == .authFailure)
        #expect(outcome(#""status_code":429,"rpc_error_code":-32602"#) == .rateLimited)
        #expect(outcome(#""status_code":200,"error_code":"PERMISSION_DENIED","rpc_error_code":-32602"#) == .forbidden)
    }

    @Test func unreadableNumbersAreMalformedNotZero() {
        for field in ["rpc_error_code", "bytes_out", "status_code"] {
            let line = #"{"timestamp":"2026-11-05T09:00:00Z",""# + field + #"":"lots"}"#
            let (result, _, _) = decodeLine(line, .mcpJSON)
            #expect(result == .malformed("invalid " + field))
        }
        let negative = decodeLine(#"{"timestamp":"2026-11-05T09:00:00Z","bytes_out":-5}"#, .mcpJSON).0
        #expect(negative == .malformed("invalid bytes_out"))
    }

    @Test func sessionIdsAreFingerprintsThatReadBack() {
        let key = SessionKey(id: "0f3e9a7c-5b1d-4c8e-9a2f-6d4b3c2a1e0f")
        let other = SessionKey(id: "0f3e9a7c-5b1d-4c8e-9a2f-6d4b3c2a1e0e")
        #expect(key != other && !key.isNone)
        #expect(!key.description.contains("0f3e9a7c"))
        #expect(SessionKey(text: key.description) == key)
        #expect(SessionKey(id: "").isNone)
        let symbols = SymbolTable()
        let subject = Subject.session(key)
        #expect(Subject(kind: subject.kind, text: subject.text(symbols), symbols: symbols) == subject)
        var writer = BinaryWriter()
        subject.write(to: &writer, symbols)
        var reader = BinaryReader(writer.bytes)
        let readBack = try? Subject.read(from: &reader, symbols)
        #expect(readBack == subject)
    }
}
