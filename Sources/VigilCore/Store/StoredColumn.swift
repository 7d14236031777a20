import GRDB

/// What a column of a Vigil table may hold. Values read back from the database are input too
/// (a file edited by hand, a bad restore, another program): a reader checks them before use
/// instead of trusting the schema, because SQLite keeps whatever is written into any column
/// and GRDB's plain subscript traps on a value of another type.
///
/// Each rule is spelled twice, as SQL (`sql`), so a reader finds a bad row among a million
/// with one scan of an index, and in Swift (`problem`), so the error says what was wrong.
/// The two must agree; `FindingStore.checkRows` relies on it.
enum StoredColumn {
    /// Text (never a blob: Vigil writes none into a text column).
    case text
    case optionalText
    case integer
    case optionalInteger
    /// An integer of 0 or more: offsets, sizes, counters that are printed but not summed.
    case nonNegative
    /// An integer from 0 to `maxCount`: counts the report adds up (in SQL and in Swift), kept
    /// small enough that a sum of millions of them cannot overflow.
    case count
    /// Milliseconds within `times`: what `EventTime` can format and subtract without overflow.
    case time
    case optionalTime
    /// A time, or the instant just after the last one (the end of a suppression until 9999-12-31).
    case end
    /// 1 (P1) to 4 (P4).
    case severity
    case blob

    /// Years 0 to 9999, as the decoders read timestamps (a four-digit year; a day more each
    /// side for a zone offset): a log line of 1969 is an event Vigil stores, and must read back.
    static let times: ClosedRange<Int64> = (-62_167_219_200_000 - EventTime.day)...EventTime.maxTime

    /// 2^40: more occurrences than any episode has, and 2^23 rows of it still sum within Int64.
    static let maxCount: Int64 = 1 << 40

    /// An SQL condition true when `column` holds an acceptable value (never NULL itself).
    func sql(_ column: String) -> String {
        let c = "\"\(column)\""
        func int(_ range: ClosedRange<Int64>) -> String {
            "(typeof(\(c)) = 'integer' AND \(c) BETWEEN \(range.lowerBound) AND \(range.upperBound))"
        }
        switch self {
        case .text: return "typeof(\(c)) = 'text'"
        case .optionalText: return "typeof(\(c)) IN ('text', 'null')"
        case .integer: return "typeof(\(c)) = 'integer'"
        case .optionalInteger: return "typeof(\(c)) IN ('integer', 'null')"
        case .nonNegative: return int(0...Int64.max)
        case .count: return int(0...StoredColumn.maxCount)
        case .time: return int(StoredColumn.times)
        case .optionalTime: return "(\(c) IS NULL OR \(int(StoredColumn.times)))"
        case .end: return int(StoredColumn.times.lowerBound...StoredColumn.times.upperBound + 1)
        case .severity: return int(1...4)
        case .blob: return "typeof(\(c)) = 'blob'"
        }
    }

    /// What is wrong with `value` for this column ("holds …, not …"), or nil when nothing is.
    func problem(_ value: DatabaseValue) -> String? {
        let expected: String
        switch self {
        case .text, .optionalText: expected = "text"
        case .integer, .optionalInteger: expected = "an integer"
        case .nonNegative: expected = "an integer of 0 or more"
        case .count: expected = "a count from 0 to 2^40"
        case .time, .optionalTime, .end: expected = "a time between years 0 and 9999"
        case .severity: expected = "1 (P1) to 4 (P4)"
        case .blob: expected = "a blob"
        }
        return accepts(value) ? nil : "holds \(StoredColumn.describe(value)), not \(expected)"
    }

    private func accepts(_ value: DatabaseValue) -> Bool {
        func int(_ range: ClosedRange<Int64>) -> Bool {
            if case let .int64(n) = value.storage { return range.contains(n) }
            return false
        }
        switch (self, value.storage) {
        case (.text, .string), (.optionalText, .string), (.optionalText, .null): return true
        case (.integer, .int64), (.optionalInteger, .int64), (.optionalInteger, .null): return true
        case (.nonNegative, _): return int(0...Int64.max)
        case (.count, _): return int(0...StoredColumn.maxCount)
        case (.time, _): return int(StoredColumn.times)
        case (.optionalTime, .null): return true
        case (.optionalTime, _): return int(StoredColumn.times)
        case (.end, _): return int(StoredColumn.times.lowerBound...StoredColumn.times.upperBound + 1)
        case (.severity, _): return int(1...4)
        case (.blob, .blob): return true
        default: return false
        }
    }

    /// A stored value as text for an error message: its type and a short, escaped form.
    static func describe(_ value: DatabaseValue) -> String {
        switch value.storage {
        case .null: return "NULL"
        case let .int64(number): return "the integer \(number)"
        case let .double(number): return "the real \(number)"
        case let .string(text):
            let shown = TerminalText.escape(String(text.prefix(40)))
            return "the text \"\(shown)\"" + (text.count > 40 ? " (\(text.utf8.count) bytes)" : "")
        case let .blob(data): return "a blob of \(data.count) bytes"
        }
    }
}
