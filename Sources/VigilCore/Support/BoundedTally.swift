/// Counts lines per name when the names come from the input — an attacker can write a syslog
/// line with any program name — so memory and output stay bounded: at most `maxDistinct` names
/// are tracked (later new names go straight to "other"), names are cut to `maxNameLength`
/// characters, and `top` lists the most frequent few and lumps the rest together.
package struct BoundedTally: Sendable {
    package struct Entry: Sendable, Codable, Equatable {
        package var name: String
        package var lines: Int64
    }

    package let maxDistinct: Int
    package let maxNameLength: Int
    private var counts: [String: Int64] = [:]
    /// Lines whose name arrived after `maxDistinct` names were already tracked.
    private var untracked: Int64 = 0

    package init(maxDistinct: Int = 1000, maxNameLength: Int = 64) {
        self.maxDistinct = maxDistinct
        self.maxNameLength = maxNameLength
    }

    package var isEmpty: Bool { counts.isEmpty && untracked == 0 }

    package mutating func add(_ rawName: String) {
        let name = rawName.count > maxNameLength ? String(rawName.prefix(maxNameLength)) + "…" : rawName
        if let count = counts[name] {
            counts[name] = count + 1
        } else if counts.count < maxDistinct {
            counts[name] = 1
        } else {
            untracked += 1
        }
    }

    /// The `limit` most frequent names (ties by name, for stable output), and the lines of all
    /// the others together, untracked ones included.
    package func top(_ limit: Int) -> (entries: [Entry], other: Int64) {
        let sorted = counts.map { Entry(name: $0.key, lines: $0.value) }.sorted { ($1.lines, $0.name) < ($0.lines, $1.name) }
        let shown = Array(sorted.prefix(limit))
        let other = sorted.dropFirst(limit).reduce(untracked) { $0 + $1.lines }
        return (shown, other)
    }
}
