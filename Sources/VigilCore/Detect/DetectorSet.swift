/// The detectors a run uses, in a fixed order (their order decides nothing but is stable).
enum DetectorSet {
    static func make(_ settings: DetectorSettings) -> [Detector] {
        [
            AuthFailureBurstDetector(settings: settings.authFailureBurst),
            UnauthorizedAccessDetector(settings: settings.unauthorizedAccess),
        ]
    }
}
