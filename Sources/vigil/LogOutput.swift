import ArgumentParser
import Foundation
import Logging

/// How Vigil's own log is written on standard error: `text` (swift-log's usual lines, escaped)
/// or `json` (one object a line). The logging system is bootstrapped once, before arguments
/// are parsed, with a factory that reads this choice when each logger is made; a command sets
/// it first thing in `run()`, before it makes any logger.
enum LogOutput: String, ExpressibleByArgument, CaseIterable {
    case text, json

    private static let chosen = LockedFormat()

    static var format: LogOutput {
        get { chosen.value }
        set { chosen.value = newValue }
    }

    static func makeHandler(label: String) -> any LogHandler {
        switch format {
        case .text: EscapingLogHandler(label: label)
        case .json: JSONLogHandler(label: label)
        }
    }

    /// The choice behind a lock (loggers may be made on any thread).
    private final class LockedFormat: @unchecked Sendable {
        private let lock = NSLock()
        private var stored = LogOutput.text
        var value: LogOutput {
            get { lock.withLock { stored } }
            set { lock.withLock { stored = newValue } }
        }
    }
}
