/// A small integer standing for an interned string (user, API key id, server, tool, ...).
///
/// Events carry symbols instead of `String`s so that decoding a line allocates nothing and
/// detectors key their state by integers. `0` means "absent".
public struct Symbol: Hashable, Sendable {
    public let id: UInt32
    public static let none = Symbol(id: 0)
    public var isNone: Bool { id == 0 }
}
