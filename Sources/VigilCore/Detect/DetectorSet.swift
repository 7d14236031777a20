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
        if s.rateLimitBreach.enabled { out.append(RateLimitBreachDetector(settings: s.rateLimitBreach, rules: policy.rateLimits)) }
        if s.inputValidation.enabled { out.append(InputValidationDetector(settings: s.inputValidation)) }
        if s.apiKeyAnomaly.enabled { out.append(APIKeyAnomalyDetector(settings: s.apiKeyAnomaly, enricher: enricher)) }
        return out
    }
}
