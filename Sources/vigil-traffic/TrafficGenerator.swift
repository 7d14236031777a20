import ArgumentParser
import Foundation
import VigilCore

/// Writes realistic MCP service logs for many API keys, with labelled incidents, so that
/// detection can be measured: recall per incident kind, false alerts, time to detect.
///
/// Traffic: each key has its own rate (log-normal, about 2 requests an hour on average, some
/// keys much busier), a home country and one or two home /24 networks (addresses from Vigil's
/// GeoIP test database, `fixtures/geoip`), a few usual tools and servers. Volume follows a
/// daily cycle (quiet nights, busy afternoons, UTC) and weekends at 40%; counts are Poisson.
/// Keys sometimes move to another /24 of their home network, try a new tool, get a 429, an
/// input validation error or a server error. Normal traffic has no 401/403: any of those is
/// an incident.
///
/// Incidents (written to `--labels` as JSON, one object per incident), all after warm-up:
/// - `leaked_key`: a key used for two hours from a country and network it never used;
/// - `volume_x3`, `volume_x10`: a key's volume multiplied for two hours, injected where the
///   key usually makes at least 15 (×3) or 3 (×10) requests in that hour: below that, a
///   multiplied hour cannot be told from chance (×10 of one request is ten requests) and is
///   not something to page anyone about;
/// - `rate_limit_burst`: 1,000 requests from one key within a minute;
/// - `validation_burst`: 15% of a server's requests fail validation for an hour;
/// - `brute_force`: 40 failed authentications from one new address within three minutes.
@main
struct TrafficCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "vigil-traffic",
        abstract: "Synthetic MCP traffic with labelled incidents, and scoring of Vigil's findings against them.",
        subcommands: [TrafficGenerator.self, Evaluation.self])
}

struct TrafficGenerator: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate",
        abstract: "Generate MCP JSON logs with labelled incidents for Vigil's detection evaluation.")

    @Option(help: "Number of API keys.") var keys = 1000
    @Option(help: "Days of traffic.") var days = 14
    @Option(help: "First day (a Monday is best), UTC.") var start = "2026-10-05"
    @Option(help: "Random seed.") var seed: UInt64 = 1
    @Option(help: "Incidents of each kind.") var incidents = 5
    @Option(help: "Days before the first incident (keys need 5 days of history).") var warmupDays = 7
    @Option(help: "×3 incidents go to keys usually making at least this many requests in that hour.") var x3Minimum = 15.0
    @Option(help: "×10 incidents go to keys usually making at least this many requests in that hour.") var x10Minimum = 3.0
    @Option(help: "Output log file.") var out: String
    @Option(help: "Output labels file (JSON).") var labels: String

    func run() throws {
        var g = Generator(seed: seed, keys: keys, days: days, start: try startMillis(), incidents: incidents, warmupDays: warmupDays)
        g.volumeMinimum = (x3Minimum, x10Minimum)
        try g.write(out: out, labels: labels)
    }

    func startMillis() throws -> Int64 {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withFullDate]
        guard let d = f.date(from: start) else { throw ValidationError("--start takes a date such as 2026-10-05") }
        return Int64(d.timeIntervalSince1970 * 1000)
    }
}

/// Uniform, normal and Poisson draws over Vigil's `SplitMix64`.
struct Rand {
    var source: SplitMix64
    init(state: UInt64) { source = SplitMix64(seed: state) }
    mutating func next() -> UInt64 { source.next() }
    mutating func unit() -> Double { Double(next() >> 11) / Double(1 << 53) }
    mutating func int(_ n: Int) -> Int { Int(next() % UInt64(max(n, 1))) }
    mutating func normal() -> Double {
        let u = max(unit(), 1e-12), v = unit()
        return (-2 * log(u)).squareRoot() * cos(2 * .pi * v)
    }
    /// Poisson by inversion for small means, normal approximation for large ones.
    mutating func poisson(_ lambda: Double) -> Int {
        if lambda <= 0 { return 0 }
        if lambda > 60 { return max(0, Int((lambda + lambda.squareRoot() * normal()).rounded())) }
        let l = exp(-lambda)
        var k = 0, p = 1.0
        repeat { k += 1; p *= unit() } while p > l
        return k - 1
    }
}

struct Generator {
    struct Key {
        var id: String
        var rate: Double
        var country: Int
        var nets: [Int]  // third octet of the home /24s
        var ips: [Int]  // last octets
        var tools: [Int]
        var servers: [Int]
    }

