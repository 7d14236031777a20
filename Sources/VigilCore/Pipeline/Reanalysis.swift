import Foundation

/// `vigil reanalyze`: reads the database's recorded inputs again, from their first line, with
/// corrected settings, and replaces what the earlier runs derived while keeping triage.
///
/// Why a whole re-analysis and not a patch of one input: brute force, allowlist and baseline
/// findings span inputs, and the detectors' state is the product of every event in time order.
/// A scratch database gets a clean run over all inputs (as `analyze` of them all would give),
/// then `ReanalysisStore.adoptAnalysis` swaps its results in, in one transaction: acknowledgements
/// and suppressions survive because finding ids are stable, and nothing changes when any input
/// fails to read.
package struct Reanalysis {
    /// An input to read again and the settings it gets.
    package struct PlannedInput: Sendable, Equatable {
        package var request: Analyzer.InputRequest
        /// The records of this path whose content is still there.
        package var records: [InputRecord]
    }

    /// An input whose content cannot be read again (its recorded name, or `<stdin>`), and why.
    package struct GoneInput: Sendable, Equatable {
        package var path: String
        package var reason: String
    }

    package var inputs: [PlannedInput] = []
    package var gone: [GoneInput] = []

    /// Settings given on the command line; `nil` keeps what each input was recorded with.
    package struct Overrides: Sendable {
        package var format: LogFormat?
        /// `.some(nil)`: infer the year from the file's date.
        package var fixedYear: Int??
        /// Only these inputs (paths as recorded or as given) take the overrides; empty: all.
        package var only: [String] = []

        package init() {}
    }

    /// Plans the re-analysis of every recorded input, in the order they were first analyzed.
    /// Each record's content is looked for at its path as recorded, at the absolute path
    /// recorded with it, at a path named on the command line, and among the rotated copies
    /// beside those, by its first bytes. A path named in `overrides.only` whose content the
    /// database has no record of is an error: it was never analyzed here (`vigil analyze` it).
    /// `standardInput`: findings cite standard input, which cannot be read again.
    package static func plan(records: [InputRecord], overrides: Overrides, standardInput: Bool = false) throws -> Reanalysis {
        var plan = Reanalysis()
        let ordered = records.sorted { ($0.firstAnalyzedAt ?? $0.updatedAt, $0.path) < ($1.firstAnalyzedAt ?? $1.updatedAt, $1.path) }
        var byPath: [String: [InputRecord]] = [:]
        var paths: [String] = []
        for record in ordered {
            if byPath[record.path] == nil { paths.append(record.path) }
            byPath[record.path, default: []].append(record)
        }
        // Named inputs: by recorded or absolute path, else by content (a rotated or moved copy).
        var namedPaths: [String: String] = [:]  // recorded path → the path named for it
        for name in overrides.only {
            let canonical = Reanalysis.canonical(name)
            let byName = paths.filter { path in
                Reanalysis.canonical(path) == canonical || byPath[path]!.contains { $0.absolutePath == canonical }
            }
            let byContent = byName.isEmpty ? Reanalysis.split(ordered, at: name).present.map(\.path) : []
            guard !(byName + byContent).isEmpty else {
                throw VigilError.input(
                    path: name, reason: "not an input of this database (no recorded input has its path or its first bytes)",
                    hint: "`vigil reanalyze` reads again what was analyzed into the database; analyze a new file with `vigil analyze`.")
            }
            for path in byName { namedPaths[path] = path }
            for path in byContent { namedPaths[path] = name }
        }
        for path in paths {
            let recorded = byPath[path]!
            if path.hasPrefix("journal:") {
                // A journal is read again through journalctl from its oldest entry (with the
                // default match): entries vacuumed since are gone, as a deleted file's lines are.
                // A group's record names its directory, read again whole, once for all its groups.
                let latest = recorded.max(by: { $0.updatedAt < $1.updatedAt })!
                let request = Analyzer.InputRequest(path: latest.absolutePath ?? path, format: .journalJSON, fixedYear: nil)
                if let planned = plan.inputs.firstIndex(where: { $0.request == request }) {
                    plan.inputs[planned].records += recorded
                } else {
                    plan.inputs.append(PlannedInput(request: request, records: recorded))
                }
                continue
            }
            let overridden = overrides.only.isEmpty || namedPaths[path] != nil
            func settings(_ records: [InputRecord]) -> (LogFormat, Int?) {
                let latest = records.max(by: { $0.updatedAt < $1.updatedAt })!
                var format = LogFormat(rawValue: latest.requestedFormat ?? latest.format) ?? .auto
                var year = latest.fixedYear
                if overridden, let f = overrides.format { format = f }
                if overridden, let y = overrides.fixedYear { year = y }
                return (format, year)
            }
            // Where its contents may be: as named, as recorded (relative to where it was
            // analyzed), where that was absolutely, then the rotated copies beside each.
            var places: [String] = []
            for place in [namedPaths[path], path] + recorded.map(\.absolutePath) {
                if let place, !places.contains(where: { Reanalysis.canonical($0) == Reanalysis.canonical(place) }) { places.append(place) }
            }
            places += places.flatMap(Reanalysis.rotatedCopies).filter { copy in !places.contains(copy) }
            var unfound = recorded
            // Why each one is not where it was recorded (or, failing that, the first place looked).
            var reasons: [String: String] = [:]
            func key(_ record: InputRecord) -> String { "\(record.fingerprint)/\(record.fingerprintLength)" }
            for place in places where !unfound.isEmpty {
                let (matched, rest) = Reanalysis.split(unfound, at: place)
                for (record, reason) in rest where reasons[key(record)] == nil || place == path { reasons[key(record)] = reason }
                guard !matched.isEmpty else { continue }
                unfound = unfound.filter { !matched.contains($0) }
                let (format, year) = settings(matched)
                plan.inputs.append(
                    PlannedInput(request: Analyzer.InputRequest(path: place, format: format, fixedYear: year), records: matched))
            }
            plan.gone += unfound.map { GoneInput(path: $0.path, reason: reasons[key($0)] ?? "not found") }
        }
        if standardInput {
            plan.gone.append(GoneInput(path: "<stdin>", reason: "standard input was analyzed into this database, and cannot be read again"))
        }
        return plan
    }

    /// The path as an absolute, standardized path, so `./auth.log` and `auth.log` name one input.
    static func canonical(_ path: String) -> String {
        URL(fileURLWithPath: path).standardizedFileURL.path
    }

    /// Files beside `path` whose names extend its name, as rotation names them, oldest
    /// rotation last (`auth.log.1`, `auth.log.2.gz`, …; `auth.log-20261101` by date).
    static func rotatedCopies(of path: String) -> [String] {
        let directory = (path as NSString).deletingLastPathComponent
        let base = (path as NSString).lastPathComponent
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.isEmpty ? "." : directory)) ?? []
        return names.filter { $0.count > base.count && $0.hasPrefix(base) && [".", "-", "_"].contains($0.dropFirst(base.count).first) }
            .sorted { $0.localizedStandardCompare($1) == .orderedAscending }
            .map { directory.isEmpty ? $0 : (directory as NSString).appendingPathComponent($0) }
    }

    /// Which of a path's records still have their content at the path (the file's first bytes
    /// give their fingerprint), and which are gone (the file is missing, unreadable, or now
    /// holds another content, as a rotated log does).
    static func split(_ records: [InputRecord], at path: String) -> (present: [InputRecord], missing: [(InputRecord, String)]) {
        let source: InputSource
        do { source = try InputSource(path: path) } catch let error as VigilError {
            return ([], records.map { ($0, error.description) })
        } catch {
            return ([], records.map { ($0, "\(error)") })
        }
        defer { source.close() }
        let prefix: [UInt8]
        // The peeked bytes live in the reader's buffer: copied while the reader is alive.
        let reader = LineReader(source: source)
        do { prefix = try withExtendedLifetime(reader) { Array(try reader.peek(InputRecord.fingerprintBytes)) } } catch {
            return ([], records.map { ($0, "cannot be read (\(error))") })
        }
        var present: [InputRecord] = [], gone: [(InputRecord, String)] = []
        for record in records {
            let matches = prefix.withUnsafeBytes { EventStream.isContent(of: record, startingWith: $0) }
            if matches, !source.isCompressed, source.size < record.offset {
                // Cut short since (truncated in place, an older backup restored): the lines
                // that were analyzed are not all there to read again.
                gone.append((record, "it holds \(source.size) bytes, fewer than the \(record.offset) analyzed from it (cut short since?)"))
            } else if matches {
                present.append(record)
            } else {
                gone.append((record, "the file there now holds other content (rotated or replaced)"))
            }
        }
        return (present, gone)
    }

    /// Analyzes the planned inputs into a scratch database beside `databasePath` (opened by
    /// `openScratch`, the same kind of store as `store`), then has `store` adopt the result.
    /// Throws, leaving the store as it was, when an input fails.
    package func run(
        into store: any ReanalysisStore, databasePath: String, options: Analyzer.Options,
        openScratch: (String) throws -> any CheckpointStore
    ) throws -> (summary: Analyzer.Summary, outcome: ReanalysisOutcome) {
        let scratch = databasePath + ".reanalyze-\(getpid())"
        let scratchFiles = ["", "-wal", "-shm", "-lock"].map { scratch + $0 }
        func removeScratch() { for file in scratchFiles { try? FileManager.default.removeItem(atPath: file) } }
        // A reanalysis killed midway (kill -9, power loss) left its scratch files; the caller
        // holds the database's writer lock, so no other one is using them.
        let directory = (databasePath as NSString).deletingLastPathComponent
        let leftover = (databasePath as NSString).lastPathComponent + ".reanalyze-"
        for name in (try? FileManager.default.contentsOfDirectory(atPath: directory.isEmpty ? "." : directory)) ?? []
        where name.hasPrefix(leftover) {
            try? FileManager.default.removeItem(atPath: directory.isEmpty ? name : (directory as NSString).appendingPathComponent(name))
        }
        defer { removeScratch() }
        let summary: Analyzer.Summary
        do {
            let fresh = try openScratch(scratch)
            summary = try Analyzer(store: fresh, options: options).run(inputs.map(\.request), command: "reanalyze")
        }
        if let failed = summary.failedInputs.first {
            throw VigilError.input(
                path: failed.path, reason: "cannot be read again, so nothing was changed (\(failed.error))",
                hint: "Fix it (or pass its settings: --format, --year), then run `vigil reanalyze` again.")
        }
        if let failed = summary.inputs.first(where: { $0.error != nil }) {
            throw VigilError.input(
                path: failed.path, reason: "reading it again stopped, so nothing was changed (\(failed.error ?? ""))",
                hint: "Fix it, then run `vigil reanalyze` again.")
        }
        let outcome = try store.adoptAnalysis(fromDatabaseAt: scratch, inputsMissing: !gone.isEmpty, at: EventTime.wallNow())
        return (summary, outcome)
    }
}
