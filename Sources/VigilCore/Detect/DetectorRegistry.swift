/// Every built-in detector, in the order a run applies them (the order decides nothing but is
/// stable). Adding a detector: one file with the detector, its settings type (a
/// `DetectorConfiguration` nested in an extension of `DetectorSettings`, with a typed
/// accessor) and its `descriptor`; and one line here. Policy parsing, lint, "did you mean",
/// `suppress --detector` and the pipeline read this list.
enum DetectorRegistry {
    static var all: [DetectorDescriptor] {
        [
            AuthFailureBurstDetector.descriptor,
            // After the burst rule: the slow rule asks whether the client's burst is open.
            SlowBruteForceDetector.descriptor,
            UserEnumerationDetector.descriptor,
            DistributedBruteForceDetector.descriptor,
            PreauthScanDetector.descriptor,
            UnauthorizedAccessDetector.descriptor,
            AllowlistViolationDetector.descriptor,
            RateLimitBreachDetector.descriptor,
            InputValidationDetector.descriptor,
            APIKeyAnomalyDetector.descriptor,
        ]
    }

    /// Detector names a policy may configure.
    static var names: [String] { all.map(\.name) }

    static func descriptor(named name: String) -> DetectorDescriptor? { all.first { $0.name == name } }

    /// The detectors a run uses.
    static func make(_ policy: Policy, enricher: Enricher?) -> [any Detector] {
        all.compactMap { $0.make(policy, enricher) }
    }
}

extension Vigil {
    /// The detector names a policy, a suppression or a filter may use.
    package static var detectorNames: [String] { DetectorRegistry.names }
}