    struct Incident: Encodable {
        var kind: String
        var subject: String
        var subjectKind: String
        var start: String
        var end: String
        var startMs: Int64
        var endMs: Int64
        var detector: String
        var rules: [String]
    }

    /// Countries of the test GeoIP database: code and /16 (first two octets).
    static let countries: [(String, String)] = [
        ("GB", "81.0"), ("SE", "85.0"), ("US", "45.0"), ("DE", "46.0"), ("JP", "49.0"),
        ("FR", "91.0"), ("NL", "185.0"), ("AU", "1.0"),
    ]
    static let foreign: [(String, String)] = [("RU", "5.0"), ("CN", "36.0"), ("ZA", "41.0"), ("IN", "103.0"), ("AR", "200.0")]
    static let tools = [
        "search_docs", "create_issue", "read_file", "list_repos", "run_query", "send_email", "get_calendar",
        "summarize", "translate", "fetch_url", "list_files", "write_file",
    ]
    static let servers = ["mcp-github", "mcp-files", "mcp-db", "mcp-mail", "mcp-search"]
    static let hourly: [Double] = [
        0.3, 0.25, 0.2, 0.2, 0.25, 0.3, 0.45, 0.7, 1.0, 1.3, 1.5, 1.6,
        1.6, 1.6, 1.65, 1.6, 1.5, 1.3, 1.1, 0.9, 0.75, 0.6, 0.45, 0.35,
    ]

    var rng: Rand
    let keyCount: Int, days: Int, start: Int64, incidentCount: Int, warmupDays: Int
    var keys: [Key] = []
    var requestNo = 0
    var volumeMinimum = (x3: 15.0, x10: 3.0)

    init(seed: UInt64, keys: Int, days: Int, start: Int64, incidents: Int, warmupDays: Int) {
        rng = Rand(state: seed)
        keyCount = keys; self.days = days; self.start = start; incidentCount = incidents; self.warmupDays = warmupDays
        let norm = Generator.hourly.reduce(0, +) / 24
        for i in 0..<keys {
            let rate = exp(log(1.2) + 0.9 * rng.normal()) / norm
            let toolCount = 2 + rng.int(3)
            var tools: [Int] = []
            while tools.count < toolCount { let t = rng.int(Generator.tools.count); if !tools.contains(t) { tools.append(t) } }
            let serverCount = 1 + rng.int(2)
            var servers: [Int] = []
            while servers.count < serverCount { let s = rng.int(Generator.servers.count); if !servers.contains(s) { servers.append(s) } }
            self.keys.append(
                Key(
                    id: String(format: "key_%05x", i), rate: rate, country: rng.int(Generator.countries.count),
                    nets: [rng.int(256)], ips: [1 + rng.int(254), 1 + rng.int(254)], tools: tools, servers: servers))
        }
    }

    static func weekday(_ ms: Int64) -> Int { Int(((ms / 86_400_000) % 7 + 7 + 3) % 7) }  // 0 = Monday

    func intensity(_ k: Key, hourStart: Int64) -> Double {
        let h = Int((hourStart / 3_600_000) % 24)
        let weekend = Generator.weekday(hourStart) >= 5
        return k.rate * Generator.hourly[h] * (weekend ? 0.4 : 1)
    }

    struct Line { var time: Int64; var text: String }

