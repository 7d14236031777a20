#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Interns byte strings into `Symbol`s with an open-addressing table hashed by FNV-1a.
///
/// Lookup works directly on the line buffer's bytes, so a value already seen costs a hash and
/// a `memcmp`, never a `String` allocation. Strings are materialized lazily for output.
public final class SymbolTable {
    private var arena: [UInt8] = []
    private var starts: [Int] = [0]      // index 0 is the "none" symbol
    private var lengths: [Int] = [0]
    private var hashes: [UInt64] = [0]
    private var slots: [UInt32]          // 0 = empty, else symbol id
    private var mask: Int
    private var strings: [String?] = [nil]

    public init() {
        slots = [UInt32](repeating: 0, count: 1024)
        mask = 1023
        arena.reserveCapacity(1 << 16)
    }

    public var count: Int { starts.count - 1 }

    public func intern(_ bytes: UnsafeRawBufferPointer) -> Symbol {
        if bytes.isEmpty { return .none }
        let h = StableHash.fnv1a(bytes)
        var i = Int(truncatingIfNeeded: h) & mask
        while true {
            let s = slots[i]
            if s == 0 { break }
            let id = Int(s)
            if hashes[id] == h && lengths[id] == bytes.count {
                let equal = arena.withUnsafeBufferPointer { a in
                    memcmp(a.baseAddress! + starts[id], bytes.baseAddress!, bytes.count) == 0
                }
                if equal { return Symbol(id: s) }
            }
            i = (i + 1) & mask
        }
        let id = UInt32(starts.count)
        starts.append(arena.count)
        lengths.append(bytes.count)
        hashes.append(h)
        strings.append(nil)
        arena.append(contentsOf: bytes)
        slots[i] = id
        if starts.count * 2 > slots.count { grow() }
        return Symbol(id: id)
    }

    public func intern(_ string: String) -> Symbol {
        var s = string
        return s.withUTF8 { intern(UnsafeRawBufferPointer($0)) }
    }

    /// The string for a symbol; `nil` for `.none`.
    public func string(_ symbol: Symbol) -> String? {
        let id = Int(symbol.id)
        if id == 0 || id >= starts.count { return nil }
        if let s = strings[id] { return s }
        let s = arena.withUnsafeBufferPointer { a in
            String(decoding: UnsafeBufferPointer(rebasing: a[starts[id]..<(starts[id] + lengths[id])]), as: UTF8.self)
        }
        strings[id] = s
        return s
    }

    private func grow() {
        let newSize = slots.count * 2
        slots = [UInt32](repeating: 0, count: newSize)
        mask = newSize - 1
        for id in 1..<starts.count {
            var i = Int(truncatingIfNeeded: hashes[id]) & mask
            while slots[i] != 0 { i = (i + 1) & mask }
            slots[i] = UInt32(id)
        }
    }
}
