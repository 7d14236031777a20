/// Gives the text of a scanned JSON string: the raw bytes when it has no escapes, otherwise
/// the string unescaped into a buffer reused from line to line.
///
/// Kept apart from `JSONObjectScanner` so that scanning stays allocation-free and read-only,
/// and a decoder pays for unescaping only on the fields it reads. One buffer per decoder: the
/// text handed to `body` is valid only during the call, and the next `withText` overwrites it.
package struct JSONTextBuffer {
    private var storage = [UInt8](repeating: 0, count: 4096)

    package init() {}

    /// Calls `body` with the text of `string` (a span of `line`). Throws for an invalid escape
    /// (`bad escape`, `bad \u escape`); a lone UTF-16 surrogate becomes U+FFFD.
    @inline(__always)
    package mutating func withText<Result>(
        _ string: JSONStringSpan, in line: UnsafeRawBufferPointer,
        _ body: (UnsafeRawBufferPointer) -> Result
    ) throws(JSONScanError) -> Result {
        if !string.hasEscapes { return body(line.slice(string.start, string.end)) }
        let count = try unescape(string, in: line)
        return storage.withUnsafeBytes { body(UnsafeRawBufferPointer(rebasing: $0.prefix(count))) }
    }

    /// Unescapes `string` into `storage`; returns the text's length.
    private mutating func unescape(_ string: JSONStringSpan, in line: UnsafeRawBufferPointer) throws(JSONScanError) -> Int {
        // An escape is at least two bytes and decodes to at most four (a surrogate pair, six
        // bytes, to four): twice the raw length always fits.
        let needed = (string.end - string.start) * 2 + 8
        if storage.count < needed { storage = [UInt8](repeating: 0, count: needed) }
        return try storage.withUnsafeMutableBufferPointer { (output) throws(JSONScanError) -> Int in
            var written = 0
            func put(_ byte: UInt8) { output[written] = byte; written += 1 }
            func putScalar(_ scalar: UInt32) {
                if scalar < 0x80 {
                    put(UInt8(scalar))
                } else if scalar < 0x800 {
                    put(UInt8(0xc0 | (scalar >> 6))); put(UInt8(0x80 | (scalar & 0x3f)))
                } else if scalar < 0x10000 {
                    put(UInt8(0xe0 | (scalar >> 12))); put(UInt8(0x80 | ((scalar >> 6) & 0x3f))); put(UInt8(0x80 | (scalar & 0x3f)))
                } else {
                    put(UInt8(0xf0 | (scalar >> 18))); put(UInt8(0x80 | ((scalar >> 12) & 0x3f)))
                    put(UInt8(0x80 | ((scalar >> 6) & 0x3f))); put(UInt8(0x80 | (scalar & 0x3f)))
                }
            }
            func hex4(_ at: Int) throws(JSONScanError) -> UInt32 {
                guard at + 4 <= string.end else { throw JSONScanError("bad \\u escape") }
                var value: UInt32 = 0
                for position in at..<(at + 4) {
                    let byte = line[position]
                    let digit: UInt32
                    switch byte {
                    case 48...57: digit = UInt32(byte - 48)
                    case 65...70: digit = UInt32(byte - 55)
                    case 97...102: digit = UInt32(byte - 87)
                    default: throw JSONScanError("bad \\u escape")
                    }
                    value = value << 4 | digit
                }
                return value
            }
            var index = string.start
            while index < string.end {
                let byte = line[index]
                if byte != UInt8(ascii: "\\") { put(byte); index += 1; continue }
                guard index + 1 < string.end else { throw JSONScanError("bad escape") }
                let escaped = line[index + 1]
                index += 2
                switch escaped {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): put(escaped)
                case UInt8(ascii: "b"): put(8)
                case UInt8(ascii: "f"): put(12)
                case UInt8(ascii: "n"): put(10)
                case UInt8(ascii: "r"): put(13)
                case UInt8(ascii: "t"): put(9)
                case UInt8(ascii: "u"):
                    var scalar = try hex4(index)
                    index += 4
                    if scalar >= 0xd800 && scalar < 0xdc00, index + 6 <= string.end,
                        line[index] == UInt8(ascii: "\\"), line[index + 1] == UInt8(ascii: "u")
                    {
                        let low = try hex4(index + 2)
                        if low >= 0xdc00 && low < 0xe000 {
                            scalar = 0x10000 + ((scalar - 0xd800) << 10) + (low - 0xdc00)
                            index += 6
                        }
                    }
                    if scalar >= 0xd800 && scalar < 0xe000 { scalar = 0xfffd }  // lone surrogate
                    putScalar(scalar)
                default:
                    throw JSONScanError("bad escape")
                }
            }
            return written
        }
    }
}
