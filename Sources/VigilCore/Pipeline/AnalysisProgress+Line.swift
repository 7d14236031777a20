import Foundation

extension AnalysisProgress.Snapshot {
    /// The one status line of `analyze --progress`: each input's share done, the bytes, the
    /// rate in lines/s and the time left, cut to `width` columns (a line that wraps can no
    /// longer be redrawn in place). File names are escaped: they are shown on a terminal.
    ///
    ///     auth.log 45%, mcp.jsonl 12% · 120.3 of 260.0 MB · 1.23 M lines/s · about 42 s left
    package func line(elapsedSeconds: Double, width: Int = 80) -> String {
        var parts: [String] = []
        let names = files.map { file -> String in
            let name = TerminalText.escape(URL(fileURLWithPath: file.path).lastPathComponent)
            guard let total = file.total, total > 0 else { return name }
            return "\(name) \(min(100, Int(file.done * 100 / total)))%"
        }
        parts.append(names.isEmpty ? "starting" : names.joined(separator: ", "))
        let known = files.filter { $0.total != nil }
        let done = files.reduce(0) { $0 + $1.done }
        let total = known.reduce(0) { $0 + ($1.total ?? 0) }
        if !files.isEmpty {
            parts.append(known.count == files.count && total > 0 ? "\(Self.bytes(done)) of \(Self.bytes(total))" : Self.bytes(done))
        }
        if elapsedSeconds > 0 { parts.append(Self.rate(Double(lines) / elapsedSeconds) + " lines/s") }
        // Time left from this run's byte rate, only when every input's size is known.
        let readThisRun = files.reduce(0) { $0 + max(0, $1.done - $1.startedAt) }
        if known.count == files.count, !files.isEmpty, done >= total {
            // Read to the end: detection and the last commit are what is left.
            parts.append("finishing")
        } else if known.count == files.count, !files.isEmpty, readThisRun > 0, elapsedSeconds > 0 {
            let left = Double(max(0, total - done)) / (Double(readThisRun) / elapsedSeconds)
            parts.append("about " + Self.duration(left) + " left")
        }
        let text = parts.joined(separator: " · ")
        guard width > 1, text.count > width - 1 else { return text }
        return String(text.prefix(width - 2)) + "…"
    }

    static func bytes(_ n: Int64) -> String {
        let value = Double(n)
        if value >= 1e9 { return String(format: "%.2f GB", value / 1e9) }
        if value >= 1e6 { return String(format: "%.1f MB", value / 1e6) }
        if value >= 1e3 { return String(format: "%.0f kB", value / 1e3) }
        return "\(n) B"
    }

    static func rate(_ perSecond: Double) -> String {
        if perSecond >= 1e6 { return String(format: "%.2f M", perSecond / 1e6) }
        if perSecond >= 1e3 { return String(format: "%.0f k", perSecond / 1e3) }
        return String(format: "%.0f", perSecond)
    }

    static func duration(_ seconds: Double) -> String {
        let whole = Int(seconds.rounded(.up))
        if whole < 60 { return "\(whole) s" }
        if whole < 3600 { return "\(whole / 60) min \(whole % 60) s" }
        return "\(whole / 3600) h \(whole % 3600 / 60) min"
    }
}
