import ArgumentParser
import Foundation
import VigilCore

extension ReportOutput.Format: ExpressibleByArgument {}

struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Write the security review report for a week (or any period) from the findings database.",
        discussion: """
            Periods are in event time (UTC). --week takes an ISO week (2026-W47), `last` (the last \
            full week before today) or `this`. --from/--to take dates or times; a date-only --to \
            includes that day. The report reads stored findings and hourly event counts only. \
            Without --policy it judges with the policy recorded with the runs that analyzed the \
            period (stored in the database), not with ./policies.
            """
    )

    @OptionGroup var database: DatabaseOption
    @OptionGroup var policy: PolicyOption

    @Option(name: .long, help: "ISO week (2026-W47), last or this. Default: last.")
    var week: String?

    @Option(name: .long, help: "Start of the period (date or time), instead of --week.")
    var from: String?

    @Option(name: .long, help: "End of the period; a date-only value includes that day. Default: now.")
    var to: String?

    @Option(name: .long, help: "html, md or json.")
    var format: ReportOutput.Format = .html

    @Option(name: .long, help: "Write to this file instead of standard output.")
    var out: String?

    @Flag(
        name: .long,
        help: ArgumentHelp(
            "Mask client addresses (/24, /48) and replace user ids by keyed pseudonyms, for reports shared beyond the security team.",
            discussion:
                "Pseudonyms are HMAC-SHA-256 of the user id under a secret: --mask-secret-file, else $VIGIL_MASK_SECRET ($VIGIL_MASK_SALT is a deprecated alias). Without one, a random key is used for this report alone (with a warning): its pseudonyms match no other report."
        ))
    var mask = false

    @Option(name: .long, help: ArgumentHelp("File holding the secret key of --mask's pseudonyms.", valueName: "path"))
    var maskSecretFile: String?

    @Option(name: .long, help: "Report title.")
    var title = "Security review"

    @Option(name: .long, help: "Take `now` (for --week last/this and ages) as this time instead of the clock.")
    var asOf: String?

    /// The policy to judge thresholds with: `--policy` when given; else the one in force for
    /// the period, as the store recorded it with the runs that analyzed it (its files' texts,
    /// so neither the directory a report runs from nor later edits change the verdicts); else,
    /// for runs recorded before Vigil kept policies, the last run's policy path; else the usual
    /// default.
    func policyForReport(_ store: any StoreBackend, period: ReportPeriod) throws -> LoadedPolicy {
        if policy.policy != nil { return try policy.load(quiet: true) }
        let inForce = try store.policiesInForce(period)
        guard let recorded = try inForce.first ?? store.lastRunPolicy() else { return try policy.load(quiet: true) }
        if inForce.count > 1 {
            let names = inForce.map { RecordedPolicyText.describe($0) }
            printError(
                "this period was analyzed under \(inForce.count) policies (\(names.joined(separator: "; "))); the thresholds are judged with the first, whose runs analyzed the most events. Pass --policy to choose"
            )
        }
        if recorded.isDefaults { return PolicyLoader.defaults() }
        if recorded.isComplete {
            let loaded = PolicyLoader.load(recorded: recorded)
            if loaded.hasErrors {
                throw VigilError.store(
                    path: database.path,
                    reason:
                        "the policy recorded with the last run (\(RecordedPolicyText.describe(recorded))) no longer loads: \(loaded.errors.map(\.message).joined(separator: "; "))",
                    hint: "Pass --policy DIR to judge with a policy on disk.")
            }
            if let source = recorded.source, FileManager.default.fileExists(atPath: source),
                PolicyLoader.fingerprint(PolicyLoader.policyFiles(source)) != recorded.fingerprint
            {
                printError(
                    "judged with the policy as recorded when the period was analyzed (\(RecordedPolicyText.describe(recorded))); the files at \(TerminalText.escape(source)) changed since. Pass --policy \(TerminalText.escape(source)) to judge with them"
                )
            }
            return loaded
        }
        // Recorded before Vigil kept the policy's text: its path is all there is.
        guard let source = recorded.source else { return try policy.load(quiet: true) }
        guard FileManager.default.fileExists(atPath: source) else {
            printError(
                "the policy the last analysis used (\(TerminalText.escape(source))) is gone; judging with \(policy.path ?? "the built-in defaults"). Pass --policy."
            )
            return try policy.load(quiet: true)
        }
        let loaded = try PolicyOption(policy: source).load(quiet: true)
        if let then = recorded.fingerprint, loaded.policy.fingerprint != then {
            printError(
                "the policy at \(TerminalText.escape(source)) changed since the last analysis; the thresholds are judged with its current content"
            )
        }
        return loaded
    }

    /// The key of `--mask`'s pseudonyms. Without a secret the report is still made, with a
    /// random key and a loud warning, rather than refused: a one-off key is no weaker (nobody
    /// can reverse its pseudonyms), it only loses matching between reports, which the warning
    /// and the report's header say. Refusing would push users to a short throwaway secret.
    func maskKey() throws -> Pseudonymizer {
        guard
            let (configured, warnings) = try Pseudonymizer.configured(
                secretFile: maskSecretFile, environment: ProcessInfo.processInfo.environment)
        else {
            printError(
                "WARNING: --mask without a secret: user pseudonyms use a random key for this report only, so they will NOT match those of other reports. Set $VIGIL_MASK_SECRET or pass --mask-secret-file PATH to keep them stable."
            )
            return Pseudonymizer.oneOff()
        }
        for warning in warnings { printError(warning) }
        return configured
    }

    /// What the report says it judged with (`SecurityReport.judgedWith`).
    func judgement(_ judged: Policy) -> String {
        guard let fingerprint = judged.fingerprint else { return "the built-in default policy" }
        let place = "the policy at \(judged.source ?? "?") [\(fingerprint)]"
        return policy.policy != nil ? place + " (--policy)" : place + ", as recorded with the runs that analyzed the period"
    }

    func validate() throws {
        if maskSecretFile != nil && !mask { throw ValidationError("--mask-secret-file is for --mask") }
        if week != nil && from != nil { throw ValidationError("give either --week or --from/--to, not both") }
        if to != nil && from == nil { throw ValidationError("--to needs --from") }
    }

    func run() throws {
        var now = Int64(Date().timeIntervalSince1970 * 1000)
        if let asOf {
            guard let t = EventTime.parseUserTime(asOf, now: now) else {
                throw ValidationError("--as-of takes a date or time such as 2026-11-30")
            }
            now = t
        }
        let period: ReportPeriod
        if let from {
            guard let p = ReportPeriod.range(from: from, to: to, now: now) else {
                throw ValidationError("--from/--to must be dates or times (2026-11-01, 2026-11-01T06:00:00Z), --to after --from")
            }
            period = p
        } else {
            guard let p = ReportPeriod.week(week ?? "last", now: now) else {
                throw ValidationError("--week takes an ISO week such as 2026-W47, or last, or this")
            }
            period = p
        }
        let store = try database.openExisting(readOnly: true)
        let loaded = try policyForReport(store, period: period)
        var options = ReportBuilder.Options()
        options.mask = mask
        if mask { options.pseudonyms = try maskKey() }
        options.now = now
        options.title = title
        var report = try ReportBuilder(store: store, policy: loaded.policy, options: options).build(period)
        if mask { report.pseudonymKey = options.pseudonyms.isStable ? "configured" : "one-off" }
        report.judgedWith = judgement(loaded.policy)
        let text = try ReportOutput.render(report, as: format)
        if let out {
            do { try Data(text.utf8).write(to: URL(fileURLWithPath: out), options: .atomic) } catch {
                printError("\(out): cannot write the report (\(error.localizedDescription))")
                throw ExitCode(2)
            }
            printError("wrote \(out) (\(period.label))")
        } else {
            let buffer = OutputBuffer()
            buffer.write(text)
            buffer.flush()
        }
    }
}
