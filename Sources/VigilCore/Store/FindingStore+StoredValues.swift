import Foundation
import GRDB

/// The rule for values read back from the database: a reader never traps on one, and a row
/// holding a value Vigil does not write stops the command with a `StoredValueError` naming the
/// table, the row and the column (a `VigilError.store`, exit status 2). Nothing is skipped in
/// silence: a row that a query would pass over (a text `first_seen` sorts after every time, so
/// no period holds it) is found by a check before the query.
extension FindingStore {
    /// The columns of `finding` in the `finding_period` index: what the report aggregates, so
    /// they are checked on every row with one scan of that index, never of the table.
    static let findingIndexColumns: [(String, StoredColumn)] = [
        ("first_seen", .time), ("severity", .severity), ("detector", .text), ("subject_kind", .text), ("subject", .text),
        ("count", .count), ("country", .optionalText), ("asn", .optionalInteger), ("acked_at", .optionalTime),
    ]

    static let hourlyColumns: [(String, StoredColumn)] = [
        ("hour", .time), ("source", .text), ("server", .text), ("outcome", .text), ("events", .count), ("attempts", .count),
    ]

    static let inputColumns: [(String, StoredColumn)] = [
        ("fingerprint", .text), ("fingerprint_length", .nonNegative), ("path", .text), ("device", .integer), ("inode", .integer),
        ("size", .nonNegative), ("offset", .nonNegative), ("lines", .nonNegative), ("format", .text), ("malformed", .nonNegative),
        ("last_event_time", .optionalTime), ("updated_at", .time), ("end_fingerprint", .optionalText),
        ("requested_format", .optionalText), ("fixed_year", .optionalInteger), ("policy_fingerprint", .optionalText),
        ("first_analyzed_at", .optionalTime), ("absolute_path", .optionalText), ("cursor", .optionalText),
    ]

    static let policySnapshotColumns: [(String, StoredColumn)] = [
        ("fingerprint", .text), ("source", .optionalText), ("files", .text), ("recorded_at", .time),
    ]

    static let serviceColumns: [(String, StoredColumn)] = [
        ("pid", .integer), ("started_at", .time), ("heartbeat_at", .time), ("stopped_at", .optionalTime), ("lines", .nonNegative),
        ("events", .nonNegative), ("malformed", .nonNegative), ("alerts_dropped", .nonNegative), ("inputs", .text),
        ("problems", .optionalText),
    ]

    static let suppressionRowColumns: [(String, StoredColumn)] = [
        ("id", .integer), ("detector", .text), ("subject", .text), ("until", .end), ("note", .text), ("created_at", .time),
        ("created_by", .optionalText),
    ]

    static let suppressionEventColumns: [(String, StoredColumn)] = [
        ("id", .integer), ("suppression_id", .integer), ("action", .text), ("detector", .text), ("subject", .text), ("until", .end),
        ("note", .text), ("by", .text), ("at", .time),
    ]

    /// `alert_delivery` as `vigil status` and the sink threads read it.
    static let deliveryColumns: [(String, StoredColumn)] = [
        ("alert_id", .integer), ("sink", .text), ("status", .text), ("attempts", .nonNegative), ("next_attempt_at", .time),
        ("last_error", .optionalText),
    ]

    static let alertColumns: [(String, StoredColumn)] = [
        ("id", .integer), ("finding_id", .text), ("severity", .severity), ("kind", .text), ("payload", .text), ("created_at", .time),
    ]

    static let followedFileColumns: [(String, StoredColumn)] = [
        ("device", .integer), ("inode", .integer), ("path", .text), ("opened_at", .time),
    ]

    static let stateColumns: [(String, StoredColumn)] = [("name", .text), ("state", .blob)]

    /// Throws for the first of `columns` in `row` that holds a value its rule refuses.
    static func check(_ row: Row, _ columns: [(String, StoredColumn)], row label: String) throws {
        for (name, rule) in columns {
            if let problem = rule.problem(row[name] as DatabaseValue) {
                throw StoredValueError(row: label, column: name, problem: problem)
            }
        }
    }

    /// Finds the first row of `source` (a table, or a table with an `INDEXED BY`) matching
    /// `clause` whose `columns` break their rules, with one SQL scan, and throws for it.
    /// `label` names the row from the selected columns plus `keys` (not themselves checked).
    static func checkRows(
        _ db: Database, _ source: String, _ columns: [(String, StoredColumn)], keys: [String] = [], where clause: String? = nil,
        arguments: StatementArguments = [], label: (Database, Row) throws -> String
    ) throws {
        let valid = columns.map { $0.1.sql($0.0) }.joined(separator: " AND ")
        let selected = (keys + columns.map { "\"\($0.0)\"" }).joined(separator: ", ")
        let filter = clause.map { "(\($0)) AND " } ?? ""
        guard
            let row = try Row.fetchOne(
                db, sql: "SELECT \(selected) FROM \(source) WHERE \(filter)NOT (\(valid)) LIMIT 1", arguments: arguments)
        else { return }
        let name = try label(db, row)
        try check(row, columns, row: name)
        // The SQL rule refused what the Swift one accepts: still not silent.
        throw StoredValueError(row: name, column: columns.map(\.0).joined(separator: ", "), problem: "hold a value Vigil does not write")
    }

    /// A key value for a row's label: text as it is (escaped), anything else described.
    static func keyText(_ row: Row, _ column: String) -> String {
        let value = row[column] as DatabaseValue
        if case let .string(text) = value.storage { return TerminalText.escape(String(text.prefix(200))) }
        return StoredColumn.describe(value)
    }

    /// Every finding row's indexed columns and every hourly count: what the report adds up.
    /// One scan of the covering index (no finding's evidence is read) and one of the small
    /// hourly table; a finding outside the period is checked too, since a bad `first_seen`
    /// is exactly what puts a finding outside every period.
    package func checkStoredRows() throws {
        try read { db in
            try FindingStore.checkRows(
                db, "finding INDEXED BY finding_period", FindingStore.findingIndexColumns, keys: ["rowid"],
                label: FindingStore.findingLabelByRowID)
            try FindingStore.checkRows(db, "event_hourly", FindingStore.hourlyColumns) { _, row in
                "event_hourly row (hour \(FindingStore.keyText(row, "hour")), source \(FindingStore.keyText(row, "source")), server \(FindingStore.keyText(row, "server")), outcome \(FindingStore.keyText(row, "outcome")))"
            }
        }
    }

    /// The label of a finding row selected by rowid (an index scan does not read the id).
    static func findingLabelByRowID(_ db: Database, _ row: Row) throws -> String {
        let rowid: Int64 = try row.stored("rowid", row: "a finding row")
        let id = try String.fetchOne(db, sql: "SELECT CAST(id AS TEXT) FROM finding WHERE rowid = ?", arguments: [rowid])
        return "finding \(id.map { TerminalText.escape(String($0.prefix(200))) } ?? "of rowid \(rowid)")"
    }

    /// The label of a finding row from its id column, whatever that holds.
    static func findingLabel(_ row: Row) -> String {
        "finding \(FindingStore.keyText(row, "id"))"
    }
}
