/// A `SampleRef` in binary detector state (`BinaryWriter`), its symbols spelled out as text:
/// symbol ids are this process's, and a restored run interns the text again. The same fields
/// as `StoredSample` (the JSON form older states hold), without `JSONEncoder`'s cost: the burst
/// detector writes a sample for every failure in every client's window at each checkpoint.
extension SampleRef {
    func write(to writer: inout BinaryWriter, _ context: DetectionContext) {
        writer.string(Int(input) < context.inputNames.count ? context.inputNames[Int(input)] : "")
        writer.i64(line)
        writer.i64(time)
        Self.write(user, to: &writer, context)
        Self.write(operation, to: &writer, context)
        Self.write(target, to: &writer, context)
        Self.write(server, to: &writer, context)
        Self.write(apiKey, to: &writer, context)
        writer.u32(UInt32(bitPattern: status))
        writer.u8(outcome.rawValue)
        writer.string(requestID.isEmpty ? "" : requestID.string)
        writer.u32(attempts)
    }

    static func read(from reader: inout BinaryReader, _ context: DetectionContext) throws -> SampleRef {
        let input = context.inputIndex(named: try reader.string())
        let line = try reader.i64()
        let time = try reader.i64()
        let user = try readSymbol(&reader, context)
        let operation = try readSymbol(&reader, context)
        let target = try readSymbol(&reader, context)
        let server = try readSymbol(&reader, context)
        let apiKey = try readSymbol(&reader, context)
        let status = Int32(bitPattern: try reader.u32())
        guard let outcome = Outcome(rawValue: try reader.u8()) else { throw BinaryReader.Truncated() }
        let requestID = try reader.string()
        return SampleRef(
            input: input, line: line, time: time, user: user, operation: operation, target: target, status: status,
            outcome: outcome, requestID: requestID.isEmpty ? InlineText() : InlineText(requestID), attempts: try reader.u32(),
            server: server, apiKey: apiKey)
    }

    /// A symbol as a presence byte and its text (none: 0).
    private static func write(_ symbol: Symbol, to writer: inout BinaryWriter, _ context: DetectionContext) {
        guard let text = context.string(symbol) else {
            writer.u8(0)
            return
        }
        writer.u8(1)
        writer.string(text)
    }

    private static func readSymbol(_ reader: inout BinaryReader, _ context: DetectionContext) throws -> Symbol {
        switch try reader.u8() {
        case 0: return .none
        case 1: return context.symbols.intern(try reader.string())
        default: throw BinaryReader.Truncated()
        }
    }
}
