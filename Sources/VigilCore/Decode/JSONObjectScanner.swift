#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Walks the top-level fields of one JSON object on one line, in a single pass over the bytes.
///
/// Shared by every JSON-lines source (the MCP service log today; `journalctl -o json` and
/// gateway logs next) so that none of them carries its own scanner. It allocates nothing and
/// copies nothing: keys and values come back as spans into the line. Strings with escapes are
/// only marked (`JSONStringSpan.hasEscapes`); a decoder that needs such a field's text decodes
/// it with a `JSONTextBuffer`, so the escapes of fields nobody reads cost nothing (and are not
/// checked). Nested objects and arrays are skipped, string-aware, and handed back as a span.
///
/// `JSONDecoder` or `JSONSerialization` per line was measured ~10× slower, which is why this
/// exists. Malformed input (truncated, a bad literal, nesting deeper than `maxDepth`) throws a
/// `JSONScanError` whose reason decoders report as is; it never reads outside the line.
///
/// Usage: `var scanner = try JSONObjectScanner(line)`, then
/// `while let field = try scanner.nextField() { … }`. Duplicate keys come back each time, in
/// line order (a decoder assigning fields in turn keeps the last).
package struct JSONObjectScanner {
    /// The line being scanned.
    package let line: UnsafeRawBufferPointer
    /// Where scanning resumes: after the `{`, or after the last field's value.
    private var position: Int
    private var state: State

    private enum State { case beforeFirstField, afterField, finished }

    /// Deepest nesting of objects and arrays inside a field value, against hostile input.
    package static let maxDepth = 64

    /// Starts on `line`, which must hold one object (whitespace around it allowed).
    package init(_ line: UnsafeRawBufferPointer) throws(JSONScanError) {
        self.line = line
        let start = Self.skipWhitespace(line, 0)
        guard start < line.count else { throw JSONScanError("empty line") }
        guard line[start] == UInt8(ascii: "{") else { throw JSONScanError("not a JSON object") }
        position = start + 1
        state = .beforeFirstField
    }

    /// The next top-level field, or `nil` after the closing `}` (and once the rest of the
    /// line is checked to be only whitespace). Inlined: it runs once per field on the hot path.
    @inline(__always)
    package mutating func nextField() throws(JSONScanError) -> JSONField? {
        let bytes = line
        let count = bytes.count
        var index = Self.skipWhitespace(bytes, position)
        switch state {
        case .finished:
            return nil
        case .beforeFirstField:
            if index < count && bytes[index] == UInt8(ascii: "}") { return try finish(after: index + 1) }
        case .afterField:
            guard index < count else { throw JSONScanError("truncated JSON") }
            if bytes[index] == UInt8(ascii: "}") { return try finish(after: index + 1) }
            guard bytes[index] == UInt8(ascii: ",") else { throw JSONScanError("expected ',' or '}'") }
            index = Self.skipWhitespace(bytes, index + 1)
        }
        guard index < count, bytes[index] == UInt8(ascii: "\"") else {
            throw JSONScanError(index >= count ? "truncated JSON" : "expected a field name")
        }
        let key = try Self.scanString(bytes, &index)
        index = Self.skipWhitespace(bytes, index)
        guard index < count, bytes[index] == UInt8(ascii: ":") else {
            throw JSONScanError(index >= count ? "truncated JSON" : "expected ':'")
        }
        index = Self.skipWhitespace(bytes, index + 1)
        let value = try Self.scanValue(bytes, &index)
        position = index
        state = .afterField
        return JSONField(key: key, value: value)
    }

    /// Ends the object: only whitespace may follow the closing brace.
    private mutating func finish(after closingBrace: Int) throws(JSONScanError) -> JSONField? {
        guard Self.skipWhitespace(line, closingBrace) == line.count else {
            throw JSONScanError("data after the JSON object")
        }
        position = line.count
        state = .finished
        return nil
    }

    // MARK: values

    @inline(__always)
    static func skipWhitespace(_ bytes: UnsafeRawBufferPointer, _ start: Int) -> Int {
        var index = start
        while index < bytes.count {
            let byte = bytes[index]
            if byte != 0x20 && byte != 0x09 && byte != 0x0a && byte != 0x0d { break }
            index += 1
        }
        return index
    }

    /// Scans a string starting at its opening quote; leaves `index` after the closing quote.
    static func scanString(_ bytes: UnsafeRawBufferPointer, _ index: inout Int) throws(JSONScanError) -> JSONStringSpan {
        let start = index + 1
        // Fast path: memchr finds the closing quote, and an eight-bytes-at-a-time test checks
        // that nothing before it is a backslash or a control character. Escaped strings (rare)
        // take the byte loop below.
        if start < bytes.count, let found = memchr(bytes.baseAddress! + start, 0x22, bytes.count - start) {
            let quote = UnsafeRawPointer(found) - bytes.baseAddress!
            if isPlain(bytes, start, quote) {
                index = quote + 1
                return JSONStringSpan(start: start, end: quote, hasEscapes: false)
            }
        }
        var cursor = start
        var hasEscapes = false
        let count = bytes.count
        while cursor < count {
            let byte = bytes[cursor]
            if byte == UInt8(ascii: "\"") {
                index = cursor + 1
                return JSONStringSpan(start: start, end: cursor, hasEscapes: hasEscapes)
            }
            if byte == UInt8(ascii: "\\") {
                hasEscapes = true
                cursor += 2
                continue
            }
            if byte < 0x20 { throw JSONScanError("control character in a JSON string") }
            cursor += 1
        }
        throw JSONScanError("truncated JSON string")
    }

    /// Whether `bytes[from..<to]` holds no backslash and no control character.
    @inline(__always)
    static func isPlain(_ bytes: UnsafeRawBufferPointer, _ from: Int, _ to: Int) -> Bool {
        var index = from
        let low: UInt64 = 0x0101_0101_0101_0101, high: UInt64 = 0x8080_8080_8080_8080
        while index + 8 <= to {
            let word = bytes.loadUnaligned(fromByteOffset: index, as: UInt64.self)
            let backslashes = word ^ 0x5C5C_5C5C_5C5C_5C5C
            if (((backslashes &- low) & ~backslashes) | ((word &- 0x2020_2020_2020_2020) & ~word)) & high != 0 { return false }
            index += 8
        }
        while index < to {
            let byte = bytes[index]
            if byte == UInt8(ascii: "\\") || byte < 0x20 { return false }
            index += 1
        }
        return true
    }

    static func scanValue(_ bytes: UnsafeRawBufferPointer, _ index: inout Int) throws(JSONScanError) -> JSONValue {
        guard index < bytes.count else { throw JSONScanError("truncated JSON") }
        switch bytes[index] {
        case UInt8(ascii: "\""):
            return .string(try scanString(bytes, &index))
        case UInt8(ascii: "-"), 48...57:
            let start = index
            index += 1
            while index < bytes.count {
                let byte = bytes[index]
                if (byte >= 48 && byte <= 57) || byte == UInt8(ascii: ".") || byte == UInt8(ascii: "e") || byte == UInt8(ascii: "E")
                    || byte == UInt8(ascii: "+") || byte == UInt8(ascii: "-")
                {
                    index += 1
                } else {
                    break
                }
            }
            return .number(start: start, end: index)
        case UInt8(ascii: "n"):
            guard bytes.hasPrefix("null", at: index) else { throw JSONScanError("invalid literal") }
            index += 4
            return .null
        case UInt8(ascii: "t"):
            guard bytes.hasPrefix("true", at: index) else { throw JSONScanError("invalid literal") }
            index += 4
            return .bool(true)
        case UInt8(ascii: "f"):
            guard bytes.hasPrefix("false", at: index) else { throw JSONScanError("invalid literal") }
            index += 5
            return .bool(false)
        case UInt8(ascii: "{"), UInt8(ascii: "["):
            let start = index
            try skipContainer(bytes, &index)
            return .container(start: start, end: index)
        default:
            throw JSONScanError("unexpected character in JSON value")
        }
    }

    /// Skips a nested object or array, string-aware, with a depth limit against hostile input.
    /// Brackets are only counted, not matched: the contents are never read.
    static func skipContainer(_ bytes: UnsafeRawBufferPointer, _ index: inout Int) throws(JSONScanError) {
        var depth = 0
        let count = bytes.count
        while index < count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "\"") {
                _ = try scanString(bytes, &index)
                continue
            }
            if byte == UInt8(ascii: "{") || byte == UInt8(ascii: "[") {
                depth += 1
                if depth > maxDepth { throw JSONScanError("JSON nested too deeply") }
            } else if byte == UInt8(ascii: "}") || byte == UInt8(ascii: "]") {
                depth -= 1
                if depth == 0 { index += 1; return }
            }
            index += 1
        }
        throw JSONScanError("truncated JSON")
    }
}

/// One top-level `"key": value` of a JSON object, as spans into the scanned line.
package struct JSONField: Equatable {
    package var key: JSONStringSpan
    package var value: JSONValue
}

/// A JSON string in a line: the bytes between its quotes, still escaped when `hasEscapes`.
package struct JSONStringSpan: Equatable {
    /// The first byte after the opening quote.
    package var start: Int
    /// The closing quote.
    package var end: Int
    /// Whether the bytes hold a backslash escape: then only `JSONTextBuffer` gives the text.
    package var hasEscapes: Bool
}

/// A scanned JSON value. Spans are `[start, end)` byte offsets into the line.
package enum JSONValue: Equatable {
    case string(JSONStringSpan)
    /// The number's bytes as written (not validated beyond its characters).
    case number(start: Int, end: Int)
    case bool(Bool)
    case null
    /// A nested object or array, brackets included, skipped without being parsed.
    case container(start: Int, end: Int)
}

/// Why a line is not a JSON object the scanner (or `JSONTextBuffer`) can read. Decoders report
/// the reason as their `DecodeResult.malformed` reason, so the wording is kept stable.
package struct JSONScanError: Error, Equatable {
    package let reason: String

    package init(_ reason: String) {
        self.reason = reason
    }
}
