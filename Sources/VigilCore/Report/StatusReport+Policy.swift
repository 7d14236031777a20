/// The policy in force as `vigil status` shows it: the one the last run recorded, read from
/// the store (not from the directory status runs in), and whether its files changed since.
extension StatusReport {
    /// Whether the files at the recorded source still have the recorded fingerprint: `nil`
    /// for the built-in defaults or when the source is gone.
    var policyFilesUnchanged: Bool? {
        guard let policy, let source = policy.source, let fingerprint = policy.fingerprint else { return nil }
        let files = PolicyLoader.policyFiles(source)
        guard !files.isEmpty else { return nil }
        return PolicyLoader.fingerprint(files) == fingerprint
    }

    func policyText() -> String {
        guard let policy else { return "policy: no run recorded yet\n" }
        guard let fingerprint = policy.fingerprint else { return "policy: the built-in defaults (last run)\n" }
        var out = "policy: \(policy.source.map(TerminalText.escape) ?? "(unnamed)") [\(fingerprint)]"
        if let used = policy.lastUsedAt { out += ", last used \(EventTime.format(used))" }
        if let from = policy.eventsFrom, let to = policy.eventsTo {
            out += ", events \(EventTime.format(from)) to \(EventTime.format(to))"
        }
        out +=
            policy.files.isEmpty
            ? ", its files were not recorded (a run before Vigil kept them)"
            : ", \(policy.files.count) file\(policy.files.count == 1 ? "" : "s") recorded"
        switch policyFilesUnchanged {
        case true?: out += "; unchanged on disk"
        case false?: out += "; CHANGED on disk since (reports keep judging with the recorded one; the next run records the new one)"
        case nil: if policy.source != nil { out += "; gone from disk (reports use the recorded copy)" }
        }
        return out + "\n"
    }

    func policyJSON() -> String {
        guard let policy else { return "null" }
        func q(_ s: String?) -> String { s.map(StatusReport.jsonString) ?? "null" }
        let opt = StatusReport.jsonNumber
        let unchanged = policyFilesUnchanged.map { String($0) } ?? "null"
        return """
            {"source":\(q(policy.source)),"fingerprint":\(q(policy.fingerprint)),"files":[\(policy.files.map { q($0.path) }.joined(separator: ","))],\
            "last_used_at":\(opt(policy.lastUsedAt)),"events_from":\(opt(policy.eventsFrom)),"events_to":\(opt(policy.eventsTo)),\
            "unchanged_on_disk":\(unchanged)}
            """
    }
}
