import Logging
import VigilCore

/// Vigil's own log on standard error (`tail`, the alert dispatcher): messages often carry file
/// names, paths and errors, which an attacker can choose (a log file named with an ESC or a
/// bidi override). Every message is escaped here, in one place, before it reaches the
/// terminal or the journal.
struct EscapingLogHandler: LogHandler {
    private var wrapped: StreamLogHandler

    init(label: String) {
        wrapped = StreamLogHandler.standardError(label: label)
    }

    func log(event: LogEvent) {
        var escaped = event
        escaped.message = Logger.Message(stringLiteral: TerminalText.escape(event.message.description))
        wrapped.log(event: escaped)
    }

    var metadataProvider: Logger.MetadataProvider? {
        get { wrapped.metadataProvider }
        set { wrapped.metadataProvider = newValue }
    }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { wrapped[metadataKey: key] }
        set { wrapped[metadataKey: key] = newValue }
    }

    var metadata: Logger.Metadata {
        get { wrapped.metadata }
        set { wrapped.metadata = newValue }
    }

    var logLevel: Logger.Level {
        get { wrapped.logLevel }
        set { wrapped.logLevel = newValue }
    }
}
