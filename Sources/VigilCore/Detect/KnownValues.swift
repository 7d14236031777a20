/// The values a key has used (countries, AS numbers, /24 or /48 networks, tool symbols), each
/// with the minute it was first and last used, in one small buffer: the kind rides in two bits
/// of the value that no kind uses (bits 60–61; IPv6 networks use bit 63 and bits 0–47).
///
/// Each kind has its own cap. When a kind is full, its value unused longest makes room (its
/// slot is overwritten in place); values unused for the forget period count as new again.
///
/// Not copyable, over a raw buffer: it is checked on every request, and an array there cost a
/// retain and a release per check (and a 32-byte header per key).
struct KnownValues: ~Copyable {
    enum Kind: UInt64 {
        case country = 0, asn, network, tool

        var capacity: Int {
            switch self {
            case .country, .asn: return 8
            case .network: return 12
            case .tool: return 16
            }
        }
    }

    struct Entry {
        var tagged: UInt64
        var first: UInt32
        var last: UInt32
    }

    private var base: UnsafeMutablePointer<Entry>?
    private(set) var total: UInt8 = 0
    private var allocated: UInt8 = 0
    private static let kindMask: UInt64 = 3 << 60

    init() {}

    deinit { base?.deallocate() }

    @inline(__always)
    private static func tag(_ kind: Kind, _ value: UInt64) -> UInt64 { value & ~kindMask | kind.rawValue << 60 }

    @inline(__always)
    private static func isKind(_ e: Entry, _ kind: Kind) -> Bool { e.tagged & kindMask == kind.rawValue << 60 }

    func contains(_ kind: Kind, _ value: UInt64) -> Bool {
        let t = KnownValues.tag(kind, value)
        for i in 0..<Int(total) where base![i].tagged == t { return true }
        return false
    }

    func count(_ kind: Kind) -> Int {
        var n = 0
        for i in 0..<Int(total) where KnownValues.isKind(base![i], kind) { n += 1 }
        return n
    }

    func values(_ kind: Kind) -> [UInt64] { entries(kind).map(\.value) }

    /// The kind's values in slot order.
    func entries(_ kind: Kind) -> [(value: UInt64, first: UInt32, last: UInt32)] {
        var out: [(value: UInt64, first: UInt32, last: UInt32)] = []
        for i in 0..<Int(total) where KnownValues.isKind(base![i], kind) {
            out.append((base![i].tagged & ~KnownValues.kindMask, base![i].first, base![i].last))
        }
        return out
    }

    /// Records a use; `true` when the value is new (never seen, or forgotten).
    mutating func touch(_ kind: Kind, _ value: UInt64, minute: UInt32, forgetMinutes: UInt32) -> Bool {
        let t = KnownValues.tag(kind, value)
        var oldest = -1
        var n = 0
        for i in 0..<Int(total) {
            let e = base![i]
            if e.tagged == t {
                let forgotten = minute > e.last && minute - e.last > forgetMinutes
                if forgotten { base![i].first = minute }
                if minute > e.last { base![i].last = minute }
                return forgotten
            }
            if KnownValues.isKind(e, kind) {
                n += 1
                if oldest < 0 || e.last < base![oldest].last { oldest = i }
            }
        }
        if n >= kind.capacity {
            base![oldest] = Entry(tagged: t, first: minute, last: minute)
        } else {
            append(Entry(tagged: t, first: minute, last: minute))
        }
        return true
    }

    /// Room for two more at a time: most keys use a handful of values in all, and doubling
    /// would leave up to half of the storage unused.
    private mutating func append(_ e: Entry) {
        if total == allocated {
            let bigger = UnsafeMutablePointer<Entry>.allocate(capacity: Int(allocated) + 2)
            if let old = base {
                bigger.moveInitialize(from: old, count: Int(total))
                old.deallocate()
            }
            base = bigger
            allocated += 2
        }
        (base! + Int(total)).initialize(to: e)
        total += 1
    }

    mutating func restore(_ kind: Kind, _ v: UInt64, first f: UInt32, last l: UInt32) {
        guard count(kind) < kind.capacity else { return }
        append(Entry(tagged: KnownValues.tag(kind, v), first: f, last: l))
    }
}
