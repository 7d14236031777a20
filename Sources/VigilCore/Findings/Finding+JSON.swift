/// Hand-written JSON for findings on the store's write path.
///
/// A run that opens tens of thousands of findings spent a third of its time in
/// `JSONEncoder` (measured with perf: 35% for 33,000 allowlist findings), encoding evidence
/// for the store and open episodes for the saved state. This writer produces the same
/// structure — keys sorted, in the store's snake_case or the state's camelCase — and
/// `JSONDecoder` reads it back; a test holds the two to the same values.
extension Finding {
    enum KeyStyle { case snake, camel }

    /// The evidence column of the `finding` table.
    var evidenceJSON: String {
        var out = ""
        out.reserveCapacity(512)
        Finding.write(evidence, .snake, &out)
        return out
    }

    /// Open episodes for the saved state (`JSONDecoder.state` reads it).
    static func stateJSON(_ list: [Finding]) -> [UInt8] {
        var out = "["
        out.reserveCapacity(list.count * 600 + 2)
        for (i, f) in list.enumerated() {
            if i > 0 { out += "," }
            f.write(.camel, &out)
        }
        out += "]"
        return Array(out.utf8)
    }

    private func write(_ style: KeyStyle, _ out: inout String) {
        var o = Obj(style: style, out: out)
        out = ""
        o.int("cooldown", cooldown)
        o.int("count", count)
        o.string("detector", detector)
        o.raw("evidence") { Finding.write(evidence, style, &$0) }
        o.int("firstSeen", firstSeen)
        o.string("id", id)
        o.int("lastSeen", lastSeen)
        o.string("message", message)
        o.string("rule", rule)
        if let server { o.string("server", server) }
        o.string("severity", severity.description)
        o.string("subject", subject)
        o.string("subjectKind", subjectKind)
        out = o.finish()
    }

    private static func write(_ e: Evidence, _ style: KeyStyle, _ out: inout String) {
        var o = Obj(style: style, out: out)
        out = ""
        o.strings("apiKeys", e.apiKeys)
        o.raw("attributes") { s in
            s += "{"
            for (i, k) in e.attributes.keys.sorted().enumerated() {
                if i > 0 { s += "," }
                JSONText.appendQuoted(k, to: &s); s += ":"; JSONText.appendQuoted(e.attributes[k]!, to: &s)
            }
            s += "}"
        }
        o.raw("counts") { s in
            s += "{"
            for (i, k) in e.counts.keys.sorted().enumerated() {
                if i > 0 { s += "," }
                JSONText.appendQuoted(k, to: &s); s += ":"; s += String(e.counts[k]!)
            }
            s += "}"
        }
        o.int("moreTargets", Int64(e.moreTargets))
        o.int("moreUsers", Int64(e.moreUsers))
        o.strings("requestIds", e.requestIds)
        o.raw("samples") { s in
            s += "["
            for (i, x) in e.samples.enumerated() {
                if i > 0 { s += "," }
                var so = Obj(style: style, out: s)
                so.string("at", x.at)
                if let v = x.attempts { so.int("attempts", Int64(v)) }
                if let v = x.operation { so.string("operation", v) }
                so.string("outcome", x.outcome)
                if let v = x.requestId { so.string("requestId", v) }
                if let v = x.status { so.int("status", Int64(v)) }
                if let v = x.target { so.string("target", v) }
                so.string("time", x.time)
                if let v = x.user { so.string("user", v) }
                s = so.finish()
            }
            s += "]"
        }
        o.strings("servers", e.servers)
        o.strings("targets", e.targets)
        o.strings("users", e.users)
        out = o.finish()
    }

    /// One JSON object being written.
    private struct Obj {
        /// The snake_case spelling of every key written here, computed once.
        static let snake: [String: String] = {
            let keys = [
                "apiKeys", "attributes", "counts", "moreTargets", "moreUsers", "requestIds", "samples", "servers", "targets",
                "users", "at", "attempts", "operation", "outcome", "requestId", "status", "target", "time", "user",
            ]
            var table: [String: String] = [:]
            for k in keys {
                var out = ""
                for c in k.unicodeScalars {
                    if c.properties.isUppercase { out += "_" + c.properties.lowercaseMapping } else { out.unicodeScalars.append(c) }
                }
                table[k] = out
            }
            return table
        }()

        let style: KeyStyle
        var out: String
        var first = true

        init(style: KeyStyle, out: String) {
            self.style = style
            self.out = out
            self.out += "{"
        }

        mutating func key(_ k: String) {
            if !first { out += "," }
            first = false
            out += "\""
            out += style == .camel ? k : Obj.snake[k] ?? k
            out += "\":"
        }

        mutating func string(_ k: String, _ v: String) { key(k); JSONText.appendQuoted(v, to: &out) }
        mutating func int(_ k: String, _ v: Int64) { key(k); out += String(v) }
        mutating func int(_ k: String, _ v: Int) { key(k); out += String(v) }
        mutating func strings(_ k: String, _ v: [String]) {
            key(k)
            out += "["
            for (i, s) in v.enumerated() {
                if i > 0 { out += "," }
                JSONText.appendQuoted(s, to: &out)
            }
            out += "]"
        }
        mutating func raw(_ k: String, _ body: (inout String) -> Void) { key(k); body(&out) }

        mutating func finish() -> String {
            out += "}"
            return out
        }
    }
}
