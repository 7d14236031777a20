/// A cheap scan of policy text before it reaches the YAML parser, so hostile files fail
/// with a clear message instead of exhausting the stack or the CPU.
///
/// The YAML composer recurses once per nesting level and hashes mapping keys, so a file
/// nested thousands deep, or one that uses an alias of a huge node as a mapping key, could
/// crash or hang it. Policies need neither: this guard rejects files over `maxBytes`,
/// nesting deeper than `maxDepth`, explicit `?` keys, and aliases or flow collections used
/// as keys. Alias expansion bombs used as values are stopped later by the node budget of
/// `PolicyParser`.
enum YAMLGuard {
    static let maxBytes = 4 << 20
    static let maxDepth = 64
    static let maxBlockColumns = 200

    struct Violation: Error {
        var message: String
        var line: Int
        var column: Int
    }

    static func check(_ text: [UInt8]) -> Violation? {
        if text.count > maxBytes {
            return Violation(message: "file is \(text.count) bytes; policy files are limited to \(maxBytes >> 20) MiB", line: 1, column: 1)
        }
        var flowDepth = 0
        var line = 1
        var i = 0
        let n = text.count
        var quote: UInt8 = 0  // ' or " while inside a quoted scalar
        var blockScalarIndent = -1  // lines indented more than this are block scalar text
        while i < n {
            // Start of a line: measure indentation and leading indicators.
            let lineStart = i
            var indent = 0
            while i < n && text[i] == 32 { i += 1; indent += 1 }
            if blockScalarIndent >= 0 {
                let blank = i >= n || text[i] == 10 || text[i] == 13
                if blank || indent > blockScalarIndent {
                    while i < n && text[i] != 10 { i += 1 }
                    i += 1; line += 1
                    continue
                }
                blockScalarIndent = -1
            }
            if quote == 0 {
                var j = i
                var nesting = indent
                while j + 1 < n, text[j] == UInt8(ascii: "-") || text[j] == UInt8(ascii: "?"), text[j + 1] == 32 {
                    if text[j] == UInt8(ascii: "?") {
                        return Violation(
                            message: "explicit `?` mapping keys are not supported in policies", line: line, column: j - lineStart + 1)
                    }
                    j += 2; nesting += 1
                    while j < n && text[j] == 32 { j += 1 }
                }
                // Each block level needs one more column of indentation or another indicator,
                // so this bounds the block nesting depth.
                if nesting > maxBlockColumns {
                    return Violation(message: "nested more than \(maxDepth) levels deep", line: line, column: 1)
                }
            }
            // Scan the rest of the line.
            var prev: UInt8 = 32
            var lastClosed = false
            while i < n && text[i] != 10 {
                let c = text[i]
                if quote != 0 {
                    if c == quote {
                        if quote == UInt8(ascii: "'") && i + 1 < n && text[i + 1] == quote { i += 2; continue }
                        quote = 0
                    } else if c == UInt8(ascii: "\\") && quote == UInt8(ascii: "\"") {
                        i += 1
                    }
                    i += 1; prev = c
                    continue
                }
                let atTokenStart =
                    prev == 32 || prev == 9 || prev == UInt8(ascii: "[") || prev == UInt8(ascii: "{") || prev == UInt8(ascii: ",")
                switch c {
                case UInt8(ascii: "#") where prev == 32 || prev == 9 || i == lineStart:
                    while i < n && text[i] != 10 { i += 1 }
                    continue
                case UInt8(ascii: "'") where atTokenStart, UInt8(ascii: "\"") where atTokenStart:
                    quote = c
                case UInt8(ascii: "[") where atTokenStart, UInt8(ascii: "{") where atTokenStart:
                    flowDepth += 1
                    if flowDepth > maxDepth {
                        return Violation(message: "nested more than \(maxDepth) levels deep", line: line, column: i - lineStart + 1)
                    }
                case UInt8(ascii: "]"), UInt8(ascii: "}"):
                    if flowDepth > 0 { flowDepth -= 1; lastClosed = true; i += 1; prev = c; continue }
                case UInt8(ascii: "*") where atTokenStart:
                    // An alias: complain when a `:` follows it (alias used as a key).
                    var j = i + 1
                    while j < n, !isSpace(text[j]), text[j] != UInt8(ascii: ","), text[j] != UInt8(ascii: "]"), text[j] != UInt8(ascii: "}")
                    { j += 1 }
                    var k = j
                    while k < n && text[k] == 32 { k += 1 }
                    if k < n && text[k] == UInt8(ascii: ":") && j > i + 1 {
                        return Violation(
                            message: "an alias used as a mapping key is not supported in policies", line: line, column: i - lineStart + 1)
                    }
                    i = j; prev = text[j - 1]
                    continue
                case UInt8(ascii: "?") where atTokenStart && (i + 1 >= n || isSpace(text[i + 1])):
                    return Violation(
                        message: "explicit `?` mapping keys are not supported in policies", line: line, column: i - lineStart + 1)
                case UInt8(ascii: ":") where lastClosed:
                    return Violation(
                        message: "a list or mapping used as a mapping key is not supported in policies", line: line,
                        column: i - lineStart + 1)
                case UInt8(ascii: "|"), UInt8(ascii: ">"):
                    // A block scalar indicator ends the line's content (modulo chomping and comments).
                    if atTokenStart && restIsBlockHeader(text, i + 1) { blockScalarIndent = indent }
                default:
                    break
                }
                if c != 32 && c != 9 { lastClosed = false }
                prev = c
                i += 1
            }
            i += 1; line += 1
        }
        return nil
    }

    private static func isSpace(_ c: UInt8) -> Bool { c == 32 || c == 9 || c == 10 || c == 13 }

    /// After `|` or `>`: optional chomping/indentation indicators, spaces, an optional comment.
    private static func restIsBlockHeader(_ text: [UInt8], _ start: Int) -> Bool {
        var i = start
        while i < text.count, text[i] == UInt8(ascii: "+") || text[i] == UInt8(ascii: "-") || (text[i] >= 49 && text[i] <= 57) { i += 1 }
        while i < text.count && (text[i] == 32 || text[i] == 9) { i += 1 }
        return i >= text.count || text[i] == 10 || text[i] == 13 || text[i] == UInt8(ascii: "#")
    }
}
