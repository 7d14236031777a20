import Foundation

/// Decodes `journalctl -o json` output: one journal entry per line, a JSON object whose fields
/// are the entry's (`MESSAGE`, `_HOSTNAME`, `_PID`, `SYSLOG_IDENTIFIER`, …) plus journalctl's
/// own `__CURSOR` and `__REALTIME_TIMESTAMP`.
///
/// Built from the shared blocks: a `JSONObjectScanner` walks the fields (journalctl prints them
/// in hash order, so every field is read before any is used), `JSONTextBuffer`s unescape the
/// few strings used, and sshd's messages go to `SSHDMessageParser` exactly as a syslog line's
/// do. Nothing here has a syslog header to parse: the time is `__REALTIME_TIMESTAMP`
/// (microseconds since the epoch, so no year is guessed), the host `_HOSTNAME`, the pid `_PID`
/// (the journal's trusted field; `SYSLOG_PID` when an entry has none), the program
/// `SYSLOG_IDENTIFIER` (`_COMM` when absent). Entries of programs other than sshd's
/// (`sshd`, `sshd-session`, …) are well-formed but ignored.
///
/// journalctl prints a field that is not valid UTF-8 as an array of its bytes
/// (`"MESSAGE":[73,110,…]`), and a field logged several times in one entry as an array of its
/// values: bytes are decoded as bytes (an attacker's non-UTF-8 user name stays the data it
/// was, escaped where shown), and of several values the first is read.
///
/// The decoder also remembers the `__CURSOR` of the last entry it read and of the one before:
/// for a `journal:` input the cursor is the input's position (see `JournalQuery`), and a
/// checkpoint taken with an event decoded ahead resumes before that event's entry, as a file's
/// checkpoint resumes before its line.
final class JournalJSONDecoder: LineDecoder {
    let format = LogFormat.journalJSON
    private let messages: SSHDMessageParser
    private var messageText = JSONTextBuffer()
    private var hostText = JSONTextBuffer()
    private var scratchText = JSONTextBuffer()
    /// `MESSAGE` and `_HOSTNAME` when they are not plain spans of the line (escaped, or byte
    /// arrays); reused from line to line.
    private var messageBytes: [UInt8] = []
    private var hostBytes: [UInt8] = []
    /// The `__CURSOR` of the last line decoded, and of the line before it (swapped per line,
    /// so following the cursor costs one copy of ~130 bytes per line and no allocation).
    private var cursor: [UInt8] = []
    private var previousCursor: [UInt8] = []
    /// The last call said its line stands for more events (`.eventAndMore`): the stream
    /// decodes that line again, whose cursor is the current one, not a new one.
    private var decodingAgain = false

    init(context: DecodeContext) {
        messages = SSHDMessageParser(symbols: context.symbols, maxAuthTries: context.sshdMaxAuthTries)
        cursor.reserveCapacity(256)
        previousCursor.reserveCapacity(256)
    }

    /// The fields read; the others are skipped unread.
    private enum Field {
        case message, cursor, realtime, hostname, pid, syslogPID, identifier, comm, other

        @inline(__always)
        init(name: UnsafeRawBufferPointer) {
            switch name.count {
            case 4: self = name.hasPrefix("_PID") ? .pid : .other
            case 5: self = name.hasPrefix("_COMM") ? .comm : .other
            case 7: self = name.hasPrefix("MESSAGE") ? .message : .other
            case 8: self = name.hasPrefix("__CURSOR") ? .cursor : .other
            case 9: self = name.hasPrefix("_HOSTNAME") ? .hostname : .other
            case 10: self = name.hasPrefix("SYSLOG_PID") ? .syslogPID : .other
            case 17: self = name.hasPrefix("SYSLOG_IDENTIFIER") ? .identifier : .other
            case 20: self = name.hasPrefix("__REALTIME_TIMESTAMP") ? .realtime : .other
            default: self = .other
            }
        }
    }

    /// Where the fields used are in the line, gathered before any is used.
    private struct Spans {
        var message: JSONValue = .null
        var host: JSONValue = .null
        var realtime: JSONValue = .null
        var pid: JSONValue = .null
        var syslogPID: JSONValue = .null
        var identifier: JSONValue = .null
        var comm: JSONValue = .null
    }

