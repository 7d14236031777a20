import Foundation
import GRDB
import Testing

@testable import VigilCore

/// Issue 18, item 17: values read back from the database are input too. A real database
/// (`vigil analyze` over fixtures, then triage, a tail heartbeat and alerts through the store)
/// has one column of one row set to a hostile value, and every command that reads that table
/// runs on it as a subprocess. None may die of a signal; each exits 0 or 2, and an exit 2
/// names the column. A value no reader can accept in a column it reads must be exit 2 (not a
/// row left out in silence).
@Suite struct StoredValueFuzzTests {
    /// A hostile value as an SQL expression (some are not literals: Int64.min is, in SQLite,
    /// only as arithmetic).
    struct Hostile: Sendable, CustomStringConvertible {
        var name: String
        var sql: String
        var description: String { name }
    }

    static let text = Hostile(name: "text 'P1'", sql: "'P1'")
    static let blob = Hostile(name: "blob", sql: "x'00ff'")
    static let core: [Hostile] = [
        text, blob, Hostile(name: "NULL", sql: "NULL"), Hostile(name: "Int64.min", sql: "(-9223372036854775807 - 1)"),
    ]
    /// One of these joins the core four for each column, in turn.
    static let rotating: [Hostile] = [
        Hostile(name: "Int64.max", sql: "9223372036854775807"), Hostile(name: "-1", sql: "-1"),
        Hostile(name: "1e308", sql: "1e308"), Hostile(name: "empty text", sql: "''"),
        Hostile(name: "1 MB text", sql: "replace(hex(zeroblob(524288)), '0', 'x')"),
        Hostile(name: "invalid UTF-8", sql: "CAST(x'c328ff41' AS TEXT)"),
    ]

    /// One table: its columns, which row is changed, the commands that read it, and which
    /// columns no reader looks at (a hostile value there is harmless, and exit 0 is right).
    struct Table: Sendable, CustomStringConvertible {
        var name: String
        var columns: [String]
        var row: @Sendable (Base) -> String
        var commands: [[String]]
        var unread: Set<String> = []
        /// Integer columns: text in them is as wrong as a blob.
        var integers: Set<String> = []
        /// A message an exit 2 may carry instead of the column's name (the row no longer found).
        var otherwise: String?
        var description: String { name }
    }

    static let week = ["--week", "2026-W45"]
    static let tables: [Table] = [
        Table(
            name: "finding",
            columns: [
                "id", "detector", "rule", "severity", "subject_kind", "subject", "server", "first_seen", "last_seen", "count",
                "message", "evidence", "cooldown", "created_at", "updated_at", "acked_at", "ack_note", "country", "asn",
            ],
            row: { "rowid = \($0.findingRowID)" },
            commands: [
                ["findings"], ["findings", "--output", "jsonl"], ["report"] + week + ["--format", "md"],
                ["report"] + week + ["--format", "json"], ["report"] + week + ["--format", "html"], ["status"],
            ],
            unread: ["created_at", "updated_at", "ack_note"],
            integers: ["severity", "first_seen", "last_seen", "count", "cooldown", "acked_at", "asn"]),
        Table(
            name: "input",
            columns: [
                "fingerprint", "fingerprint_length", "path", "device", "inode", "size", "offset", "lines", "format", "malformed",
                "last_event_time", "updated_at", "decoder_state", "end_fingerprint",
            ],
            row: { _ in "rowid = (SELECT min(rowid) FROM input)" }, commands: [["status"], ["status", "--output", "json"]],
            unread: ["decoder_state"],
            integers: ["fingerprint_length", "device", "inode", "size", "offset", "lines", "malformed", "updated_at"]),
        Table(
            name: "service",
            columns: [
                "name", "pid", "started_at", "heartbeat_at", "stopped_at", "lines", "events", "malformed", "alerts_dropped", "inputs",
            ],
            row: { _ in "name = 'tail'" }, commands: [["status"], ["status", "--output", "json"]], unread: ["name"],
            integers: ["pid", "started_at", "heartbeat_at", "lines", "events", "malformed", "alerts_dropped"]),
        Table(
            name: "alert", columns: ["id", "finding_id", "severity", "kind", "payload", "created_at"],
            row: { "id = \($0.alertID)" }, commands: [["status"], ["status", "--output", "json"]], unread: ["id"],
            integers: ["severity", "created_at"]),
        Table(
            name: "alert_delivery", columns: ["alert_id", "sink", "status", "attempts", "next_attempt_at", "last_error", "updated_at"],
            row: { "alert_id = \($0.alertID) AND sink = 'webhook'" }, commands: [["status"], ["status", "--output", "json"]],
            unread: ["updated_at"], integers: ["alert_id", "attempts", "next_attempt_at"]),
        Table(
            name: "suppression", columns: ["id", "detector", "subject", "until", "note", "created_at"],
            row: { "id = \($0.suppressionID)" },
            commands: [["findings"], ["report"] + week + ["--format", "md"], ["suppress", "--list"]],
            integers: ["id", "until", "created_at"]),
        Table(
            name: "event_hourly", columns: ["hour", "source", "server", "outcome", "events", "attempts"],
            row: { $0.hourlyRow }, commands: [["report"] + week + ["--format", "md"], ["report"] + week + ["--format", "json"]],
            integers: ["hour", "events", "attempts"]),
        Table(
            name: "detector_state", columns: ["name", "state", "updated_at"], row: { _ in "name = 'api_key_anomaly'" },
            commands: [["baseline", "show", "--key", "key_4be1"], ["baseline", "show", "--key", "key_4be1", "--output", "json"]],
            unread: ["updated_at"], otherwise: "no baseline for API key"),
    ]

