/// A policy a run used, as the store keeps it: where it was read from (`nil`: the built-in
/// defaults), its fingerprint then, and the text of each of its files, so a report or `status`
/// judges with the policy that was in force even after the files changed, moved or went.
package struct RecordedPolicy: Sendable, Equatable {
    /// One policy file as it was read.
    package struct File: Sendable, Equatable, Codable {
        package var path: String
        package var text: String

        package init(path: String, text: String) {
            self.path = path
            self.text = text
        }
    }

    package var source: String?
    package var fingerprint: String?
    /// Empty for the built-in defaults, and for runs recorded before Vigil kept the texts.
    package var files: [File] = []
    /// When the last run that used it finished (wall clock, ms).
    package var lastUsedAt: Int64?
    /// The event time the runs that used it covered, when they saw events (ms).
    package var eventsFrom: Int64?
    package var eventsTo: Int64?

    package init(source: String?, fingerprint: String?, files: [File] = []) {
        self.source = source
        self.fingerprint = fingerprint
        self.files = files
    }

    /// The built-in defaults (no file, no fingerprint).
    package var isDefaults: Bool { fingerprint == nil }
    /// Recorded with its texts, so it can be loaded from the store alone.
    package var isComplete: Bool { isDefaults || !files.isEmpty }
}
