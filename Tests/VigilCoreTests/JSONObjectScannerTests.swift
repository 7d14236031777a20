import Testing

@testable import VigilCore

/// The shared JSON-lines scanner and its text buffer, apart from any decoder.
@Suite struct JSONObjectScannerTests {
    /// A field as the tests compare it: the key's text and the value described.
    struct ScannedField: Equatable, CustomStringConvertible {
        var key: String
        var value: String
        var description: String { "\(key)=\(value)" }
    }

    /// Scans `text` to the end: the fields, or the error's reason.
    static func scan(_ text: String) -> Result<[ScannedField], JSONScanError> {
        scan(bytes: Array(text.utf8))
    }

    /// Scans `bytes` (an exact-size copy: a read past the line's end trips the buffer's bounds
    /// check in debug builds) to the end.
    static func scan(bytes: [UInt8]) -> Result<[ScannedField], JSONScanError> {
        bytes.withUnsafeBytes { line in
            var buffer = JSONTextBuffer()
            do throws(JSONScanError) {
                var scanner = try JSONObjectScanner(line)
                var fields: [ScannedField] = []
                while let field = try scanner.nextField() {
                    let key = try buffer.withText(field.key, in: line) { String(decoding: $0, as: UTF8.self) }
                    fields.append(ScannedField(key: key, value: try describe(field.value, line, &buffer)))
                }
                let again = try scanner.nextField()
                #expect(again == nil, "a finished scanner stays finished")
                return .success(fields)
            } catch {
                return .failure(error)
            }
        }
    }

    static func describe(_ value: JSONValue, _ line: UnsafeRawBufferPointer, _ buffer: inout JSONTextBuffer) throws(JSONScanError) -> String
    {
        switch value {
        case let .string(string): return "s:" + (try buffer.withText(string, in: line) { String(decoding: $0, as: UTF8.self) })
        case let .number(start, end): return "n:" + String(decoding: line.slice(start, end), as: UTF8.self)
        case let .bool(flag): return "b:\(flag)"
        case .null: return "null"
        case let .container(start, end): return "c:" + String(decoding: line.slice(start, end), as: UTF8.self)
        }
    }

    static func fields(_ text: String) -> [ScannedField]? {
        try? scan(text).get()
    }

    @Test func yieldsEveryKindOfValueInOrder() {
        let line = #" { "s" : "text", "n":-12.5e+3 ,"t":true,"f":false,"z":null,"o":{"k":[1,"]}",{}]},"a":[ ] } "#
        #expect(
            Self.fields(line) == [
                ScannedField(key: "s", value: "s:text"),
                ScannedField(key: "n", value: "n:-12.5e+3"),
                ScannedField(key: "t", value: "b:true"),
                ScannedField(key: "f", value: "b:false"),
                ScannedField(key: "z", value: "null"),
                ScannedField(key: "o", value: #"c:{"k":[1,"]}",{}]}"#),
                ScannedField(key: "a", value: "c:[ ]"),
            ])
        #expect(Self.fields("{}") == [])
        #expect(Self.fields(" \t{ }\r") == [])
    }

    @Test func escapesAreDecodedIntoTheBuffer() {
        let line = #"{"k\u0065y":"q\"b\\s\/n\nt\tr\rb\bf\fe\u00e9 \ud83d\ude00 lone\ud800x"}"#
        #expect(Self.fields(line) == [ScannedField(key: "key", value: "s:q\"b\\s/n\nt\tr\rb\u{8}f\u{c}eé 😀 lone\u{FFFD}x")])
        // Plain strings are handed back in place, escaped ones through the buffer: both read the same.
        #expect(Self.fields(#"{"a":"x","b":"\u0078"}"#)?.map(\.value) == ["s:x", "s:x"])
    }

