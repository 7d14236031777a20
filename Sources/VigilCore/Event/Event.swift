/// One normalized security-relevant observation: a request, a login attempt, a refusal.
///
/// A small value type: strings are interned `Symbol`s and the client address is an integer,
/// so decoding a line and handing the event through the pipeline allocates nothing.
public struct Event: Sendable {
    /// Event time, milliseconds since the Unix epoch, UTC.
    public var time: Int64 = 0
    public var clientIP: IPAddress? = nil
    /// A remote host name when the log gave a name and no address (old PAM `rhost=`).
    public var remoteHost: Symbol = .none
    public var user: Symbol = .none
    public var apiKey: Symbol = .none
    public var server: Symbol = .none
    public var operation: Symbol = .none
    public var tool: Symbol = .none
    public var resource: Symbol = .none
    public var requestID: InlineText = InlineText()
    /// HTTP-like status code, 0 when the log had none.
    public var status: Int32 = 0
    public var outcome: Outcome = .success
    /// How many authentication attempts this line stands for. Usually 1; 0 when the line only
    /// repeats an attempt another line of the same connection already counted; N for
    /// syslog's "message repeated N times".
    public var attempts: UInt32 = 1
    /// Where the event came from: input index within the run and 1-based line number.
    public var input: Int32 = 0
    public var line: Int64 = 0

    public init() {}
}

/// Up to 47 bytes of text stored inline, for per-line values such as request ids that are
/// unique per event and so must not be interned (the interner would grow without bound).
public struct InlineText: Sendable {
    private var storage: (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0, 0, 0)
    public private(set) var count: UInt8 = 0
    public static let capacity = 47

    public init() {}

    public init(_ bytes: UnsafeRawBufferPointer) {
        let n = min(bytes.count, InlineText.capacity)
        withUnsafeMutableBytes(of: &storage) { s in
            s.copyMemory(from: UnsafeRawBufferPointer(rebasing: bytes.prefix(n)))
        }
        count = UInt8(n)
    }

    public init(_ string: String) {
        var s = string
        self = s.withUTF8 { InlineText(UnsafeRawBufferPointer($0)) }
    }

    public var isEmpty: Bool { count == 0 }

    public var string: String {
        withUnsafeBytes(of: storage) { s in
            String(decoding: UnsafeRawBufferPointer(rebasing: s.prefix(Int(count))), as: UTF8.self)
        }
    }
}