    /// The database every case of one table starts from (built per table: an analysis of the
    /// fixtures takes a tenth of a second, and the scratch directory goes with the test).
    struct Base: Sendable {
        var dir: String
        var path: String
        var findingRowID: Int64
        var alertID: Int64
        var suppressionID: Int64
        var hourlyRow: String
    }

    static func buildBase(in dir: String) throws -> Base {
        let geo = packageRoot.appendingPathComponent("fixtures/geoip").path
        let policy = dir + "/policy.yaml"
        try "version: 1\ngeoip: { city: \(geo)/vigil-test-city.mmdb, asn: \(geo)/vigil-test-asn.mmdb, max_age_days: 0 }\n".write(
            toFile: policy, atomically: true, encoding: .utf8)
        let path = dir + "/base.sqlite"
        let analyze = try runVigil([
            "analyze", "--quiet", "--policy", policy, "--db", path, "--year", "2026", "fixtures/sshd/auth.log",
            "fixtures/mcp/mcp-service-2026-11-05.jsonl", "fixtures/combined/access.log",
        ])
        guard analyze.status == 0 else { throw VigilError.usage("analyze failed: \(analyze.err)") }
        let now = EventTime.wallNow()
        var base = Base(dir: dir, path: path, findingRowID: 0, alertID: 0, suppressionID: 0, hourlyRow: "")
        do {
            let store = try FindingStore(path: path)
            let rows = try store.pool.read { db in
                try Row.fetchAll(db, sql: "SELECT rowid, id, subject FROM finding ORDER BY severity, first_seen, rowid")
            }
            guard rows.count >= 3 else { throw VigilError.usage("the fixtures gave \(rows.count) findings") }
            // The changed finding is the first the report lists; another is acknowledged, a third suppressed.
            base.findingRowID = rows[0]["rowid"]
            let target: String = rows[0]["id"], targetSubject: String = rows[0]["subject"]
            try store.acknowledge(rows[rows.count - 1]["id"], note: "checked", by: "test", at: now)
            let other = rows.dropFirst().first { ($0["subject"] as String) != targetSubject } ?? rows[1]
            base.suppressionID =
                try store.suppress(
                    detector: "*", subject: other["subject"], until: ms("2026-12-31T00:00:00.000Z"), note: "known scanner", by: "test",
                    at: now
                ).id
            try store.updateService(
                TailService(
                    pid: 4242, startedAt: now - 3_600_000, heartbeatAt: now, stoppedAt: nil, lines: 100, events: 90, malformed: 1,
                    alertsDropped: 0, inputs: ["/var/log/auth.log"]))
            try store.pool.write { db in
                try db.execute(
                    sql: "INSERT INTO alert (finding_id, severity, kind, payload, created_at) VALUES (?, 2, 'opened', '{}', ?)",
                    arguments: [target, now - 60_000])
                base.alertID = db.lastInsertedRowID
                try db.execute(
                    sql: """
                        INSERT INTO alert_delivery (alert_id, sink, status, attempts, next_attempt_at, last_error, updated_at)
                        VALUES (?, 'webhook', 'pending', 1, ?, 'HTTP 503', ?)
                        """, arguments: [base.alertID, now + 30_000, now])
                let hour = try Row.fetchOne(
                    db, sql: "SELECT hour, source, server, outcome FROM event_hourly WHERE hour >= ? ORDER BY hour LIMIT 1",
                    arguments: [ms("2026-11-02T00:00:00.000Z")])
                guard let hour else { throw VigilError.usage("no hourly counts in the week") }
                let source: String = hour["source"], server: String = hour["server"], outcome: String = hour["outcome"]
                base.hourlyRow =
                    "hour = \(hour["hour"] as Int64) AND source = '\(source)' AND server = '\(server)' AND outcome = '\(outcome)'"
            }
        }
        // SQLite keeps any value in any column but a NOT NULL one; the schema's text loses
        // those constraints here (the file format does not change), so NULL can be stored too.
        let queue = try DatabaseQueue(path: path)
        try queue.writeWithoutTransaction { db in
            let version = try Int.fetchOne(db, sql: "PRAGMA schema_version") ?? 0
            try db.execute(sql: "PRAGMA writable_schema = ON")
            try db.execute(sql: "UPDATE sqlite_master SET sql = replace(sql, ' NOT NULL', '') WHERE type = 'table'")
            try db.execute(sql: "PRAGMA schema_version = \(version + 1)")
            try db.execute(sql: "PRAGMA writable_schema = OFF")
            try db.execute(sql: "PRAGMA wal_checkpoint(TRUNCATE)")
        }
        try queue.close()
        return base
    }

