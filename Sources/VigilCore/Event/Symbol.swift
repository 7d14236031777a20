/// A small integer standing for an interned string (user, API key id, server, tool, ...).
///
/// Events carry symbols instead of `String`s so that decoding a line allocates nothing and
/// detectors key their state by integers. `0` means "absent".
package struct Symbol: Hashable, Sendable {
    package let id: UInt32
    package static let none = Symbol(id: 0)
    var isNone: Bool { id == 0 }
}
