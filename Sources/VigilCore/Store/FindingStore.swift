import Foundation
import GRDB

#if canImport(Glibc)
    import Glibc
#endif

/// The SQLite file that holds findings, input offsets and detector state: the one
/// `StoreBackend` today, every role in its `FindingStore+…` files.
///
/// WAL mode, so reports read while an analysis writes. Everything one batch of work produced —
/// new and grown findings, input offsets, detector state — is committed in one transaction:
/// after a crash the database holds either all of it or none of it, and re-running continues
/// from the last commit without losing or double-counting lines.
package final class FindingStore: StoreBackend {
    package let path: String
    /// Reached only through `read` and `write` (FindingStore+Errors.swift), which turn its
    /// errors into `VigilError.store`; tests use it directly to inspect tables.
    let pool: DatabasePool

    /// Held by a writer (`analyze`, `tail`) for the store's lifetime; see `WriterLock`.
    private let writerLock: WriterLock?

    /// How a command uses the database.
    package enum OpenMode: Sendable {
        /// `analyze` and `tail`: creates the database if needed, migrates it, and holds the
        /// writer lock, so a second writer is refused instead of overwriting detector state.
        case writer(command: String)
        /// Triage (`ack`, `suppress`, `prune`): writes a few rows beside a running writer.
        case readWrite
        /// `findings`, `report`, `status`, `baseline`: never writes, so a database the user may
        /// only read (another account's, a copy on a read-only mount) can still be queried.
        case readOnly
    }

    package init(path: String, mode: OpenMode = .readWrite) throws {
        self.path = path
        if case let .writer(command) = mode {
            writerLock = try WriterLock(databasePath: path, command: command)
        } else {
            writerLock = nil
        }
        if case .readOnly = mode {
            pool = try FindingStore.openReadOnly(path: path)
            return
        }
        let config = FindingStore.configuration(readOnly: false)
        pool = try FindingStore.translatingErrors(path: path, .open) {
            let pool = try DatabasePool(path: path, configuration: config)
            try FindingStore.migrator.migrate(pool)
            return pool
        }
    }

    private static func configuration(readOnly: Bool) -> Configuration {
        var config = Configuration()
        config.busyMode = .timeout(10)
        config.label = "vigil"
        config.readonly = readOnly
        // Memory-mapped reads: report queries scan large indexes without a read() per page.
        config.prepareDatabase { db in try db.execute(sql: "PRAGMA mmap_size = 1073741824") }
        return config
    }

    /// Opens without writing. A database of an older schema is migrated first when it can
    /// be written (what every command did before); one that cannot be says so.
    private static func openReadOnly(path: String) throws -> DatabasePool {
        try translatingErrors(path: path, .openForReading) {
            var pool: DatabasePool
            do {
                pool = try DatabasePool(path: path, configuration: configuration(readOnly: true))
                _ = try pool.read { db in try db.tableExists("finding") }
            } catch let error as DatabaseError where Self.mayOpenImmutable(path, error) {
                // A WAL database read where its `-shm` cannot be created (no writer is running
                // and the directory is not ours): with no `-wal` beside it, the main file holds
                // every commit, and SQLite can read it as immutable.
                pool = try DatabasePool(path: "file:" + path + "?immutable=1", configuration: configuration(readOnly: true))
            }
            if try pool.read({ db in try migrator.hasCompletedMigrations(db) }) { return pool }
            if try pool.read({ db in try migrator.appliedIdentifiers(db).isEmpty && !(try db.tableExists("finding")) }) {
                throw VigilError.store(
                    path: path, reason: "not a Vigil findings database (it has no findings table)",
                    hint: "Pass the --db that analyze or tail write to.")
            }
            guard access(path, W_OK) == 0 else {
                throw VigilError.store(
                    path: path, reason: "the database has an older schema and cannot be upgraded here (read-only)",
                    hint: "Run `vigil analyze --db \(path)` once with write access (it upgrades the schema), then read it again.")
            }
            let writable = try DatabasePool(path: path, configuration: configuration(readOnly: false))
            try migrator.migrate(writable)
            return pool
        }
    }

    /// Whether a read-only open failed only for want of a writable `-shm`, with no `-wal` that
    /// immutable reading would ignore.
    private static func mayOpenImmutable(_ path: String, _ error: DatabaseError) -> Bool {
        let readOnlyOrCantOpen = error.resultCode == .SQLITE_READONLY || error.resultCode == .SQLITE_CANTOPEN
        return readOnlyOrCantOpen && !FileManager.default.fileExists(atPath: path + "-wal") && !path.contains("?")
    }

    static var migrator: DatabaseMigrator {
        var m = DatabaseMigrator()
        m.registerMigration("v1") { db in
            try db.execute(
                sql: """
                    CREATE TABLE finding (
                        id TEXT PRIMARY KEY NOT NULL,
                        detector TEXT NOT NULL,
                        rule TEXT NOT NULL,
                        severity INTEGER NOT NULL,
                        subject_kind TEXT NOT NULL,
                        subject TEXT NOT NULL,
                        server TEXT,
                        first_seen INTEGER NOT NULL,
                        last_seen INTEGER NOT NULL,
                        count INTEGER NOT NULL,
                        message TEXT NOT NULL,
                        evidence TEXT NOT NULL,
                        cooldown INTEGER NOT NULL,
                        created_at INTEGER NOT NULL,
                        updated_at INTEGER NOT NULL
                    );
                    CREATE INDEX finding_last_seen ON finding(last_seen);
                    CREATE INDEX finding_first_seen ON finding(first_seen);
                    CREATE INDEX finding_detector ON finding(detector, severity);
                    CREATE TABLE input (
                        fingerprint TEXT NOT NULL,
                        fingerprint_length INTEGER NOT NULL,
                        path TEXT NOT NULL,
                        device INTEGER NOT NULL,
                        inode INTEGER NOT NULL,
                        size INTEGER NOT NULL,
                        offset INTEGER NOT NULL,
                        lines INTEGER NOT NULL,
                        format TEXT NOT NULL,
                        malformed INTEGER NOT NULL,
                        last_event_time INTEGER,
                        updated_at INTEGER NOT NULL,
                        decoder_state BLOB,
                        PRIMARY KEY (fingerprint, fingerprint_length)
                    );
                    CREATE TABLE detector_state (
                        name TEXT PRIMARY KEY NOT NULL,
                        state BLOB NOT NULL,
                        updated_at INTEGER NOT NULL
                    );
                    CREATE TABLE run (
                        id INTEGER PRIMARY KEY AUTOINCREMENT,
                        started_at INTEGER NOT NULL,
                        finished_at INTEGER,
                        command TEXT NOT NULL,
                        lines INTEGER NOT NULL DEFAULT 0,
                        events INTEGER NOT NULL DEFAULT 0,
                        malformed INTEGER NOT NULL DEFAULT 0,
                        findings_opened INTEGER NOT NULL DEFAULT 0,
                        version TEXT NOT NULL
                    );
                    """)
        }
        // Report and triage: events per hour counted at ingest (the weekly report's threshold
        // table reads these, never the logs), acknowledgement of findings, suppressions.
        m.registerMigration("v2") { db in
            try db.execute(
                sql: """
                    CREATE TABLE event_hourly (
                        hour INTEGER NOT NULL,
                        source TEXT NOT NULL,
                        server TEXT NOT NULL,
                        outcome TEXT NOT NULL,
                        events INTEGER NOT NULL,
                        attempts INTEGER NOT NULL,
                        PRIMARY KEY (hour, source, server, outcome)
                    ) WITHOUT ROWID;
                    ALTER TABLE finding ADD COLUMN acked_at INTEGER;
                    ALTER TABLE finding ADD COLUMN ack_note TEXT;
                    ALTER TABLE finding ADD COLUMN country TEXT;
                    ALTER TABLE finding ADD COLUMN asn INTEGER;
                    CREATE INDEX finding_subject ON finding(subject_kind, subject, first_seen);
                    UPDATE finding SET country = json_extract(evidence, '$.attributes.country'),
                        asn = CAST(substr(json_extract(evidence, '$.attributes.asn'), 3) AS INTEGER);
                    CREATE TABLE suppression (
                        id INTEGER PRIMARY KEY AUTOINCREMENT,
                        detector TEXT NOT NULL,
                        subject TEXT NOT NULL,
                        until INTEGER NOT NULL,
                        note TEXT NOT NULL,
                        created_at INTEGER NOT NULL
                    );
                    """)
        }
        // Covers every column the report aggregates, so a week of a million findings is
        // summarized from the index without reading rows (evidence makes rows large).
        m.registerMigration("v3") { db in
            try db.execute(
                sql: """
                    CREATE INDEX finding_period ON finding(first_seen, severity, detector, subject_kind, subject, count, country, asn, acked_at);
                    """)
        }
        // `tail`: the alert outbox (notifications written in the same transaction as their
        // findings, delivered by sink threads, so a crash neither loses nor repeats one) and
        // the running service's heartbeat for `vigil status`.
        m.registerMigration("v4") { db in
            try db.execute(
                sql: """
                    CREATE TABLE alert (
                        id INTEGER PRIMARY KEY AUTOINCREMENT,
                        finding_id TEXT NOT NULL,
                        severity INTEGER NOT NULL,
                        kind TEXT NOT NULL,
                        payload TEXT NOT NULL,
                        created_at INTEGER NOT NULL
                    );
                    CREATE INDEX alert_finding ON alert(finding_id, severity);
                    CREATE TABLE alert_delivery (
                        alert_id INTEGER NOT NULL,
                        sink TEXT NOT NULL,
                        status TEXT NOT NULL,
                        attempts INTEGER NOT NULL DEFAULT 0,
                        next_attempt_at INTEGER NOT NULL,
                        last_error TEXT,
                        updated_at INTEGER NOT NULL,
                        PRIMARY KEY (alert_id, sink)
                    ) WITHOUT ROWID;
                    CREATE INDEX alert_delivery_due ON alert_delivery(sink, status, next_attempt_at);
                    CREATE TABLE service (
                        name TEXT PRIMARY KEY NOT NULL,
                        pid INTEGER NOT NULL,
                        started_at INTEGER NOT NULL,
                        heartbeat_at INTEGER NOT NULL,
                        stopped_at INTEGER,
                        lines INTEGER NOT NULL,
                        events INTEGER NOT NULL,
                        malformed INTEGER NOT NULL,
                        alerts_dropped INTEGER NOT NULL,
                        inputs TEXT NOT NULL
                    );
                    """)
        }
        // `tail`: files followed before they had content to fingerprint (`FollowedFile`).
        m.registerMigration("v5-followed-file") { db in
            try db.execute(
                sql: """
                    CREATE TABLE followed_file (
                        device INTEGER NOT NULL,
                        inode INTEGER NOT NULL,
                        path TEXT NOT NULL,
                        opened_at INTEGER NOT NULL,
                        PRIMARY KEY (device, inode)
                    ) WITHOUT ROWID;
                    """)
        }
        // Inputs: a fingerprint of the bytes before the stored offset (`InputRecord.endFingerprint`).
        m.registerMigration("v6-input-end-fingerprint") { db in
            try db.execute(sql: "ALTER TABLE input ADD COLUMN end_fingerprint TEXT")
        }
        // The tail's inputs it cannot read (`TailService.problems`), for `vigil status`.
        m.registerMigration("v7-service-problems") { db in
            try db.execute(sql: "ALTER TABLE service ADD COLUMN problems TEXT")
        }
        // Triage with a history: who acknowledged what and when (`TriageEvent`).
        m.registerMigration("v8-triage-event") { db in
            try db.execute(
                sql: """
                    CREATE TABLE triage_event (
                        id INTEGER PRIMARY KEY AUTOINCREMENT,
                        finding_id TEXT NOT NULL,
                        action TEXT NOT NULL,
                        note TEXT,
                        by TEXT NOT NULL,
                        at INTEGER NOT NULL
                    );
                    CREATE INDEX triage_event_finding ON triage_event(finding_id, id);
                    """)
        }
        // The policy each run used (`Policy.source`, `Policy.fingerprint`).
        m.registerMigration("v9-run-policy") { db in
            try db.execute(sql: "ALTER TABLE run ADD COLUMN policy_source TEXT; ALTER TABLE run ADD COLUMN policy_fingerprint TEXT")
        }
        // The policy in force is data: each policy a run used, its files' texts (`RecordedPolicy`),
        // and the event time each run covered, so a report judges a period with the policy
        // its analysis used, whatever is on disk now.
        m.registerMigration("v10-policy-snapshot") { db in
            try db.execute(
                sql: """
                    CREATE TABLE policy_snapshot (
                        fingerprint TEXT PRIMARY KEY NOT NULL,
                        source TEXT,
                        files TEXT NOT NULL,
                        recorded_at INTEGER NOT NULL
                    );
                    ALTER TABLE run ADD COLUMN events_from INTEGER;
                    ALTER TABLE run ADD COLUMN events_to INTEGER;
                    """)
        }
        // The settings each input was read with (`InputRecord.requestedFormat` and the rest).
        m.registerMigration("v11-input-settings") { db in
            try db.execute(
                sql: """
                    ALTER TABLE input ADD COLUMN requested_format TEXT;
                    ALTER TABLE input ADD COLUMN fixed_year INTEGER;
                    ALTER TABLE input ADD COLUMN policy_fingerprint TEXT;
                    ALTER TABLE input ADD COLUMN first_analyzed_at INTEGER;
                    ALTER TABLE input ADD COLUMN absolute_path TEXT;
                    """)
        }
        // Suppressions with a history: who suppressed what and when, and who removed it
        // (`SuppressionEvent`); the suppression row itself stays what is in force.
        m.registerMigration("v13-suppression-history") { db in
            try db.execute(
                sql: """
                    ALTER TABLE suppression ADD COLUMN created_by TEXT;
                    CREATE TABLE suppression_event (
                        id INTEGER PRIMARY KEY AUTOINCREMENT,
                        suppression_id INTEGER NOT NULL,
                        action TEXT NOT NULL,
                        detector TEXT NOT NULL,
                        subject TEXT NOT NULL,
                        until INTEGER NOT NULL,
                        note TEXT NOT NULL,
                        by TEXT NOT NULL,
                        at INTEGER NOT NULL
                    );
                    """)
        }
        // Successful logins per day, server, user, method and address (`LoginDaily`), counted
        // at ingest with the hourly counts, for the weekly review.
        m.registerMigration("v12-login-daily") { db in
            try db.execute(
                sql: """
                    CREATE TABLE login_daily (
                        day INTEGER NOT NULL,
                        server TEXT NOT NULL,
                        user TEXT NOT NULL,
                        method TEXT NOT NULL,
                        address TEXT NOT NULL,
                        logins INTEGER NOT NULL,
                        first_seen INTEGER NOT NULL,
                        last_seen INTEGER NOT NULL,
                        PRIMARY KEY (day, server, user, method, address)
                    ) WITHOUT ROWID;
                    CREATE INDEX login_daily_source ON login_daily(user, address, first_seen);
                    """)
        }
        // A `journal:` input's position is a journal cursor (`InputRecord.cursor`), not an offset.
        m.registerMigration("v14-journal-cursor") { db in
            try db.execute(sql: "ALTER TABLE input ADD COLUMN cursor TEXT")
        }
        return m
    }

    // MARK: inputs

    package func inputRecords() throws -> [InputRecord] {
        try read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM input ORDER BY updated_at").map(FindingStore.inputRecord)
        }
    }

    /// An input row, checked: a value of the wrong type is an error naming the input, not a trap.
    static func inputRecord(_ r: Row) throws -> InputRecord {
        let label = "input row of " + keyText(r, "path")
        try check(r, inputColumns, row: label)
        return InputRecord(
            fingerprint: try r.stored("fingerprint", row: label), fingerprintLength: try r.stored("fingerprint_length", row: label),
            path: try r.stored("path", row: label),
            device: UInt64(bitPattern: try r.stored("device", Int64.self, row: label)),
            inode: UInt64(bitPattern: try r.stored("inode", Int64.self, row: label)), size: try r.stored("size", row: label),
            offset: try r.stored("offset", row: label), lines: try r.stored("lines", row: label),
            format: try r.stored("format", row: label), malformed: try r.stored("malformed", row: label),
            lastEventTime: try r.stored("last_event_time", row: label), updatedAt: try r.stored("updated_at", row: label),
            decoderState: try r.stored("decoder_state", row: label), endFingerprint: try r.stored("end_fingerprint", row: label),
            requestedFormat: try r.stored("requested_format", row: label),
            fixedYear: try r.stored("fixed_year", Int64?.self, row: label).map { Int($0) },
            policyFingerprint: try r.stored("policy_fingerprint", row: label),
            firstAnalyzedAt: try r.stored("first_analyzed_at", row: label),
            absolutePath: try r.stored("absolute_path", row: label),
            cursor: try r.stored("cursor", row: label))
    }

    package func followedFiles() throws -> [FollowedFile] {
        try read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM followed_file ORDER BY opened_at").map { row in
                try FindingStore.check(row, FindingStore.followedFileColumns, row: "followed_file row " + FindingStore.keyText(row, "path"))
                return FollowedFile(
                    path: try row.stored("path", String.self, row: "followed_file"),
                    device: UInt64(bitPattern: try row.stored("device", Int64.self, row: "followed_file")),
                    inode: UInt64(bitPattern: try row.stored("inode", Int64.self, row: "followed_file")),
                    openedAt: try row.stored("opened_at", Int64.self, row: "followed_file"))
            }
        }
    }

    /// Part of `commit`: stores the files followed without a record, and forgets those that
    /// now have one, or that were opened more than a week ago (rotated away long since).
    private static func storeFollowedFiles(_ db: Database, _ c: VigilCore.Checkpoint) throws {
        let insert = try db.cachedStatement(
            sql: "INSERT OR IGNORE INTO followed_file (device, inode, path, opened_at) VALUES (?, ?, ?, ?)")
        for f in c.followed {
            try insert.execute(arguments: [Int64(bitPattern: f.device), Int64(bitPattern: f.inode), f.path, f.openedAt])
        }
        let recorded = try db.cachedStatement(sql: "DELETE FROM followed_file WHERE device = ? AND inode = ?")
        for r in c.inputs where r.fingerprintLength > 0 {
            try recorded.execute(arguments: [Int64(bitPattern: r.device), Int64(bitPattern: r.inode)])
        }
        try db.execute(sql: "DELETE FROM followed_file WHERE opened_at < ?", arguments: [c.now - 7 * EventTime.day])
    }

    // MARK: state

    package func loadState() throws -> [String: Data] {
        try read { db in
            var out: [String: Data] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT name, state FROM detector_state") {
                let label = "detector_state row " + FindingStore.keyText(row, "name")
                try FindingStore.check(row, FindingStore.stateColumns, row: label)
                out[try row.stored("name", row: label)] = try row.stored("state", Data.self, row: label)
            }
            return out
        }
    }

    // MARK: commit

    /// The names the tests spell through the SQLite store (the types are the role's, shared
    /// by every backend).
    typealias Checkpoint = VigilCore.Checkpoint
    typealias CommitResult = VigilCore.CommitResult

    @discardableResult
    package func commit(_ c: VigilCore.Checkpoint) throws -> VigilCore.CommitResult {
        try write { db in
            let upsert = try db.cachedStatement(
                sql: """
                    INSERT INTO finding (id, detector, rule, severity, subject_kind, subject, server, first_seen, last_seen,
                                         count, message, evidence, cooldown, created_at, updated_at, country, asn)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    ON CONFLICT(id) DO UPDATE SET severity = MIN(severity, excluded.severity), last_seen = excluded.last_seen,
                        count = excluded.count, message = excluded.message, evidence = excluded.evidence,
                        server = excluded.server, updated_at = excluded.updated_at
                    """)
            for f in c.findings {
                let evidence = f.evidenceJSON
                // Country and AS number as columns, so reports group by them without parsing evidence.
                let asn = f.evidence.attributes["asn"].flatMap { Int64($0.dropFirst(2)) }
                try upsert.execute(arguments: [
                    f.id, f.detector, f.rule, f.severity.rawValue, f.subjectKind, f.subject, f.server,
                    f.firstSeen, f.lastSeen, f.count, f.message, evidence, f.cooldown, c.now, c.now,
                    f.evidence.attributes["country"], asn,
                ])
            }
            let input = try db.cachedStatement(
                sql: """
                    INSERT OR REPLACE INTO input (fingerprint, fingerprint_length, path, device, inode, size, offset, lines, format,
                                                  malformed, last_event_time, updated_at, decoder_state, end_fingerprint,
                                                  requested_format, fixed_year, policy_fingerprint, first_analyzed_at,
                                                  absolute_path, cursor)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """)
            for r in c.inputs {
                try input.execute(arguments: [
                    r.fingerprint, r.fingerprintLength, r.path, Int64(bitPattern: r.device),
                    Int64(bitPattern: r.inode), r.size, r.offset, r.lines, r.format, r.malformed,
                    r.lastEventTime, c.now, r.decoderState, r.endFingerprint,
                    r.requestedFormat, r.fixedYear, r.policyFingerprint, r.firstAnalyzedAt ?? c.now,
                    r.absolutePath, r.cursor,
                ])
            }
            try FindingStore.storeFollowedFiles(db, c)
            let hourly = try db.cachedStatement(
                sql: """
                    INSERT INTO event_hourly (hour, source, server, outcome, events, attempts) VALUES (?, ?, ?, ?, ?, ?)
                    ON CONFLICT(hour, source, server, outcome) DO UPDATE SET
                        events = events + excluded.events, attempts = attempts + excluded.attempts
                    """)
            for h in c.hourly {
                try hourly.execute(arguments: [h.hour, h.source, h.server, h.outcome, h.events, h.attempts])
            }
            try FindingStore.storeLogins(db, c.logins)
            let state = try db.cachedStatement(sql: "INSERT OR REPLACE INTO detector_state (name, state, updated_at) VALUES (?, ?, ?)")
            for (name, data) in c.state.sorted(by: { $0.key < $1.key }) {
                try state.execute(arguments: [name, data, c.now])
            }
            return c.alertRoutes.isEmpty ? CommitResult() : try FindingStore.queueAlerts(db, c)
        }
    }

    // MARK: queries

    package func storedRules() throws -> [String] {
        try read { db in
            try Row.fetchAll(db, sql: "SELECT DISTINCT rule FROM finding ORDER BY rule").map { row in
                try row.stored("rule", String.self, row: "finding rules")
            }
        }
    }

    package func findings(_ q: FindingQuery) throws -> [Finding] {
        var clauses: [String] = []
        var args: [any DatabaseValueConvertible] = []
        if let since = q.since { clauses.append("last_seen >= ?"); args.append(since) }
        if let until = q.until { clauses.append("first_seen < ?"); args.append(until) }
        if !q.detectors.isEmpty {
            clauses.append("detector IN (\(q.detectors.map { _ in "?" }.joined(separator: ", ")))")
            args.append(contentsOf: q.detectors)
        }
        if let s = q.minimumSeverity { clauses.append("severity <= ?"); args.append(s.rawValue) }
        if let subject = q.subject { clauses.append("subject = ?"); args.append(subject) }
        if !q.rules.isEmpty {
            clauses.append("rule IN (\(q.rules.map { _ in "?" }.joined(separator: ", ")))")
            args.append(contentsOf: q.rules)
        }
        if q.openOnly {
            clauses.append(
                """
                acked_at IS NULL AND NOT EXISTS (SELECT 1 FROM suppression s WHERE (s.detector = finding.detector OR s.detector = '*')
                    AND s.subject = finding.subject AND finding.first_seen < s.until)
                """)
        }
        if !q.ids.isEmpty {
            clauses.append("finding.id IN (\(q.ids.map { _ in "?" }.joined(separator: ", ")))")
            args.append(contentsOf: q.ids)
        }
        var sql = "SELECT finding.*, \(FindingStore.suppressionColumns) FROM finding"
        if !clauses.isEmpty { sql += " WHERE " + clauses.joined(separator: " AND ") }
        if let limit = q.limit {
            // The newest `limit`, shown oldest first like the rest.
            sql = "SELECT * FROM (\(sql) ORDER BY first_seen DESC, id DESC LIMIT \(max(0, limit))) ORDER BY first_seen, id"
        } else {
            sql += " ORDER BY first_seen, id"
        }
        let arguments = StatementArguments(args.map { $0.databaseValue })
        let sups = Dictionary(uniqueKeysWithValues: try suppressions().map { ($0.id, $0) })
        return try read { db in
            try Row.fetchAll(db, sql: sql, arguments: arguments).map { try FindingStore.finding($0, suppressions: sups) }
        }
    }

    /// The first suppression covering a finding row: same detector (or `*`) and subject, and
    /// an episode that started before the suppression's end.
    static let suppressionColumns = """
        (SELECT s.id FROM suppression s WHERE (s.detector = finding.detector OR s.detector = '*') AND s.subject = finding.subject
            AND finding.first_seen < s.until ORDER BY s.id LIMIT 1) AS suppression_id
        """

    static func finding(_ r: Row) throws -> Finding {
        try finding(r, suppressions: [:])
    }

    /// A finding from its row. Values read back are input too: every column is decoded with
    /// a check (GRDB's plain subscript traps on a NULL or a value of another type, which crashed
    /// `findings` and `report`), and a value no finding can have (a severity outside P1–P4, a
    /// time outside years 0–9999, a negative count) is an error naming the row and column.
    static func finding(_ r: Row, suppressions: [Int64: Suppression]) throws -> Finding {
        let id: String = (try? r.decode(String.self, forColumn: "id")) ?? "?"
        let row = "finding \(id)"
        func column<Value: DatabaseValueConvertible>(_ name: String, _ type: Value.Type = Value.self) throws -> Value {
            try r.stored(name, Value.self, row: row)
        }
        func time(_ name: String) throws -> Int64 {
            let value: Int64 = try column(name)
            guard StoredColumn.times.contains(value) else {
                throw StoredValueError(row: "finding \(id)", column: name, problem: "holds \(value), not a time between years 0 and 9999")
            }
            return value
        }
        try check(r, findingIndexColumns, row: row)
        let severityValue: Int = try column("severity")
        guard let severity = Severity(rawValue: severityValue) else {
            throw StoredValueError(row: "finding \(id)", column: "severity", problem: "holds \(severityValue), not 1 (P1) to 4 (P4)")
        }
        let count: Int = try column("count"), cooldown: Int64 = try column("cooldown")
        guard count >= 0, count <= StoredColumn.maxCount else {
            throw StoredValueError(row: "finding \(id)", column: "count", problem: "holds \(count), not a count from 0 to 2^40")
        }
        guard cooldown >= 0, cooldown <= EventTime.maxTime else {
            throw StoredValueError(row: "finding \(id)", column: "cooldown", problem: "holds \(cooldown), not a duration")
        }
        let evidenceText: String = try column("evidence")
        let evidence: Evidence
        do { evidence = try JSONDecoder.vigil.decode(Evidence.self, from: Data(evidenceText.utf8)) } catch {
            throw StoredValueError(row: "finding \(id)", column: "evidence", problem: "is not the evidence JSON Vigil writes")
        }
        var f = Finding(
            id: try column("id"), detector: try column("detector"), rule: try column("rule"), severity: severity,
            subjectKind: try column("subject_kind"), subject: try column("subject"), server: try column("server"),
            firstSeen: try time("first_seen"), lastSeen: try time("last_seen"), count: count, message: try column("message"),
            evidence: evidence, cooldown: cooldown)
        let ackedAt: Int64? = try column("acked_at") as Int64? == nil ? nil : try time("acked_at")
        let supID: Int64? = try column("suppression_id")
        if ackedAt != nil || supID != nil {
            let s = supID.flatMap { suppressions[$0] }
            f.triage = Finding.Triage(
                ackedAt: ackedAt, ackNote: try column("ack_note"), suppressionID: supID, suppressionNote: s?.note,
                suppressedUntil: s?.until)
        }
        return f
    }
}

/// A stored value no finding can have: the row (a finding's id), the column and what was wrong. It
/// leaves the store as a `VigilError.store` naming the database.
struct StoredValueError: Error, CustomStringConvertible {
    /// Which row: "finding F-…", or "a report row" for an aggregate.
    var row: String
    var column: String
    var problem: String

    var description: String { "\(row): column \(column) \(problem)" }
}

extension Row {
    /// A column decoded with a check, for everything the store reads back: a value of another
    /// type (or a NULL where one cannot be) is a `StoredValueError` naming the column, where
    /// GRDB's subscript would trap.
    func stored<Value: DatabaseValueConvertible>(
        _ column: String, _ type: Value.Type = Value.self, row: String = "a report row"
    ) throws -> Value {
        let value = self[column] as DatabaseValue
        // GRDB reads a blob of UTF-8 as text; Vigil writes none into a text column.
        if case .blob = value.storage, Value.self == String.self || Value.self == String?.self {
            throw StoredValueError(row: row, column: column, problem: "holds \(StoredColumn.describe(value)), not text")
        }
        do { return try decode(Value.self, forColumn: column) } catch {
            throw StoredValueError(row: row, column: column, problem: "holds \(StoredColumn.describe(value)), not a \(Value.self)")
        }
    }
}
