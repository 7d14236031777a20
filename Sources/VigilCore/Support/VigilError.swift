/// Errors that stop a command, each carrying what went wrong, where, and what to do about it.
package enum VigilError: Error, CustomStringConvertible, Equatable {
    /// An input could not be opened or read.
    case input(path: String, reason: String, hint: String)
    /// An input could not be opened because the process (EMFILE) or the system (ENFILE) has
    /// no file descriptor left; `limit` is the process's soft limit when known. Its own case
    /// so the tail can keep saying it while it lasts instead of once per path.
    case descriptorsExhausted(path: String, limit: Int?)
    /// A line was malformed and `--strict` was given.
    case strictMalformed(path: String, line: Int64, reason: String)
    /// The findings database could not be opened, migrated or written.
    case store(path: String, reason: String, hint: String)
    /// A command-line value was not understood.
    case usage(String)
    /// Stored detector state could not be read back.
    case state(detector: String, reason: String)

    package var description: String {
        switch self {
        case let .input(path, reason, hint):
            return "\(path): \(reason). \(hint)"
        case let .descriptorsExhausted(path, limit):
            let reached = limit.map { "the limit of \($0) open files is reached" } ?? "no file descriptor is left"
            return
                "\(path): cannot open: too many open files (\(reached)). Raise the limit (LimitNOFILE= in the systemd unit, ulimit -n in a shell) or follow fewer files; until then this input is not read."
        case let .strictMalformed(path, line, reason):
            return
                "\(path):\(line): malformed line (\(reason)); stopped because of --strict. Run `vigil decode --stats` on the file to see every malformed line, or drop --strict to count and skip them."
        case let .store(path, reason, hint):
            return "\(path): \(reason). \(hint)"
        case let .usage(message):
            return message
        case let .state(detector, reason):
            return
                "stored state of detector \(detector) is unreadable (\(reason)). Analyze into a new database (--db) or delete the old one."
        }
    }
}