    func decode(_ line: UnsafeRawBufferPointer, into event: inout Event) -> DecodeResult {
        do {
            let result = try scan(line, &event)
            decodingAgain = result == .eventAndMore
            return result
        } catch {
            decodingAgain = false
            event = Event()
            messages.skipLine()
            return .malformed(error.reason)
        }
    }

    private func scan(_ line: UnsafeRawBufferPointer, _ event: inout Event) throws(JSONScanError) -> DecodeResult {
        var scanner = try JSONObjectScanner(line)
        var spans = Spans()
        var sawCursor = false
        while let field = try scanner.nextField() {
            switch try scratchText.withText(field.key, in: line, { Field(name: $0) }) {
            case .message: spans.message = field.value
            case .hostname: spans.host = field.value
            case .realtime: spans.realtime = field.value
            case .pid: spans.pid = field.value
            case .syslogPID: spans.syslogPID = field.value
            case .identifier: spans.identifier = field.value
            case .comm: spans.comm = field.value
            case .cursor:
                if case let .string(string) = field.value, !decodingAgain {
                    swap(&cursor, &previousCursor)
                    cursor.removeAll(keepingCapacity: true)
                    try scratchText.withText(string, in: line) { cursor.append(contentsOf: $0) }
                    sawCursor = true
                }
            case .other: break
            }
        }
        // A line without a cursor (output saved without it) leaves both as they were, so
        // `cursor(beforeLastLine:)` still names the last entry before it.
        if !sawCursor && !decodingAgain { previousCursor = cursor }
        guard let micros = try number(spans.realtime, line), micros <= EventTime.maxTime * 1000 else {
            throw JSONScanError("missing or invalid __REALTIME_TIMESTAMP")
        }
        let time = Int64(micros / 1000)
        // The process journald saw (`_COMM`) before what the writer called itself
        // (`SYSLOG_IDENTIFIER`): `logger -t sshd` must not pass for sshd. Output saved without
        // `_COMM` falls back to the identifier.
        let program = spans.comm == .null ? spans.identifier : spans.comm
        let isSSHD = try text(program, line, &scratchText) { $0.hasPrefix("sshd") } ?? false
        guard isSSHD else {
            event = Event()
            event.time = time
            messages.skipLine()
            return .ignored
        }
        var pid = 0
        if let trusted = try number(spans.pid, line) {
            pid = Int(clamping: trusted)
        } else if let logged = try number(spans.syslogPID, line) {
            pid = Int(clamping: logged)
        }
        // Resolved (unescaped, decoded from bytes) before use: the parser needs the message
        // and the host at the same time.
        guard let message = try resolve(spans.message, line, &messageText, into: &messageBytes) else {
            throw JSONScanError("missing or invalid MESSAGE")
        }
        let host = try resolve(spans.host, line, &hostText, into: &hostBytes) ?? .bytes(0, 0)
        return message.withBytes(line, messageBytes) { messageView in
            host.withBytes(line, hostBytes) { hostView in
                messages.decode(message: messageView, time: time, host: hostView, pid: pid, into: &event)
            }
        }
    }

    /// Where a resolved field's text is: a span of the line (a string without escapes), or the
    /// field's own buffer.
    private enum FieldText {
        case bytes(Int, Int)
        case buffer

        func withBytes<Result>(
            _ line: UnsafeRawBufferPointer, _ buffer: [UInt8], _ body: (UnsafeRawBufferPointer) -> Result
        ) -> Result {
            switch self {
            case let .bytes(start, end): return body(line.slice(start, end))
            case .buffer: return buffer.withUnsafeBytes(body)
            }
        }
    }

    /// The text of a string field (unescaped when it has escapes), of a byte array (a value
    /// that is not UTF-8), or of the first of several values; nil for anything else.
    private func resolve(
        _ value: JSONValue, _ line: UnsafeRawBufferPointer, _ text: inout JSONTextBuffer, into buffer: inout [UInt8]
    ) throws(JSONScanError) -> FieldText? {
        switch value {
        case let .string(string):
            if !string.hasEscapes { return .bytes(string.start, string.end) }
            buffer.removeAll(keepingCapacity: true)
            try text.withText(string, in: line) { buffer.append(contentsOf: $0) }
            return .buffer
        case let .container(start, end):
            if let first = try Self.firstString(in: line, start, end) {
                return try resolve(.string(first), line, &text, into: &buffer)
            }
            return try Self.decodeByteArray(line, start, end, into: &buffer) ? .buffer : nil
        default:
            return nil
        }
    }

