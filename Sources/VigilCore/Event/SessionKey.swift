/// An MCP session id reduced to a 64-bit fingerprint.
///
/// Why not the id itself: the MCP specification treats `Mcp-Session-Id` as something an
/// attacker must not learn (a known id lets them speak in the session), so Vigil never keeps,
/// stores or prints it; and one interned string per session would grow memory with every
/// session of a long-running `tail`. The fingerprint is stable across processes and versions
/// (state and findings name it), and FNV-1a followed by a full-avalanche finalizer so that
/// ids differing in one character land far apart.
package struct SessionKey: Hashable, Sendable, CustomStringConvertible {
    package let value: UInt64
    package static let none = SessionKey(value: 0)
    package var isNone: Bool { value == 0 }

    package init(value: UInt64) { self.value = value }

    /// The fingerprint of a session id's bytes; `.none` for an empty id.
    package init(id bytes: UnsafeRawBufferPointer) {
        guard !bytes.isEmpty else {
            self = .none
            return
        }
        var hash = StableHash.fnv1a(bytes, seed: 0x6d63_7073_6573_7331)  // "mcpsess1"
        // splitmix64's finalizer: every input bit reaches every output bit.
        hash = (hash ^ (hash >> 30)) &* 0xBF58_476D_1CE4_E5B9
        hash = (hash ^ (hash >> 27)) &* 0x94D0_49BB_1331_11EB
        hash ^= hash >> 31
        value = hash == 0 ? 1 : hash
    }

    package init(id: String) {
        var text = id
        self = text.withUTF8 { SessionKey(id: UnsafeRawBufferPointer($0)) }
    }

    /// `s-` and 16 hex digits: what decode output, evidence, findings and reports show (and
    /// what `init?(text:)` reads back, so a finding's subject names the session exactly).
    package var description: String {
        let hex = String(value, radix: 16)
        return "s-" + String(repeating: "0", count: 16 - hex.count) + hex
    }

    /// Reads `description` back; `nil` for anything else.
    package init?(text: String) {
        guard text.count == 18, text.hasPrefix("s-"), let value = UInt64(text.dropFirst(2), radix: 16), value != 0 else {
            return nil
        }
        self.value = value
    }
}
