/// The policy the last `analyze` or `tail` used, as recorded with the run: where it was read
/// from (`nil`: the built-in defaults) and its fingerprint then.
package struct RecordedPolicy: Sendable, Equatable {
    package var source: String?
    package var fingerprint: String?
}
