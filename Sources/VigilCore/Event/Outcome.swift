/// What a request or login attempt came to, normalized across log formats.
package enum Outcome: UInt8, Sendable, CaseIterable, Codable {
    case success
    /// 401, INVALID_API_KEY / AUTH_FAILED / MISSING_CREDENTIALS, sshd failed logins.
    case authFailure
    /// 403, FORBIDDEN / PERMISSION_DENIED / KEY_REVOKED, sshd "not allowed".
    case forbidden
    /// 429, RATE_LIMITED.
    case rateLimited
    /// 400 / 422, VALIDATION_ERROR / INVALID_PARAMS.
    case invalidInput
    /// 5xx and every other error.
    case error

    /// The name used in JSON output, the store and policies.
    package var name: String {
        switch self {
        case .success: "success"
        case .authFailure: "auth_failure"
        case .forbidden: "forbidden"
        case .rateLimited: "rate_limited"
        case .invalidInput: "invalid_input"
        case .error: "error"
        }
    }

    package init?(name: String) {
        guard let match = Outcome.allCases.first(where: { $0.name == name }) else { return nil }
        self = match
    }
}
