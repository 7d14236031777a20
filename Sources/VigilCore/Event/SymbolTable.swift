#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Interns byte strings into `Symbol`s with an open-addressing table.
///
/// Lookup works directly on the line buffer's bytes, so a value already seen costs a hash and
/// a `memcmp`, never a `String` allocation. Strings are materialized lazily for output. The
/// hash is FNV-1a.
public final class SymbolTable {
    /// Where each symbol's bytes are in `arena`; index 0 is the "none" symbol.
    private struct Entry {
        var start: UInt32
        var length: UInt32
    }

    private var arena: [UInt8] = []
    private var entries: [Entry] = [Entry(start: 0, length: 0)]
    /// Open addressing: 0 = empty, else the high 32 bits of the hash above the symbol id, so a
    /// probe that cannot match is rejected without touching the entry or the arena (interning
    /// was 13% of an MCP analysis's cycles, mostly cache misses across parallel arrays).
    private var slots: [UInt64]
    private var mask: Int
    private var strings: [String?] = [nil]

    public init() {
        slots = [UInt64](repeating: 0, count: 1024)
        mask = 1023
        arena.reserveCapacity(1 << 16)
    }

    public var count: Int { entries.count - 1 }

    public func intern(_ bytes: UnsafeRawBufferPointer) -> Symbol {
        if bytes.isEmpty { return .none }
        let h = StableHash.fnv1a(bytes)
        let tag = h >> 32
        var i = Int(truncatingIfNeeded: h) & mask
        while true {
            let slot = slots[i]
            if slot == 0 { break }
            if slot >> 32 == tag {
                let id = Int(slot & 0xffff_ffff)
                let e = entries[id]
                if Int(e.length) == bytes.count {
                    let equal = arena.withUnsafeBufferPointer { a in
                        memcmp(a.baseAddress! + Int(e.start), bytes.baseAddress!, bytes.count) == 0
                    }
                    if equal { return Symbol(id: UInt32(id)) }
                }
            }
            i = (i + 1) & mask
        }
        let id = UInt32(entries.count)
        entries.append(Entry(start: UInt32(arena.count), length: UInt32(bytes.count)))
        strings.append(nil)
        arena.append(contentsOf: bytes)
        slots[i] = tag << 32 | UInt64(id)
        if entries.count * 2 > slots.count { grow() }
        return Symbol(id: id)
    }

    public func intern(_ string: String) -> Symbol {
        var s = string
        return s.withUTF8 { intern(UnsafeRawBufferPointer($0)) }
    }

    /// The string for a symbol; `nil` for `.none`.
    public func string(_ symbol: Symbol) -> String? {
        let id = Int(symbol.id)
        if id == 0 || id >= entries.count { return nil }
        if let s = strings[id] { return s }
        let e = entries[id]
        let s = arena.withUnsafeBufferPointer { a in
            String(decoding: UnsafeBufferPointer(rebasing: a[Int(e.start)..<(Int(e.start) + Int(e.length))]), as: UTF8.self)
        }
        strings[id] = s
        return s
    }

    private func grow() {
        let old = slots
        slots = [UInt64](repeating: 0, count: old.count * 2)
        mask = slots.count - 1
        for slot in old where slot != 0 {
            // The slot keeps only the hash's high half; the low half placed it, so rehash.
            let id = Int(slot & 0xffff_ffff)
            let e = entries[id]
            let h = arena.withUnsafeBytes { StableHash.fnv1a(UnsafeRawBufferPointer(rebasing: $0[Int(e.start)..<(Int(e.start) + Int(e.length))])) }
            var i = Int(truncatingIfNeeded: h) & mask
            while slots[i] != 0 { i = (i + 1) & mask }
            slots[i] = slot
        }
    }
}
