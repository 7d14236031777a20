import ArgumentParser
import Foundation
import VigilCore

struct PruneCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "prune",
        abstract: "Apply retention: delete old findings by severity and old hourly counts, then reclaim space.",
        discussion: """
            Defaults (the platform's log plan): P1 and P2 90 days, P3 30 days, P4 14 days after a \
            finding's last activity; hourly event counts 400 days. Change them in the policy's \
            `retention:` section. Safe while other commands read the database.
            """
    )

    @OptionGroup var database: DatabaseOption
    @OptionGroup var policy: PolicyOption

    @Flag(name: .long, help: "Only say what would be deleted.")
    var dryRun = false

    @Option(name: .long, help: "Measure ages from this time instead of now (e.g. when replaying old logs).")
    var asOf: String?

    func run() throws {
        var now = Int64(Date().timeIntervalSince1970 * 1000)
        if let asOf {
            guard let t = EventTime.parseUserTime(asOf, now: now) else { throw ValidationError("--as-of takes a date or time") }
            now = t
        }
        let loaded = try policy.load(quiet: true)
        let store = try database.openExisting()
        let r = try store.prune(loaded.policy.retention, now: now, dryRun: dryRun)
        let verb = dryRun ? "would delete" : "deleted"
        let bySev = Severity.allCases.sorted(by: >).map { "\($0) \(r.findings[$0] ?? 0)" }.joined(separator: ", ")
        print(
            "\(verb) \(r.findings.values.reduce(0, +)) findings (\(bySev)), \(r.hourlyRows) hourly count rows, \(r.suppressions) ended suppressions"
        )
        if !dryRun { print(String(format: "database: %.1f MB → %.1f MB", Double(r.bytesBefore) / 1e6, Double(r.bytesAfter) / 1e6)) }
    }
}
