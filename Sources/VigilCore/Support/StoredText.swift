/// Caps a string Vigil stores or shows that a log line chose (a user name, a tool, a path, a
/// host), so one hostile line cannot put megabytes into a finding, its alerts and every report
/// that lists it. A capped value keeps its start, and ends with a marker giving its full length
/// and a hash of the whole, so two long values that share a start stay distinct.
enum StoredText {
    /// The longest value kept whole, in UTF-8 bytes.
    static let maxBytes = 512

    static func capped(_ text: String, maxBytes: Int = StoredText.maxBytes) -> String {
        let count = text.utf8.count
        guard count > maxBytes else { return text }
        var kept = ""
        var used = 0
        for scalar in text.unicodeScalars {
            let size = String(scalar).utf8.count
            if used + size > maxBytes { break }
            kept.unicodeScalars.append(scalar)
            used += size
        }
        let hash = String(StableHash.fnv1a(text), radix: 16)
        return kept + "…[truncated: \(count) bytes, fnv \(hash)]"
    }
}
