import ArgumentParser
import Foundation
import VigilCore

struct ReanalyzeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reanalyze",
        abstract: "Read every input of the database again from its first line, with corrected settings, keeping triage.",
        discussion: """
            For a run made with the wrong --format, --year or policy: the lines it read are not read \
            again by `analyze`. reanalyze reads all recorded inputs again (findings span inputs), each \
            with the format and year it was recorded with, unless given here; INPUT names the inputs \
            the given --format/--year apply to (default: all). The policy is --policy, else the one \
            the last run recorded (from the database, whatever the working directory holds).
            Everything is analyzed into a scratch database first and then swapped in, in one \
            transaction: if an input fails, nothing changes. Findings produced again keep their \
            acknowledgements and notes (ids are stable); suppressions stay; findings no longer \
            produced are removed (their triage history stays, and an acknowledgement comes back \
            with the finding). An input that is gone (deleted, rotated away) stops the command \
            unless --allow-missing: then the findings it contributed to are kept as they were, but \
            its events leave the hourly counts the report's thresholds use.
            Exit status: 0 done, 2 an input, the database or the policy could not be used.
            """
    )

    @Argument(help: "Recorded inputs the given --format/--year apply to; default: every input.")
    var inputs: [String] = []

    @OptionGroup var database: DatabaseOption
    @OptionGroup var policy: PolicyOption

    @Option(
        name: .long, help: "Log format for the inputs named (or all): auto, mcp-json, sshd, combined or journal-json. Default: as recorded."
    )
    var format: LogFormat?

    @Option(name: .long, help: "Year for syslog stamps that carry none, or `file` for each file's modification time. Default: as recorded.")
    var year: String?

    @Flag(name: .long, help: "Go on when recorded inputs are gone: no finding is removed, their events leave the hourly counts.")
    var allowMissing = false

    @Flag(name: .long, help: "Print nothing but errors.")
    var quiet = false

    func validate() throws {
        if let year, year != "file", Int(year).map({ $0 < 1970 || $0 > 9999 }) ?? true {
            throw ValidationError("--year takes a year between 1970 and 9999, or `file`")
        }
    }

    func run() throws {
        let store = try database.openExistingWriter(command: "reanalyze")
        let (loaded, policyLine) = try policyForReanalysis(store)
        var overrides = Reanalysis.Overrides()
        overrides.format = format
        if let year { overrides.fixedYear = .some(Int(year)) }
        overrides.only = inputs
        let plan = try Reanalysis.plan(
            records: try store.inputRecords(), overrides: overrides, standardInput: try store.standardInputContributed())
        if !plan.gone.isEmpty && !allowMissing {
            for gone in plan.gone { printError("\(TerminalText.escape(gone.path)): gone (\(TerminalText.escape(gone.reason)))") }
            throw VigilError.input(
                path: database.path,
                reason:
                    "\(plan.gone.count) recorded input\(plan.gone.count == 1 ? " is" : "s are") gone, so a re-analysis cannot reproduce what \(plan.gone.count == 1 ? "it" : "they") produced; nothing was changed",
                hint:
                    "Restore them (or name where they are now: `vigil reanalyze PATH`), or pass --allow-missing: then no finding is removed (any may depend on a missing input), and their events leave the hourly counts."
            )
        }
        guard !plan.inputs.isEmpty else {
            throw VigilError.input(
                path: database.path, reason: "the database records no input that can be read again",
                hint: "Analyze logs into it with `vigil analyze`.")
        }
        var options = Analyzer.Options()
        options.policy = loaded.policy
        options.enricher = loaded.enricher
        let (summary, outcome) = try plan.run(into: store, databasePath: database.path, options: options) { path in
            try FindingStore(path: path, mode: .writer(command: "reanalyze"))
        }
        // What a reviewer must hear even with --quiet: triage that no longer applies.
        if !outcome.removedAcknowledged.isEmpty {
            printError(
                "\(outcome.removedAcknowledged.count) acknowledged finding\(outcome.removedAcknowledged.count == 1 ? " is" : "s are") no longer produced and removed: \(outcome.removedAcknowledged.joined(separator: ", ")). Their history stays (`vigil show ID`); a finding whose episode moved (a --year correction) has a new id, open until acknowledged again."
            )
        }
        if !outcome.reopened.isEmpty {
            printError(
                "\(outcome.reopened.count) acknowledged finding\(outcome.reopened.count == 1 ? " is" : "s are") more severe now and open again: \(outcome.reopened.joined(separator: ", "))."
            )
        }
        guard !quiet else { return }
        var out = AnalyzeCommand.render(summary, databasePath: database.path, verb: "Reanalyzed", findings: false)
        for input in plan.inputs {
            out +=
                "  \(TerminalText.escape(input.request.path)): read with --format \(input.request.format.rawValue), \(input.request.path.hasPrefix("journal:") ? "times from the journal" : input.request.fixedYear.map { "--year \($0)" } ?? "the year from the file's date")\n"
        }
        for gone in plan.gone {
            out += "  \(TerminalText.escape(gone.path)): gone (\(TerminalText.escape(gone.reason)))\n"
        }
        out += "Compared with before: \(outcome.again) findings produced again (triage kept), \(outcome.added.count) new"
        if outcome.acknowledgementsRestored > 0 { out += " (\(outcome.acknowledgementsRestored) with their acknowledgement restored)" }
        if !outcome.reopened.isEmpty { out += ", \(outcome.reopened.count) more severe and open again" }
        out += ", \(outcome.removed.count) no longer produced and removed"
        if !outcome.removedAcknowledged.isEmpty { out += " (\(outcome.removedAcknowledged.count) acknowledged)" }
        if outcome.keptFromGoneInputs > 0 {
            out += ", \(outcome.keptFromGoneInputs) not produced again but kept, since inputs are missing"
        }
        out += ".\n"
        print(out + policyLine, terminator: "")
    }

    /// `--policy` when given; else the policy the last run recorded, as it was then (from the
    /// database, with its GeoIP databases opened again): re-reading with whatever `./policies`
    /// the working directory holds would judge with another policy without a word.
    func policyForReanalysis(_ store: any StoreBackend) throws -> (LoadedPolicy, String) {
        if self.policy.policy != nil {
            let loaded = try self.policy.load(quiet: quiet)
            return (loaded, AnalyzeCommand.describe(loaded, policyPath: self.policy.path))
        }
        guard let recorded = try store.lastRunPolicy(), !recorded.isDefaults else {
            return (PolicyLoader.defaults(), "Policy: built-in defaults, as the last run recorded (pass --policy DIR for another)\n")
        }
        guard recorded.isComplete else {
            throw VigilError.usage(
                "the last run recorded its policy (\(RecordedPolicyText.describe(recorded))) before Vigil kept policies' texts; pass --policy DIR"
            )
        }
        let loaded = PolicyLoader.load(recorded: recorded, lint: true)
        if loaded.hasErrors {
            for d in loaded.errors { printError(TerminalText.escape(d.text)) }
            throw VigilError.usage(
                "the policy the last run recorded (\(RecordedPolicyText.describe(recorded))) no longer loads (above); pass --policy DIR")
        }
        return (loaded, "Policy: as the last run recorded it, \(RecordedPolicyText.describe(recorded)) (pass --policy DIR for another)\n")
    }
}
