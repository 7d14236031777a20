/// Builds JSON text by hand for high-volume output (`vigil decode` writes one object per
/// line). Strings are escaped per RFC 8259, plus `<`, `>` and `&` as `\u003c`… so that the
/// output is also safe to paste into HTML.
struct JSONText {
    private(set) var text = ""
    private var first = true

    init() { text.reserveCapacity(256) }

    mutating func begin() { text = "{"; first = true }
    mutating func end() { text += "}" }

    private mutating func key(_ k: String) {
        if !first { text += "," }
        first = false
        text += "\""; text += k; text += "\":"
    }

    mutating func field(_ k: String, _ v: String?) {
        key(k)
        if let v { JSONText.appendQuoted(v, to: &text) } else { text += "null" }
    }

    mutating func field(_ k: String, _ v: Int64?) {
        key(k)
        if let v { text += String(v) } else { text += "null" }
    }

    static func quoted(_ s: String) -> String {
        var out = ""
        appendQuoted(s, to: &out)
        return out
    }

    static func appendQuoted(_ s: String, to out: inout String) {
        out += "\""
        var needsEscape = false
        for u in s.utf8 where u < 0x20 || u == 0x22 || u == 0x5c || u == 0x3c || u == 0x3e || u == 0x26 || u == 0x7f {
            needsEscape = true
            break
        }
        if !needsEscape {
            out += s
        } else {
            for scalar in s.unicodeScalars {
                switch scalar {
                case "\"": out += "\\\""
                case "\\": out += "\\\\"
                case "\n": out += "\\n"
                case "\r": out += "\\r"
                case "\t": out += "\\t"
                case "<", ">", "&":
                    out += "\\u00" + String(scalar.value, radix: 16)
                default:
                    if scalar.value < 0x20 || scalar.value == 0x7f {
                        let h = String(scalar.value, radix: 16)
                        out += "\\u" + String(repeating: "0", count: 4 - h.count) + h
                    } else {
                        out.unicodeScalars.append(scalar)
                    }
                }
            }
        }
        out += "\""
    }
}
