/// Subjects in detector state written with `BinaryWriter`: the SSH rules save hundreds of
/// thousands of clients at a checkpoint, and `JSONEncoder` with every address spelled out took
/// a quarter of a run on the sshd benchmark.
extension Subject {
    private var tag: UInt8 {
        switch self {
        case .ip: 0
        case .network: 1
        case .host: 2
        case .apiKey: 3
        case .user: 4
        case .server: 5
        case .session: 6
        case .oauthClient: 7
        }
    }

    /// Writes the subject: a tag, then 16 address bytes (and a prefix length), or a name.
    func write(to writer: inout BinaryWriter, _ symbols: SymbolTable) {
        writer.u8(tag)
        switch self {
        case let .ip(address):
            writer.u64(UInt64(truncatingIfNeeded: address.raw >> 64))
            writer.u64(UInt64(truncatingIfNeeded: address.raw))
        case let .network(address, length):
            writer.u64(UInt64(truncatingIfNeeded: address.raw >> 64))
            writer.u64(UInt64(truncatingIfNeeded: address.raw))
            writer.u8(length)
        case let .host(s), let .apiKey(s), let .user(s), let .server(s), let .oauthClient(s):
            writer.string(symbols.string(s) ?? "")
        case let .session(key):
            writer.u64(key.value)
        }
    }

    /// Reads what `write(to:_:)` wrote; throws on truncated or unknown data.
    static func read(from reader: inout BinaryReader, _ symbols: SymbolTable) throws -> Subject {
        let tag = try reader.u8()
        switch tag {
        case 0, 1:
            let high = try reader.u64(), low = try reader.u64()
            let address = IPAddress(raw: UInt128(high) << 64 | UInt128(low))
            if tag == 0 { return .ip(address) }
            let length = try reader.u8()
            guard length <= 128 else { throw BinaryReader.Truncated() }
            return .network(address, prefixLength: length)
        case 2: return .host(symbols.intern(try reader.string()))
        case 3: return .apiKey(symbols.intern(try reader.string()))
        case 4: return .user(symbols.intern(try reader.string()))
        case 5: return .server(symbols.intern(try reader.string()))
        case 6:
            let value = try reader.u64()
            guard value != 0 else { throw BinaryReader.Truncated() }
            return .session(SessionKey(value: value))
        case 7: return .oauthClient(symbols.intern(try reader.string()))
        default: throw BinaryReader.Truncated()
        }
    }
}
