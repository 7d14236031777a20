import ArgumentParser
import Foundation

/// Scores findings (`vigil findings --output jsonl`) against the labels `generate` wrote:
/// recall and time to detect per incident kind, and false alerts at P3 or worse per 1,000
/// keys per day. Prints a table, or JSON with `--json`.
///
/// An incident is found by a finding of its detector (and one of its rules, when it names
/// any) about its subject whose episode overlaps the incident or the two hours after it. A
/// P1–P3 finding is a false alert when no incident involves its subject within an hour before
/// to six hours after (one incident may rightly raise several rules: a burst of 1,000
/// requests is also a volume anomaly).
struct Evaluation: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "evaluate", abstract: "Score Vigil's findings against the labelled incidents.")

    @Option(help: "Labels written by `generate`.") var labels: String
    @Option(help: "Findings as JSON lines (`vigil findings --output jsonl`).") var findings: String
    @Option(help: "Keys in the generated traffic.") var keys: Int
    @Option(help: "Days of generated traffic.") var days: Int
    @Flag(help: "Print JSON.") var json = false

    struct Label: Decodable {
        var kind: String, subject: String, subjectKind: String, startMs: Int64, endMs: Int64, detector: String, rules: [String]
    }

    struct Found: Decodable {
        var id: String, detector: String, rule: String, severity: String, subject: String, firstSeen: String, lastSeen: String
    }

    struct KindScore: Encodable {
        var kind: String
        var incidents: Int
        var found: Int
        var recall: Double
        var medianMinutesToDetect: Double?
        var missed: [String]
    }

    struct Result: Encodable {
        var kinds: [KindScore]
        var findings: Int
        var falseAlerts: Int
        var falseAlertsPer1000KeysPerDay: Double
        var falseAlertExamples: [String]
    }

    func run() throws {
        let d = JSONDecoder()
        d.keyDecodingStrategy = .convertFromSnakeCase
        let ls = try d.decode([Label].self, from: Data(contentsOf: URL(fileURLWithPath: labels)))
        let text = try String(contentsOfFile: findings, encoding: .utf8)
        let fs = try text.split(separator: "\n").map { try d.decode(Found.self, from: Data($0.utf8)) }
        let iso = ISO8601DateFormatter()
        iso.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        func ms(_ s: String) -> Int64 { Int64((iso.date(from: s)?.timeIntervalSince1970 ?? 0) * 1000) }
        let hour: Int64 = 3_600_000

        var kinds: [KindScore] = []
        for kind in Set(ls.map(\.kind)).sorted() {
            let group = ls.filter { $0.kind == kind }
            var found = 0
            var delays: [Double] = []
            var missed: [String] = []
            for l in group {
                let matches = fs.filter { f in
                    f.detector == l.detector && (l.rules.isEmpty || l.rules.contains(f.rule)) && f.subject == l.subject
                        && ms(f.firstSeen) <= l.endMs + 2 * hour && ms(f.lastSeen) >= l.startMs
                }
                if let first = matches.map({ ms($0.firstSeen) }).min() {
                    found += 1
                    delays.append(Double(max(0, first - l.startMs)) / 60_000)
                } else {
                    missed.append("\(l.subject)@\(l.startMs)")
                }
            }
            delays.sort()
            kinds.append(
                KindScore(
                    kind: kind, incidents: group.count, found: found, recall: Double(found) / Double(max(group.count, 1)),
                    medianMinutesToDetect: delays.isEmpty ? nil : delays[delays.count / 2], missed: missed))
        }
        let serious = fs.filter { ["P1", "P2", "P3"].contains($0.severity) }
        let falseAlerts = serious.filter { f in
            !ls.contains { l in l.subject == f.subject && ms(f.firstSeen) >= l.startMs - hour && ms(f.firstSeen) <= l.endMs + 6 * hour }
        }
        let r = Result(
            kinds: kinds, findings: fs.count, falseAlerts: falseAlerts.count,
            falseAlertsPer1000KeysPerDay: Double(falseAlerts.count) / (Double(keys) / 1000 * Double(days)),
            falseAlertExamples: falseAlerts.prefix(10).map { "\($0.severity) \($0.detector)/\($0.rule) \($0.subject) \($0.firstSeen)" })
        if json {
            let e = JSONEncoder()
            e.outputFormatting = [.prettyPrinted, .sortedKeys]
            e.keyEncodingStrategy = .convertToSnakeCase
            print(String(decoding: try e.encode(r), as: UTF8.self))
        } else {
            print("kind                 incidents  found  recall  median minutes to detect")
            for k in kinds {
                let name = k.kind.padding(toLength: 20, withPad: " ", startingAt: 0)
                print(
                    name + String(format: " %9d %6d %6.1f%%  ", k.incidents, k.found, k.recall * 100)
                        + (k.medianMinutesToDetect.map { String(format: "%.0f", $0) } ?? "–"))
            }
            print(
                String(
                    format: "false alerts (P1–P3): %d of %d findings, %.3f per 1,000 keys per day", r.falseAlerts, r.findings,
                    r.falseAlertsPer1000KeysPerDay))
            for x in r.falseAlertExamples { print("  \(x)") }
        }
    }
}
