import Foundation

/// One input being read: source → lines → decoder → events, with its statistics and the
/// offset bookkeeping that lets a later run continue after the last line analyzed.
final class EventStream {
    let index: Int32
    let source: InputSource
    private(set) var reader: LineReader
    let decoder: LineDecoder
    var stats: InputStats
    var record: InputRecord?
    let strict: Bool
    private var malformedBefore: Int64 = 0

    /// The next event, decoded ahead so the merge can compare times.
    private(set) var head: Event?
    /// Offset and line count just before the head event's line: where a checkpoint resumes.
    private(set) var resumeOffset: Int64 = 0
    private(set) var resumeLines: Int64 = 0
    private(set) var lastEventTime: Int64?

    struct Options {
        var format: LogFormat = .auto
        var fixedYear: Int?
        var strict = false
        var now: Int64
        var maxLineLength = LineReader.defaultMaxLineLength
    }

    /// Opens an input, recognizes it among `known` inputs by fingerprint to resume it, and
    /// picks its decoder (sniffing when the format is `auto`).
    init(path: String, index: Int32, symbols: SymbolTable, options: Options, known: [InputRecord]) throws {
        self.index = index
        self.strict = options.strict
        source = try InputSource(path: path)
        stats = InputStats(path: source.displayName)
        reader = LineReader(source: source, maxLineLength: options.maxLineLength)
        let prefix = try reader.peek(InputRecord.fingerprintBytes)
        var format = options.format
        var startOffset: Int64 = 0
        var startLines: Int64 = 0
        if !source.isStdin && prefix.count > 0 {
            let match = known.first { r in
                r.fingerprintLength <= prefix.count && r.fingerprintLength > 0
                    && EventStream.fingerprint(UnsafeRawBufferPointer(rebasing: prefix.prefix(r.fingerprintLength))) == r.fingerprint
            }
            let fp = EventStream.fingerprint(prefix)
            var rec = InputRecord(fingerprint: fp, fingerprintLength: prefix.count, path: path, device: source.device,
                                  inode: source.inode, size: source.size, offset: 0, lines: 0, format: "",
                                  malformed: 0, lastEventTime: nil, updatedAt: options.now, decoderState: nil)
            if let m = match, m.offset > 0, source.isCompressed || source.size >= m.offset {
                rec.fingerprint = m.fingerprint
                rec.fingerprintLength = m.fingerprintLength
                rec.offset = m.offset
                rec.lines = m.lines
                rec.malformed = m.malformed
                rec.lastEventTime = m.lastEventTime
                rec.decoderState = m.decoderState
                startOffset = m.offset
                startLines = m.lines
                if format == .auto, let f = LogFormat(rawValue: m.format), f != .auto { format = f }
            }
            record = rec
        }
        let context = DecodeContext(symbols: symbols, yearAnchor: min(source.modificationTime ?? options.now, options.now),
                                    fixedYear: options.fixedYear)
        if format == .auto {
            if let sniffed = context.sniff(prefix) {
                format = sniffed
            } else if prefix.isEmpty {
                format = .sshd   // an empty input: nothing to decode either way
            } else {
                throw VigilError.input(path: source.displayName, reason: "format not recognized from its first lines",
                                       hint: "Pass --format mcp-json, sshd or combined; `vigil decode --format X FILE` shows how each line is read.")
            }
        }
        decoder = context.makeDecoder(format)!
        if startOffset > 0, let state = record?.decoderState { decoder.loadState(state) }
        stats.format = format
        record?.format = format.rawValue
        if startOffset > 0 {
            try source.seek(to: startOffset)
            reader = LineReader(source: source, startOffset: startOffset, startLine: startLines, maxLineLength: options.maxLineLength)
            stats.resumedAfterLine = startLines
        }
        resumeOffset = startOffset
        resumeLines = startLines
        malformedBefore = record?.malformed ?? 0
    }

    static func fingerprint(_ bytes: UnsafeRawBufferPointer) -> String {
        String(StableHash.fnv1a(bytes), radix: 16)
    }

    /// Decodes lines until the next event (or the end), counting what it passes over.
    func advance() throws {
        var e = Event()
        while true {
            let before = reader.offset
            let beforeLines = reader.lineNumber
            let line: Line?
            do {
                line = try reader.next()
            } catch let error as VigilError {
                stats.error = error.description
                head = nil
                resumeOffset = reader.offset; resumeLines = reader.lineNumber
                return
            }
            guard let line else {
                head = nil
                resumeOffset = reader.offset; resumeLines = reader.lineNumber
                return
            }
            stats.lines += 1
            if line.bytes.isEmpty { stats.ignored += 1; continue }
            if line.truncated {
                try malformed(line.number, "line longer than \(reader.maxLineLength) bytes")
                continue
            }
            switch decoder.decode(line.bytes, into: &e) {
            case .event:
                stats.events += 1
                e.input = index
                e.line = line.number
                head = e
                resumeOffset = before
                resumeLines = beforeLines
                lastEventTime = max(lastEventTime ?? e.time, e.time)
                return
            case .ignored:
                stats.ignored += 1
            case let .malformed(reason):
                try malformed(line.number, reason)
            }
        }
    }

    private func malformed(_ line: Int64, _ reason: String) throws {
        stats.noteMalformed(line: line, reason: reason)
        if strict { throw VigilError.strictMalformed(path: stats.path, line: line, reason: reason) }
    }

    /// The input's record as of the last event handed on (for a checkpoint).
    func checkpointRecord(now: Int64) -> InputRecord? {
        guard var r = record else { return nil }
        r.offset = resumeOffset
        r.lines = resumeLines
        r.malformed = malformedBefore + stats.malformed
        r.lastEventTime = lastEventTime ?? r.lastEventTime
        r.updatedAt = now
        r.decoderState = decoder.saveState(beforeLastLine: head != nil)
        return r
    }
}
