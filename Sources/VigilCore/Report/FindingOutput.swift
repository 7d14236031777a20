import Foundation

/// Renders stored findings for `vigil findings`: a terminal table, a JSON array, or JSON lines.
package enum FindingOutput {
    package enum Format: String, CaseIterable, Sendable {
        case table, json, jsonl
    }

    /// One finding as a single JSON line (sorted keys: byte-stable for golden files).
    static func jsonLine(_ f: Finding) throws -> String {
        try f.jsonLine()
    }

    package static func render(_ findings: [Finding], as format: Format) throws -> String {
        switch format {
        case .jsonl:
            return try findings.map(jsonLine).map { $0 + "\n" }.joined()
        case .json:
            let e = JSONEncoder.vigil
            e.outputFormatting.insert(.prettyPrinted)
            return String(decoding: try e.encode(findings.map(FindingRecord.init)), as: UTF8.self) + "\n"
        case .table:
            return table(findings)
        }
    }

    static func table(_ findings: [Finding]) -> String {
        if findings.isEmpty { return "No findings.\n" }
        let header = ["ID", "SEV", "DETECTOR", "RULE", "SUBJECT", "FIRST SEEN", "LAST SEEN", "COUNT", "MESSAGE"]
        var rows: [[String]] = findings.map { f in
            [
                f.id, f.severity.description, f.detector, f.rule, TerminalText.escape(f.subject),
                String(EventTime.format(f.firstSeen).prefix(19)), String(EventTime.format(f.lastSeen).prefix(19)),
                String(f.count),
                (f.triage?.isSuppressed == true ? "[suppressed] " : f.triage?.isAcknowledged == true ? "[acked] " : "")
                    + TerminalText.escape(f.message),
            ]
        }
        rows.insert(header, at: 0)
        let widths = (0..<header.count - 1).map { c in min(rows.map { $0[c].count }.max() ?? 0, 40) }
        var out = ""
        for row in rows {
            var line = ""
            for c in 0..<row.count {
                var cell = row[c]
                if c < widths.count {
                    if cell.count > widths[c] { cell = String(cell.prefix(widths[c] - 1)) + "…" }
                    cell += String(repeating: " ", count: widths[c] - cell.count + 2)
                }
                line += cell
            }
            out += line + "\n"
        }
        return out
    }
}
