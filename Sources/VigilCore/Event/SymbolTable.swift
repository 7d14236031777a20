#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Interns byte strings into `Symbol`s with an open-addressing table.
///
/// Lookup works directly on the line buffer's bytes, so a value already seen costs a hash and
/// a `memcmp`, never a `String` allocation. The hash (`StableHash.table`) only places entries:
/// ids are handed out in first-seen order.
///
/// One thread interns; others may read (`string(_:)`) the symbols handed to them. `analyze`
/// decodes on one thread and detects on another, so a symbol's bytes never move once written:
/// they live in fixed chunks, and their locations in fixed pages reached through a directory
/// allocated once. A reader only asks for symbols it received through a synchronized hand-off
/// (the batch queue's lock), which orders the writes before its reads. The probe table is the
/// interning thread's alone.
package final class SymbolTable: @unchecked Sendable {
    /// Where a symbol's bytes are. Written once, before the symbol is handed out.
    private struct Entry {
        var base: UnsafePointer<UInt8>?
        var length: Int
    }

    private static let pageBits = 14
    private static let pageSize = 1 << pageBits
    private static let maxPages = 1 << 16
    private static let chunkSize = 1 << 20

    /// Pages of entries; index 0 is the "none" symbol. Zero-filled, so unused pages cost
    /// address space only.
    private let directory: UnsafeMutablePointer<UnsafeMutablePointer<Entry>?>
    private var chunks: [UnsafeMutableRawPointer] = []
    private var chunkFree: UnsafeMutableRawPointer?
    private var chunkLeft = 0
    private var nextID = 1
    /// Open addressing: 0 = empty, else the high 32 bits of the hash above the symbol id, so a
    /// probe that cannot match is rejected without touching the entry or its bytes.
    private var slots: [UInt64]
    private var mask: Int

    package init() {
        // calloc: zero pages the system maps lazily (nil pointers are zero bits).
        directory = calloc(SymbolTable.maxPages, MemoryLayout<UnsafeMutablePointer<Entry>?>.stride)!
            .bindMemory(to: UnsafeMutablePointer<Entry>?.self, capacity: SymbolTable.maxPages)
        slots = [UInt64](repeating: 0, count: 1024)
        mask = 1023
    }

    deinit {
        for p in 0..<SymbolTable.maxPages {
            guard let page = directory[p] else { break }
            free(page)
        }
        free(directory)
        for c in chunks { c.deallocate() }
    }

    package var count: Int { nextID - 1 }

    @inline(__always)
    private func entry(_ id: Int) -> Entry {
        directory[id >> SymbolTable.pageBits]![id & (SymbolTable.pageSize - 1)]
    }

    func intern(_ bytes: UnsafeRawBufferPointer) -> Symbol {
        if bytes.isEmpty { return .none }
        let h = StableHash.table(bytes)
        let tag = h >> 32
        var i = Int(truncatingIfNeeded: h) & mask
        while true {
            let slot = slots[i]
            if slot == 0 { break }
            if slot >> 32 == tag {
                let id = Int(slot & 0xffff_ffff)
                let e = entry(id)
                if e.length == bytes.count && memcmp(e.base!, bytes.baseAddress!, bytes.count) == 0 {
                    return Symbol(id: UInt32(id))
                }
            }
            i = (i + 1) & mask
        }
        let id = add(bytes)
        slots[i] = tag << 32 | UInt64(id)
        if id * 2 > slots.count { grow() }
        return Symbol(id: UInt32(id))
    }

    func intern(_ string: String) -> Symbol {
        var s = string
        return s.withUTF8 { intern(UnsafeRawBufferPointer($0)) }
    }

    /// The string for a symbol; `nil` for `.none`. Safe from a thread other than the interning
    /// one for symbols handed to it (see the type's comment).
    func string(_ symbol: Symbol) -> String? {
        let id = Int(symbol.id)
        guard id != 0, id >> SymbolTable.pageBits < SymbolTable.maxPages, let page = directory[id >> SymbolTable.pageBits] else {
            return nil
        }
        let e = page[id & (SymbolTable.pageSize - 1)]
        guard let base = e.base else { return nil }
        return String(decoding: UnsafeBufferPointer(start: base, count: e.length), as: UTF8.self)
    }

    /// Copies the bytes into a chunk and records the new symbol's entry.
    private func add(_ bytes: UnsafeRawBufferPointer) -> Int {
        let id = nextID
        precondition(id >> SymbolTable.pageBits < SymbolTable.maxPages && id < Int(UInt32.max), "more than a billion distinct symbols")
        if chunkLeft < bytes.count {
            let size = max(SymbolTable.chunkSize, bytes.count)
            let c = UnsafeMutableRawPointer.allocate(byteCount: size, alignment: 8)
            chunks.append(c)
            chunkFree = c
            chunkLeft = size
        }
        let dst = chunkFree!
        dst.copyMemory(from: bytes.baseAddress!, byteCount: bytes.count)
        chunkFree = dst + bytes.count
        chunkLeft -= bytes.count
        let p = id >> SymbolTable.pageBits
        if directory[p] == nil {
            directory[p] = calloc(SymbolTable.pageSize, MemoryLayout<Entry>.stride)!
                .bindMemory(to: Entry.self, capacity: SymbolTable.pageSize)
        }
        directory[p]![id & (SymbolTable.pageSize - 1)] = Entry(
            base: UnsafePointer(dst.assumingMemoryBound(to: UInt8.self)), length: bytes.count)
        nextID += 1
        return id
    }

    private func grow() {
        let old = slots
        slots = [UInt64](repeating: 0, count: old.count * 2)
        mask = slots.count - 1
        for slot in old where slot != 0 {
            // The slot keeps only the hash's high half; the low half placed it, so rehash.
            let e = entry(Int(slot & 0xffff_ffff))
            let h = StableHash.table(UnsafeRawBufferPointer(start: e.base, count: e.length))
            var i = Int(truncatingIfNeeded: h) & mask
            while slots[i] != 0 { i = (i + 1) & mask }
            slots[i] = slot
        }
    }
}
