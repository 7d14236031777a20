/// One normalized security-relevant observation: a request, a login attempt, a refusal.
///
/// A small value type: strings are interned `Symbol`s and the client address is an integer,
/// so decoding a line and handing the event through the pipeline allocates nothing.
package struct Event: Sendable {
    /// Event time, milliseconds since the Unix epoch, UTC.
    package var time: Int64 = 0
    var clientIP: IPAddress? = nil
    /// A remote host name when the log gave a name and no address (old PAM `rhost=`).
    var remoteHost: Symbol = .none
    package var user: Symbol = .none
    var apiKey: Symbol = .none
    package var server: Symbol = .none
    package var operation: Symbol = .none
    package var tool: Symbol = .none
    var resource: Symbol = .none
    var requestID: InlineText = InlineText()
    /// HTTP-like status code, 0 when the log had none.
    package var status: Int32 = 0
    package var outcome: Outcome = .success
    /// How many authentication attempts this line stands for. Usually 1; 0 when the line only
    /// repeats an attempt another line of the same connection already counted; N for
    /// syslog's "message repeated N times".
    var attempts: UInt32 = 1
    /// On a successful login: the failures its connection logged for *other* users (sshd
    /// forgets nothing of those; a success after them is the brute force working).
    var failuresBefore: UInt32 = 0
    /// Where the event came from: input index within the run and 1-based line number.
    package var input: Int32 = 0
    package var line: Int64 = 0

    // MCP protocol fields (gateways and MCP servers log them; absent means unknown).

    /// The MCP session (`Mcp-Session-Id`), kept only as a fingerprint: a live session id is
    /// a credential (whoever holds it can speak in the session), and one per session would
    /// grow the symbol table without bound.
    package var session: SessionKey = .none
    /// The JSON-RPC method: `initialize`, `tools/list`, `tools/call`, `resources/read`, ...
    package var method: Symbol = .none
    /// The JSON-RPC error code of the answer (-32601 method not found, -32602 invalid
    /// params, ...); 0 when the answer had none.
    package var rpcErrorCode: Int32 = 0
    /// `initialize`'s `clientInfo`: name and version.
    package var clientName: Symbol = .none
    package var clientVersion: Symbol = .none
    package var protocolVersion: Symbol = .none
    /// `stdio`, `sse`, `streamable-http`.
    package var transport: Symbol = .none
    /// `oauth2`, `api_key`, `mtls`, `none`.
    package var authMethod: Symbol = .none
    package var oauthClient: Symbol = .none
    /// The access token's subject (`sub`).
    package var authSubject: Symbol = .none
    /// The OAuth error of a refused token: `invalid_token`, `insufficient_scope`, ...
    package var authError: Symbol = .none
    /// The HTTP user agent's first 47 bytes, inline rather than interned: a client can send a
    /// new one with every request, and every interned string stays until the process ends.
    package var userAgent: InlineText = InlineText()
    /// Bytes of the answer; 0 when unknown.
    package var bytesOut: Int64 = 0

    package init() {}
}

/// Up to 47 bytes of text stored inline, for per-line values such as request ids that are
/// unique per event and so must not be interned (the interner would grow without bound).
package struct InlineText: Sendable {
    private var storage: (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0, 0, 0)
    package private(set) var count: UInt8 = 0
    static let capacity = 47

    package init() {}

    package init(_ bytes: UnsafeRawBufferPointer) {
        let n = min(bytes.count, InlineText.capacity)
        withUnsafeMutableBytes(of: &storage) { s in
            s.copyMemory(from: UnsafeRawBufferPointer(rebasing: bytes.prefix(n)))
        }
        count = UInt8(n)
    }

    package init(_ string: String) {
        var s = string
        self = s.withUTF8 { InlineText(UnsafeRawBufferPointer($0)) }
    }

    package var isEmpty: Bool { count == 0 }

    var string: String {
        withUnsafeBytes(of: storage) { s in
            String(decoding: UnsafeRawBufferPointer(rebasing: s.prefix(Int(count))), as: UTF8.self)
        }
    }
}