    /// Runs `vigil` and says how it ended: a signal is what the issue is about.
    static func run(_ args: [String]) throws -> (reason: Process.TerminationReason, status: Int32, err: String) {
        let p = Process()
        p.executableURL = packageRoot.appendingPathComponent(".build/debug/vigil")
        if let built = [URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("vigil")]
            .first(where: { FileManager.default.isExecutableFile(atPath: $0.path) })
        {
            p.executableURL = built
        }
        p.arguments = args
        p.currentDirectoryURL = packageRoot
        // A crash is reported by its signal; Swift's backtracer would hold stderr open and can
        // take long enough (or hang) to stall the suite.
        var environment = ProcessInfo.processInfo.environment
        environment["SWIFT_BACKTRACE"] = "enable=no"
        p.environment = environment
        let err = Pipe()
        p.standardOutput = FileHandle.nullDevice
        p.standardError = err
        p.standardInput = FileHandle.nullDevice
        try p.run()
        let e = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return (p.terminationReason, p.terminationStatus, String(decoding: e, as: UTF8.self))
    }

    /// The checks refuse only what Vigil never writes: an event of 1969 is stored (as a
    /// negative time) and must read back, or the next `analyze` of that input stops.
    @Test func timesBefore1970ReadBack() throws {
        let dir = TempDir()
        let log = dir.path("old.jsonl"), db = dir.path("db.sqlite")
        try
            #"{"timestamp": "1969-11-05T09:00:00.000Z", "level": "INFO", "service": "mcp-service", "operation": "get_tools", "server_name": "mcp-github", "client_ip": "192.0.2.21", "request_id": "r1", "duration_ms": 12, "status_code": 200, "error_code": null, "message": "ok", "user_id": "u1", "api_key_id": "key_1"}"#
            .appending("\n").write(toFile: log, atomically: true, encoding: .utf8)
        for command in [["analyze", "--quiet", log], ["analyze", "--quiet", log], ["status"], ["findings"]] {
            let run = try runVigil(command + ["--db", db])
            #expect(run.status == 0, "\(command): \(run.err)")
        }
        let stored = try FindingStore(path: db).pool.read { try Int64.fetchOne($0, sql: "SELECT last_event_time FROM input") }
        #expect((stored ?? 0) < 0)
    }

    @Test(arguments: tables)
    func aHostileStoredValueNeverCrashesAReader(_ table: Table) throws {
        let tempDir = TempDir()
        let base = try Self.buildBase(in: tempDir.url.path)
        let scratch = base.dir + "/\(table.name)-\(UUID().uuidString).sqlite"
        var failures: [String] = []
        var applied = 0
        for (index, column) in table.columns.enumerated() {
            let values = Self.core + [Self.rotating[index % Self.rotating.count]]
            for value in values {
                try? FileManager.default.removeItem(atPath: scratch)
                try FileManager.default.copyItem(atPath: base.path, toPath: scratch)
                do {
                    let queue = try DatabaseQueue(path: scratch)
                    try queue.write { db in
                        try db.execute(sql: "UPDATE \(table.name) SET \"\(column)\" = \(value.sql) WHERE \(table.row(base))")
                        if db.changesCount != 1 { throw VigilError.usage("changed \(db.changesCount) rows") }
                    }
                    try queue.close()
                } catch {
                    // A key of a WITHOUT ROWID table stays NOT NULL: that value cannot be stored.
                    continue
                }
                applied += 1
                let mustFail =
                    !table.unread.contains(column)
                    && (value.name == Self.blob.name || (value.name == Self.text.name && table.integers.contains(column)))
                for command in table.commands {
                    let run = try Self.run(command + ["--db", scratch])
                    let what = "\(table.name).\(column) = \(value) → vigil \(command.joined(separator: " ")): "
                    guard run.reason == .exit else {
                        failures.append(what + "killed by signal \(run.status)")
                        continue
                    }
                    if run.status != 0 && run.status != 2 { failures.append(what + "exit \(run.status): \(run.err)") }
                    let named = run.err.contains("column \(column)") || table.otherwise.map { run.err.contains($0) } == true
                    if run.status == 2 && !named { failures.append(what + "exit 2 without naming the column: \(run.err.prefix(300))") }
                    // `status` reads today's findings only; the fixtures' are weeks old.
                    if mustFail && run.status != 2 && !(table.name == "finding" && command == ["status"]) {
                        failures.append(what + "exit \(run.status), not 2")
                    }
                }
            }
        }
        try? FileManager.default.removeItem(atPath: scratch)
        // Only NULL in a key of a WITHOUT ROWID table may be refused by SQLite.
        #expect(applied >= table.columns.count * 4, "\(applied) of \(table.columns.count * 5) values stored")
        #expect(failures.isEmpty, Comment(rawValue: "\(failures.count) failures:\n" + failures.joined(separator: "\n")))
    }
}
