/// Escaping of attacker-controlled text (user names, tool names, paths, messages) for the
/// report formats. Control, bidi and zero-width characters are first made visible as in the
/// terminal (`\x1b`, `\u{202e}`), then markup characters are neutralized.
enum MarkupText {
    /// Text content and attribute values in HTML.
    static func html(_ s: String) -> String {
        replacing(s) {
            switch $0 {
            case "&": "&amp;"
            case "<": "&lt;"
            case ">": "&gt;"
            case "\"": "&quot;"
            case "'": "&#39;"
            default: nil
            }
        }
    }

    /// Inline Markdown (CommonMark/GFM), including table cells. Escaped: everything that can
    /// start emphasis, code, a link, an image or raw HTML (`* _ ` [ ] \\ ~`, `<`, `>` and `&`
    /// as entities), `|` (ends a cell), a `:` after a letter and the dot of `www.` (GFM
    /// autolinks), and `#`, `-`, `+` at the start of the text. Times and addresses stay readable.
    static func markdown(_ s: String) -> String {
        var out = ""
        let scalars = Array(TerminalText.escape(s).unicodeScalars)
        for (i, c) in scalars.enumerated() {
            let prev: Unicode.Scalar? = i > 0 ? scalars[i - 1] : nil
            switch c {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\\", "`", "*", "_", "[", "]", "|", "~":
                out += "\\"
                out.unicodeScalars.append(c)
            case ":" where prev.map { $0.properties.isAlphabetic } ?? false:
                out += "\\:"
            case "." where i >= 3 && String(String.UnicodeScalarView(scalars[(i - 3)..<i])).lowercased() == "www":
                out += "\\."
            case "#" where i == 0, "-" where i == 0, "+" where i == 0:
                out += "\\"
                out.unicodeScalars.append(c)
            default:
                out.unicodeScalars.append(c)
            }
        }
        return out
    }

    /// Slack mrkdwn (incoming webhooks): `&`, `<`, `>` as Slack asks, so text cannot become a
    /// link or an `@channel` mention; backticks become `'` so values stay inside code spans.
    static func slack(_ s: String) -> String {
        replacing(s) {
            switch $0 {
            case "&": "&amp;"
            case "<": "&lt;"
            case ">": "&gt;"
            case "`": "'"
            default: nil
            }
        }
    }

    /// Control, bidi and zero-width characters made visible, then each scalar `replacement`
    /// has a string for replaced by it.
    private static func replacing(_ s: String, _ replacement: (Unicode.Scalar) -> String?) -> String {
        var out = ""
        for c in TerminalText.escape(s).unicodeScalars {
            if let r = replacement(c) { out += r } else { out.unicodeScalars.append(c) }
        }
        return out
    }
}