    mutating func request(_ t: Int64, key: String?, ip: String, server: Int, tool: Int, status: Int, error: String?) -> Line {
        requestNo += 1
        let ms = t % 1000
        let ts = isoSeconds(t / 1000) + String(format: ".%03dZ", ms)
        var s =
            "{\"timestamp\":\"\(ts)\",\"level\":\"\(status == 200 ? "INFO" : "WARN")\",\"service\":\"mcp-service\",\"operation\":\"execute_tool\","
        s +=
            "\"server_name\":\"\(Generator.servers[server])\",\"client_ip\":\"\(ip)\",\"request_id\":\"req-\(requestNo)\",\"duration_ms\":\(20 + rng.int(400)),"
        s +=
            "\"status_code\":\(status),\"error_code\":\(error.map { "\"\($0)\"" } ?? "null"),\"message\":\"\(status == 200 ? "ok" : "failed")\","
        s += "\"tool_name\":\"\(Generator.tools[tool])\",\"user_id\":\"u_\(key.map { String($0.dropFirst(4)) } ?? "anon")\""
        if let key { s += ",\"api_key_id\":\"\(key)\"" }
        s += "}"
        return Line(time: t, text: s)
    }

    /// `2026-10-05T08:00:00` (UTC), without fraction or zone.
    func isoSeconds(_ seconds: Int64) -> String { String(EventTime.format(seconds * 1000).prefix(19)) }

    mutating func keyIP(_ k: Key) -> String {
        let c = Generator.countries[k.country].1
        return "\(c).\(k.nets[rng.int(k.nets.count)]).\(k.ips[rng.int(k.ips.count)])"
    }

    mutating func write(out: String, labels: String) throws {
        guard FileManager.default.createFile(atPath: out, contents: nil) else { throw ValidationError("cannot create \(out)") }
        guard let h = FileHandle(forWritingAtPath: out) else { throw ValidationError("cannot write \(out)") }
        defer { try? h.close() }
        let hour: Int64 = 3_600_000, day: Int64 = 86_400_000
        // Plan the incidents.
        var incidents: [Incident] = []
        let firstIncidentDay = warmupDays
        let span = max(1, days - firstIncidentDay - 1)
        func when() -> Int64 { start + Int64(firstIncidentDay + rng.int(span)) * day + Int64(8 + rng.int(10)) * hour }
        func label(_ kind: String, _ subject: String, _ sk: String, _ s: Int64, _ e: Int64, _ det: String, _ rules: [String]) -> Incident {
            Incident(
                kind: kind, subject: subject, subjectKind: sk, start: isoSeconds(s / 1000) + "Z", end: isoSeconds(e / 1000) + "Z",
                startMs: s, endMs: e,
                detector: det, rules: rules)
        }
        var used = Set<Int>()
        /// A random unused key at or above a rate percentile (0 = any key, 0.9 = the busiest 10%).
        let byRate = keys.indices.sorted { keys[$0].rate < keys[$1].rate }
        func pickKey(percentile: Double = 0) -> Int {
            let from = min(Int(Double(keys.count) * percentile), keys.count - 1)
            for _ in 0..<10_000 {
                let i = byRate[from + rng.int(keys.count - from)]
                if !used.contains(i) { used.insert(i); return i }
            }
            let i = rng.int(keys.count); used.insert(i); return i
        }
        var multipliers: [Int: [(from: Int64, to: Int64, factor: Double)]] = [:]
        for _ in 0..<incidentCount {
            // Leaked key: 2 hours from a foreign country, ~20 requests an hour.
            let ki = pickKey()
            let t = when()
            let f = Generator.foreign[rng.int(Generator.foreign.count)]
            let ip = "\(f.1).\(rng.int(256)).\(1 + rng.int(254))"
            let k = keys[ki]
            leaked.append((ki, ip, t))
            incidents.append(label("leaked_key", k.id, "api_key", t, t + 2 * hour, "api_key_anomaly", ["new_country", "new_asn"]))
            // Volume ×3 and ×10 for two hours.
            for (kind, factor, minimum) in [("volume_x3", 3.0, volumeMinimum.x3), ("volume_x10", 10.0, volumeMinimum.x10)] {
                // A key and hour where the key's usual volume is at least `minimum` requests.
                // The busiest candidate stands in when none reaches the minimum.
                var vi = pickKey(percentile: 0.5), vt = when()
                var best = (vi, vt, intensity(keys[vi], hourStart: vt))
                for _ in 0..<400 where intensity(keys[vi], hourStart: vt) < minimum {
                    used.remove(vi)
                    vi = pickKey(percentile: 0.5)
                    vt = when()
                    let x = intensity(keys[vi], hourStart: vt)
                    if x > best.2 { used.remove(best.0); best = (vi, vt, x) }
                }
                if intensity(keys[vi], hourStart: vt) < minimum { (vi, vt) = (best.0, best.1); used.insert(vi) }
                multipliers[vi, default: []].append((vt, vt + 2 * hour, factor))
                incidents.append(label(kind, keys[vi].id, "api_key", vt, vt + 2 * hour, "api_key_anomaly", ["volume"]))
            }
            // Rate-limit burst: 1,000 requests in a minute.
            let ri = pickKey()
            let rt = when() + Int64(rng.int(50)) * 60_000
            bursts.append((ri, rt))
            incidents.append(label("rate_limit_burst", keys[ri].id, "api_key", rt, rt + 60_000, "rate_limit_breach", []))
            // Validation burst on a server for an hour.
            let si = rng.int(Generator.servers.count)
            let st = when() / hour * hour
            validation.append((si, st))
            incidents.append(
                label("validation_burst", Generator.servers[si], "server", st, st + hour, "input_validation", ["invalid_input_share"]))
            // Brute force from a new address.
            let bt = when() + Int64(rng.int(50)) * 60_000
            let bip = "203.0.113.\(1 + rng.int(254))"
            brute.append((bip, bt))
            incidents.append(label("brute_force", bip, "ip", bt, bt + 3 * 60_000, "auth_failure_burst", ["auth_failure_burst"]))
        }

        var buffer = ""
        buffer.reserveCapacity(1 << 22)
        for hi in 0..<(days * 24) {
            let hs = start + Int64(hi) * hour
            var lines: [Line] = []
            for ki in keys.indices {
                if hi % 24 == 0 && rng.unit() < 0.01 { keys[ki].nets = [keys[ki].nets.last!, rng.int(256)].suffix(2).map { $0 } }
                var lambda = intensity(keys[ki], hourStart: hs)
                if let ms = multipliers[ki] { for m in ms where hs >= m.from && hs < m.to { lambda *= m.factor } }
                let n = rng.poisson(lambda)
                let k = keys[ki]
                for _ in 0..<n {
                    let t = hs + Int64(rng.int(3_600_000))
                    let r = rng.unit()
                    var status = 200, err: String? = nil
                    if r < 0.003 {
                        status = 422; err = "VALIDATION_ERROR"
                    } else if r < 0.008 {
                        status = 500; err = "TOOL_EXECUTION_FAILED"
                    } else if r < 0.0081 {
                        status = 429; err = "RATE_LIMITED"
                    }
                    var tool = k.tools[rng.int(k.tools.count)]
                    if rng.unit() < 0.0005 { tool = rng.int(Generator.tools.count) }
                    lines.append(
                        request(
                            t, key: k.id, ip: keyIP(k), server: k.servers[rng.int(k.servers.count)], tool: tool, status: status, error: err)
                    )
                }
            }
            for (ki, ip, t) in leaked where t / hour * hour <= hs && hs < t / hour * hour + 2 * hour {
                let k = keys[ki]
                for _ in 0..<20 {
                    lines.append(
                        request(
                            hs + Int64(rng.int(3_600_000)), key: k.id, ip: ip, server: k.servers[0], tool: k.tools[0], status: 200,
                            error: nil))
                }
            }
            for (ki, t) in bursts where t / hour * hour == hs {
                let k = keys[ki]
                for i in 0..<1000 {
                    lines.append(
                        request(t + Int64(i) * 55, key: k.id, ip: keyIP(k), server: k.servers[0], tool: k.tools[0], status: 200, error: nil)
                    )
                }
            }
            for (si, t) in validation where t == hs {
                // 400 extra requests, 60 of them invalid: 15% invalid on a busy hour.
                for i in 0..<400 {
                    let k = keys[rng.int(keys.count)]
                    lines.append(
                        request(
                            hs + Int64(rng.int(3_600_000)), key: k.id, ip: keyIP(k), server: si, tool: k.tools[0],
                            status: i < 60 ? 422 : 200, error: i < 60 ? "VALIDATION_ERROR" : nil))
                }
            }
            for (ip, t) in brute where t / hour * hour == hs {
                for i in 0..<40 {
                    lines.append(
                        request(
                            t + Int64(i) * 4_000, key: "key_guess\(i)", ip: ip, server: 0, tool: 0, status: 401, error: "INVALID_API_KEY"))
                }
            }
            lines.sort { $0.time < $1.time }
            for l in lines { buffer += l.text; buffer += "\n" }
            if buffer.utf8.count > 1 << 21 { h.write(Data(buffer.utf8)); buffer.removeAll(keepingCapacity: true) }
        }
        h.write(Data(buffer.utf8))
        let e = JSONEncoder()
        e.outputFormatting = [.prettyPrinted, .sortedKeys]
        e.keyEncodingStrategy = .convertToSnakeCase
        try e.encode(incidents.sorted { $0.startMs < $1.startMs }).write(to: URL(fileURLWithPath: labels))
    }

    var leaked: [(Int, String, Int64)] = []
    var bursts: [(Int, Int64)] = []
    var validation: [(Int, Int64)] = []
    var brute: [(String, Int64)] = []
}
