/// The detectors a run uses, in a fixed order (their order decides nothing but is stable).
enum DetectorSet {
    static func make(_ policy: Policy, enricher: Enricher?) -> [Detector] {
        let s = policy.detectors
        var out: [Detector] = []
        if s.authFailureBurst.enabled { out.append(AuthFailureBurstDetector(settings: s.authFailureBurst)) }
        if s.unauthorizedAccess.enabled { out.append(UnauthorizedAccessDetector(settings: s.unauthorizedAccess)) }
        if s.allowlistViolation.enabled && !policy.allowlists.isEmpty {
            out.append(AllowlistViolationDetector(settings: s.allowlistViolation,
                                                  matcher: AllowlistMatcher(allowlists: policy.allowlists, enricher: enricher)))
        }
        return out
    }
}
