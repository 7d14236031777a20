import Foundation

/// Durations written as `300ms`, `30s`, `5m`, `2h`, `7d`, `2w`, in milliseconds. (Not `Duration`: that
/// name would shadow `Swift.Duration` in every file that imports VigilCore.)
package enum DurationText {
    package static func parse(_ text: String) -> Int64? {
        let t = text.trimmingCharacters(in: .whitespaces)
        guard let unitStart = t.firstIndex(where: { !$0.isNumber }), unitStart != t.startIndex,
            let n = Int64(t[t.startIndex..<unitStart])
        else { return nil }
        let mult: Int64
        switch t[unitStart...] {
        case "ms": mult = 1
        case "s": mult = EventTime.second
        case "m": mult = EventTime.minute
        case "h": mult = EventTime.hour
        case "d": mult = EventTime.day
        case "w": mult = 7 * EventTime.day
        default: return nil
        }
        let (r, overflow) = n.multipliedReportingOverflow(by: mult)
        return overflow ? nil : r
    }

    package static func format(_ ms: Int64) -> String {
        if ms % EventTime.day == 0 && ms >= EventTime.day { return "\(ms / EventTime.day)d" }
        if ms % EventTime.hour == 0 && ms >= EventTime.hour { return "\(ms / EventTime.hour)h" }
        if ms % EventTime.minute == 0 && ms >= EventTime.minute { return "\(ms / EventTime.minute)m" }
        if ms % EventTime.second == 0 { return "\(ms / EventTime.second)s" }
        return "\(ms)ms"
    }
}
