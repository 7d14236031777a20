import Foundation

/// The JSON bodies the sinks send, built from the finding stored with each alert.
enum AlertPayload {
    /// The stored finding with `"alert": "opened"|"escalated"` added (a JSON line).
    static func line(_ a: AlertDelivery) -> String {
        guard a.payload.hasPrefix("{") else { return a.payload }
        return "{\"alert\":\"\(a.kind)\"," + a.payload.dropFirst()
    }

    /// The stored finding's fields, for sinks that reshape it.
    static func fields(_ a: AlertDelivery) -> [String: Any] {
        (try? JSONSerialization.jsonObject(with: Data(a.payload.utf8))) as? [String: Any] ?? [:]
    }

    static func text(_ fields: [String: Any], _ key: String) -> String {
        switch fields[key] {
        case let s as String: return s
        case let n as NSNumber: return n.stringValue
        default: return ""
        }
    }
}