    @Test func duplicateKeysComeBackEachTime() {
        #expect(
            Self.fields(#"{"a":1,"b":2,"a":"three"}"#) == [
                ScannedField(key: "a", value: "n:1"), ScannedField(key: "b", value: "n:2"), ScannedField(key: "a", value: "s:three"),
            ])
    }

    @Test func malformedObjectsThrowTheirReason() {
        let deep =
            #"{"x":"# + String(repeating: "[", count: JSONObjectScanner.maxDepth + 1)
            + String(repeating: "]", count: JSONObjectScanner.maxDepth + 1) + "}"
        let cases: [(String, String)] = [
            ("", "empty line"),
            ("   ", "empty line"),
            ("[1]", "not a JSON object"),
            (#"{"a":1"#, "truncated JSON"),
            (#"{"a":1,"#, "truncated JSON"),
            (#"{"a""#, "truncated JSON"),
            (#"{"a":"#, "truncated JSON"),
            (#"{"a":{"b":[1,2]"#, "truncated JSON"),
            (#"{"a":"x"#, "truncated JSON string"),
            (#"{"a" 1}"#, "expected ':'"),
            ("{a:1}", "expected a field name"),
            (#"{"a":1 "b":2}"#, "expected ',' or '}'"),
            (#"{"a":tru}"#, "invalid literal"),
            (#"{"a":nul"#, "invalid literal"),
            (#"{"a":@}"#, "unexpected character in JSON value"),
            ("{\"a\":\"x\u{01}y\"}", "control character in a JSON string"),
            (#"{"a":1} {"b":2}"#, "data after the JSON object"),
            (deep, "JSON nested too deeply"),
            (#"{"\q":1}"#, "bad escape"),
            (#"{"\u12":1}"#, "bad \\u escape"),
            (#"{"a":"\uZZZZ"}"#, "bad \\u escape"),
        ]
        for (line, reason) in cases {
            #expect(Self.scan(line) == .failure(JSONScanError(reason)), "\(line)")
        }
        // Exactly at the limit is fine.
        let limit =
            #"{"x":"# + String(repeating: "[", count: JSONObjectScanner.maxDepth)
            + String(repeating: "]", count: JSONObjectScanner.maxDepth) + "}"
        #expect(Self.fields(limit)?.count == 1)
    }

    @Test func escapesOfFieldsNobodyReadsAreNotChecked() throws {
        // The scanner only marks escapes; a decoder that skips the field never pays for (or
        // trips over) them. This is what lets the MCP decoder accept a bad escape in `message`.
        let bytes = Array(#"{"message":"\q","a":1}"#.utf8)
        let count = try bytes.withUnsafeBytes { line -> Int in
            var scanner = try JSONObjectScanner(line)
            var count = 0
            while let field = try scanner.nextField() {
                if case let .string(string) = field.value { #expect(string.hasEscapes) }
                count += 1
            }
            return count
        }
        #expect(count == 2)
    }

    @Test func everyTruncationThrowsAndNoneReadsPastTheEnd() {
        let line =
            #"{"timestamp":"2026-11-05T09:01:00.250Z","nested":{"a":[1,{"b":"}\"]"}],"t":true},"s":"\u00e9\ud83d\ude00","n":-1.5e3,"z":null,"f":false}"#
        #expect(Self.fields(line)?.count == 6)
        let bytes = Array(line.utf8)
        for length in 0..<bytes.count {
            guard case .failure = Self.scan(bytes: Array(bytes[..<length])) else {
                Issue.record("a truncation at \(length) must be an error")
                continue
            }
        }
    }

    @Test func mutatedLinesNeverCrash() {
        var random = SeededRandom(seed: 12)
        let line = Array(#"{"a":"b\"c","d":[1,{"e":null}],"f":true,"g":-2.5,"h":"\u00e9"}"#.utf8)
        let alphabet = Array(#"{}[]":,\ u0123456789abcdeflnrstu-+.eE"#.utf8) + [0x00, 0x1f, 0x80, 0xff]
        for _ in 0..<5_000 {
            var mutated = line
            for _ in 0..<Int.random(in: 1...4, using: &random) {
                let at = Int.random(in: 0..<mutated.count, using: &random)
                switch Int.random(in: 0..<3, using: &random) {
                case 0: mutated[at] = alphabet.randomElement(using: &random)!
                case 1: mutated.remove(at: at)
                default: mutated.insert(alphabet.randomElement(using: &random)!, at: at)
                }
                if mutated.isEmpty { mutated = [0x7b] }
            }
            _ = Self.scan(bytes: mutated)  // a result or an error, never a trap
        }
    }

    @Test func veryLongLines() throws {
        // A megabyte string, plain and escaped, and ten thousand fields.
        let plain = String(repeating: "abcdefgh", count: 131_072)
        #expect(
            Self.fields(#"{"a":""# + plain + #"","b":2}"#) == [
                ScannedField(key: "a", value: "s:" + plain), ScannedField(key: "b", value: "n:2"),
            ])
        let escapedText = String(repeating: #"x\"\u00e9\\"#, count: 100_000)
        let expected = String(repeating: "x\"é\\", count: 100_000)
        #expect(Self.fields(#"{"a":""# + escapedText + #""}"#) == [ScannedField(key: "a", value: "s:" + expected)])
        let many = "{" + (0..<10_000).map { #""k\#($0)":\#($0)"# }.joined(separator: ",") + "}"
        let fields = try #require(Self.fields(many))
        #expect(fields.count == 10_000)
        #expect(fields.last == ScannedField(key: "k9999", value: "n:9999"))
        // The buffer grew for the long string and still serves short ones afterwards.
        var buffer = JSONTextBuffer()
        for text in [#"{"a":""# + escapedText + #""}"#, #"{"a":"\u0041"}"#] {
            let bytes = Array(text.utf8)
            let value = try bytes.withUnsafeBytes { line -> String in
                var scanner = try JSONObjectScanner(line)
                guard let field = try scanner.nextField(), case let .string(string) = field.value else { return "" }
                return try buffer.withText(string, in: line) { String(decoding: $0, as: UTF8.self) }
            }
            #expect(value == (text.count > 100 ? expected : "A"))
        }
    }
}