    /// The text of a string field (the first of several values), or nil for any other value.
    private func text<Result>(
        _ value: JSONValue, _ line: UnsafeRawBufferPointer, _ buffer: inout JSONTextBuffer,
        _ body: (UnsafeRawBufferPointer) -> Result
    ) throws(JSONScanError) -> Result? {
        switch value {
        case let .string(string): return try buffer.withText(string, in: line, body)
        case let .container(start, end):
            guard let first = try Self.firstString(in: line, start, end) else { return nil }
            return try buffer.withText(first, in: line, body)
        default: return nil
        }
    }

    /// Decodes `[73,110,…]` (a field that is not UTF-8) into `messageBytes`. Also takes the
    /// first value of an array of such arrays. False when the array holds anything else.
    private static func decodeByteArray(
        _ line: UnsafeRawBufferPointer, _ start: Int, _ end: Int, into bytes: inout [UInt8]
    ) throws(JSONScanError) -> Bool {
        bytes.removeAll(keepingCapacity: true)
        var index = start + 1
        // `[[…],[…]]`: several non-UTF-8 values; the first is read.
        index = JSONObjectScanner.skipWhitespace(line, index)
        if index < end && line[index] == UInt8(ascii: "[") { index += 1 }
        var value = -1
        while index < end {
            let byte = line[index]
            switch byte {
            case 48...57:
                value = (value < 0 ? 0 : value) * 10 + Int(byte - 48)
                if value > 255 { throw JSONScanError("byte array value above 255") }
            case UInt8(ascii: ","), UInt8(ascii: "]"):
                if value >= 0 { bytes.append(UInt8(value)) }
                value = -1
                if byte == UInt8(ascii: "]") { return true }
            case 0x20, 0x09, 0x0a, 0x0d:
                break
            default:
                return false
            }
            index += 1
        }
        return false
    }

    /// The first string in an array of strings (`["a","b"]`), or nil when it does not start
    /// with one.
    private static func firstString(in line: UnsafeRawBufferPointer, _ start: Int, _ end: Int) throws(JSONScanError) -> JSONStringSpan? {
        guard line[start] == UInt8(ascii: "[") else { return nil }
        var index = JSONObjectScanner.skipWhitespace(line, start + 1)
        guard index < end, line[index] == UInt8(ascii: "\"") else { return nil }
        return try JSONObjectScanner.scanString(line, &index)
    }

    /// An unsigned decimal given as a JSON string (as journalctl prints every field) or number.
    private func number(_ value: JSONValue, _ line: UnsafeRawBufferPointer) throws(JSONScanError) -> Int64? {
        switch value {
        case let .string(string): return try scratchText.withText(string, in: line) { $0.decimal(0, $0.count) }.map(Int64.init)
        case let .number(start, end): return line.decimal(start, end).map(Int64.init)
        default: return nil
        }
    }

    /// The `__CURSOR` of the last line decoded, or (`beforeLastLine`) of the line before it:
    /// where a journal input resumes. Nil before any line with a cursor.
    func cursor(beforeLastLine: Bool) -> String? {
        let bytes = beforeLastLine ? previousCursor : cursor
        return bytes.isEmpty ? nil : String(decoding: bytes, as: UTF8.self)
    }

    /// The `__CURSOR` of one `journalctl -o json` line, if it has one.
    static func cursor(of line: UnsafeRawBufferPointer) -> String? {
        guard var scanner = try? JSONObjectScanner(line) else { return nil }
        var buffer = JSONTextBuffer()
        while let field = try? scanner.nextField() {
            guard case let .string(string) = field.value,
                (try? buffer.withText(field.key, in: line, { Field(name: $0) })) == .cursor
            else { continue }
            return try? buffer.withText(string, in: line) { String(decoding: $0, as: UTF8.self) }
        }
        return nil
    }

    func saveState(beforeLastLine: Bool) -> Data? {
        messages.saveState(beforeLastLine: beforeLastLine)
    }

    func loadState(_ data: Data) {
        messages.loadState(data)
    }
}
