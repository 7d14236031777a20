import Foundation
import Logging
import VigilCore

/// `tail --log-format json`: Vigil's own log on standard error as one JSON object a line —
/// `time` (UTC, milliseconds), `level`, `label`, `source` (the module), `message`, `metadata` — for log shippers
/// (journald's JSON forwarding, Vector, Fluent Bit) that would otherwise parse the text form.
/// Messages and metadata strings are escaped as the text form's are (`TerminalText`), since
/// they carry attacker-chosen file names, and then JSON-encoded, so a line is always one line.
struct JSONLogHandler: LogHandler {
    let label: String
    var metadata: Logger.Metadata = [:]
    var metadataProvider: Logger.MetadataProvider?
    var logLevel: Logger.Level = .info

    /// One write per line under a lock: lines longer than a pipe's atomic size would
    /// otherwise interleave between the tailer's and the alert dispatcher's threads.
    private static let writeLock = NSLock()

    init(label: String, metadataProvider: Logger.MetadataProvider? = nil) {
        self.label = label
        self.metadataProvider = metadataProvider
    }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        var merged = metadata
        if let provided = metadataProvider?.get() { merged.merge(provided) { _, new in new } }
        if let extra = event.metadata { merged.merge(extra) { _, new in new } }
        let line = Self.line(
            time: EventTime.wallNow(), level: event.level, label: label, source: event.source, message: event.message.description,
            metadata: merged)
        Self.writeLock.lock()
        defer { Self.writeLock.unlock() }
        FileHandle.standardError.write(Data((line + "\n").utf8))
    }

    /// The JSON object of one log line, keys sorted (stable for tests and diffs).
    static func line(
        time: Int64, level: Logger.Level, label: String, source: String, message: String, metadata: Logger.Metadata
    ) -> String {
        let object: [String: Any] = [
            "time": EventTime.format(time),
            "level": level.rawValue,
            "label": label,
            "source": source,
            "message": TerminalText.escape(message),
            "metadata": metadata.mapValues(jsonValue),
        ]
        guard let data = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes]) else {
            return #"{"level":"error","message":"log line could not be encoded"}"#
        }
        return String(decoding: data, as: UTF8.self)
    }

    static func jsonValue(_ value: Logger.Metadata.Value) -> Any {
        switch value {
        case let .string(text): TerminalText.escape(text)
        case let .stringConvertible(convertible): TerminalText.escape(convertible.description)
        case let .array(values): values.map(jsonValue)
        case let .dictionary(entries): entries.mapValues(jsonValue)
        }
    }
}
