/// What `APIKeyAnomalyDetector` knows about one API key, kept well under 1 KB: scalars for the
/// baseline, one small array of known values, and the last 24 judged hours stored inline.
///
/// Layout matters at 10,000s of keys: four separate sets and a growing array of hours cost
/// five allocations (and their headers) a key, and the open hour's evidence sample (100 bytes)
/// lives in the detector's list of active keys instead of here.
final class KeyState {
    // Fields are ordered so the 16-byte-aligned addresses come first and the one-byte fields
    // fill the padding after `recent` (496 bytes, not 510).
    /// Fast path: the last two addresses (`lastIPCount` of them), with the minute each was checked.
    var lastIPs: (UInt128, UInt128) = (0, 0)
    var firstSeen: Int64
    var lastSeen: Int64
    var total: Int64 = 0
    /// The open hour these counts belong to.
    var hour: Int64 = .min
    var lastTime: Int64 = 0
    var lastClosedHour: Int64 = .min
    var lastAuthFailure: Int64 = 0
    var toolsHour: Int64 = .min
    /// Tools called in `toolsHour`: a 64-bit sketch by symbol id.
    var toolsThisHour: UInt64 = 0
    // Baselines.
    var level = 0.0
    var dispersion = 1.0
    var errorMean = 0.0
    var count: UInt32 = 0
    var errors: UInt32 = 0
    var levelHours: Int32 = 0
    var errorHours: Int32 = 0
    /// Index in the detector's active keys (and their samples) while `hour` is open.
    var activeSlot: Int32 = -1
    /// The open hour's count at which the volume test is tried before the hour ends.
    var volumeCheckAt: UInt32 = .max
    var lastIPMinutes: (UInt32, UInt32) = (0, 0)
    /// The last 24 judged hours: requests and expected requests.
    var recent = RecentHours()
    var lastIPCount: UInt8 = 0
    /// The open hour was already found anomalous before its end.
    var volumeFired = false
    /// Countries, AS numbers, networks and tools, with first and last use.
    var known = KnownValues()
    struct Place {
        var lat: Double
        var lon: Double
        var time: Int64
        var city: String?
    }
    var place: Place?
    var recentRules: [(rule: UInt8, time: Int64)] = []

    init(firstSeen: Int64) {
        self.firstSeen = firstSeen
        lastSeen = firstSeen
    }

    static let recentHours = RecentHours.capacity

    /// Whether `ip` is one of the last two addresses, checked less than an hour ago.
    @inline(__always)
    func recentlyChecked(_ ip: UInt128, minute: UInt32) -> Bool {
        if lastIPCount > 0 && ip == lastIPs.0 && minute &- lastIPMinutes.0 < 60 { return true }
        if lastIPCount > 1 && ip == lastIPs.1 && minute &- lastIPMinutes.1 < 60 { return true }
        return false
    }

    func noteChecked(_ ip: UInt128, minute: UInt32) {
        lastIPs = (ip, lastIPs.0)
        lastIPMinutes = (minute, lastIPMinutes.0)
        lastIPCount = min(lastIPCount + 1, 2)
    }
}
