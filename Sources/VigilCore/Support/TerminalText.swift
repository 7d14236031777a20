/// Makes attacker-controlled text safe to print on a terminal.
///
/// User names, tool names and paths come from the network. Printed raw, an ESC sequence could
/// rewrite the screen or the window title, and a bidi override could reorder a line. Control
/// characters, DEL, C1 controls and bidi/zero-width format characters are shown as `\x1b`,
/// `\u{202e}` and the like.
package enum TerminalText {
    package static func escape(_ s: String) -> String {
        var clean = true
        for scalar in s.unicodeScalars where needsEscape(scalar) {
            clean = false
            break
        }
        if clean { return s }
        var out = ""
        for scalar in s.unicodeScalars {
            if needsEscape(scalar) {
                if scalar.value < 0x100 {
                    let h = String(scalar.value, radix: 16)
                    out += "\\x" + (h.count == 1 ? "0" : "") + h
                } else {
                    out += "\\u{" + String(scalar.value, radix: 16) + "}"
                }
            } else {
                out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    static func needsEscape(_ s: Unicode.Scalar) -> Bool {
        let v = s.value
        if v < 0x20 || v == 0x7f || (v >= 0x80 && v < 0xa0) { return true }
        switch v {
        case 0x200b...0x200f, 0x202a...0x202e, 0x2066...0x2069, 0xfeff: return true
        default: return false
        }
    }
}
