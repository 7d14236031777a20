import Foundation
import Yams

/// The policy schema, section by section.
extension PolicyParser {
    static let topLevelKeys = ["version", "geoip", "allowlists", "rate_limits", "detectors", "lint", "retention", "alerts", "clients"]

    func fragment(_ root: Node) throws -> PolicyFragment {
        var f = PolicyFragment(file: file)
        for (key, node) in try mapping(root, known: PolicyParser.topLevelKeys, what: "the policy") {
            switch key {
            case "version":
                if let v = int(node, what: "version") {
                    if v != 1 { error("version", "policy version \(v) is not supported; this Vigil reads version 1", node) }
                    f.version = (v, location(node))
                }
            case "geoip": f.geoip = try geoip(node)
            case "allowlists":
                for item in try list(node, what: "allowlists") { if let a = try allowlist(item) { f.allowlists.append(a) } }
            case "rate_limits":
                for item in try list(node, what: "rate_limits") { if let r = try rateLimit(item) { f.rateLimits.append(r) } }
            case "detectors":
                f.detectors = try detectors(node)
            case "lint":
                f.lint = (try lintSettings(node), location(node))
            case "retention":
                f.retention = (try retention(node), location(node))
            case "clients":
                f.clients = (try clientSettings(node), location(node))
            case "alerts":
                for item in try list(node, what: "alerts") { if let a = try alertSink(item) { f.alerts.append(a) } }
            default: break
            }
        }
        return f
    }

    private func geoip(_ node: Node) throws -> GeoIPSettings {
        var g = GeoIPSettings()
        g.location = location(node)
        for (key, v) in try mapping(node, known: ["city", "asn", "max_age_days"], what: "geoip") {
            switch key {
            case "city": g.city = string(v, what: "geoip.city").map(resolve)
            case "asn": g.asn = string(v, what: "geoip.asn").map(resolve)
            case "max_age_days":
                if let d = int(v, what: "geoip.max_age_days") {
                    if d < 0 { error("invalid-value", "geoip.max_age_days must be 0 (no check) or more", v) } else { g.maxAgeDays = d }
                }
            default: break
            }
        }
        return g
    }

    /// Paths relative to the policy file's directory.
    private func resolve(_ path: String) -> String {
        if path.hasPrefix("/") || directory.isEmpty { return path }
        return directory + "/" + path
    }

    private func allowlist(_ node: Node) throws -> Allowlist? {
        let pairs = try mapping(
            node, known: ["name", "servers", "cidrs", "countries", "asns", "owner", "expires", "note"], what: "an allowlist")
        guard node.mapping != nil else { return nil }
        var a = Allowlist(name: "", location: location(node))
        for (key, v) in pairs {
            switch key {
            case "name": a.name = string(v, what: "allowlist name") ?? ""
            case "servers":
                for s in try list(v, what: "servers") {
                    guard let glob = string(s, what: "a server glob") else { continue }
                    if glob.isEmpty {
                        error("servers-glob", "an empty server glob matches no server; omit `servers` to cover every server", s)
                    } else {
                        a.servers.append(glob)
                    }
                }
            case "cidrs":
                for item in try list(v, what: "cidrs") {
                    guard let (text, expires, note, at) = try entry(item, valueKey: "cidr") else { continue }
                    switch CIDR.parse(text.trimmingCharacters(in: .whitespaces)) {
                    case let .success(c): a.cidrs.append(.init(value: c, expires: expires, note: note, location: at))
                    case let .failure(e): report(PolicyDiagnostic(.error, "cidr-invalid", e.description, at: at))
                    }
                }
            case "countries":
                for item in try list(v, what: "countries") {
                    guard let (text, expires, note, at) = try entry(item, valueKey: "country") else { continue }
                    a.countries.append(.init(value: text, expires: expires, note: note, location: at))
                }
            case "asns":
                for item in try list(v, what: "asns") {
                    guard let (text, expires, note, at) = try entry(item, valueKey: "asn") else { continue }
                    var digits = Substring(text)
                    if digits.uppercased().hasPrefix("AS") { digits = digits.dropFirst(2) }
                    guard let n = UInt64(digits), n >= 1, n <= UInt64(UInt32.max) else {
                        report(
                            PolicyDiagnostic(
                                .error, "asn-invalid", "`\(text)` is not an AS number (1 to 4294967295, e.g. 29518 or AS29518)", at: at))
                        continue
                    }
                    a.asns.append(.init(value: UInt32(n), expires: expires, note: note, location: at))
                }
            case "owner": a.owner = string(v, what: "owner")
            case "expires": a.expires = expiry(v, what: "expires")
            case "note": a.note = string(v, what: "note")
            default: break
            }
        }
        return a
    }

    /// An entry is a scalar (`10.0.0.0/8`) or a mapping with its own expiry and note
    /// (`{cidr: 10.0.0.0/8, expires: 2027-01-31, note: "contractor VPN"}`).
    private func entry(_ node: Node, valueKey: String) throws -> (String, Int64?, String?, SourceLocation)? {
        if node.mapping == nil {
            guard let s = string(node, what: "a \(valueKey)") else { return nil }
            return (s, nil, nil, location(node))
        }
        var value: String?
        var valueNode = node
        var expires: Int64?
        var note: String?
        for (key, v) in try mapping(node, known: [valueKey, "expires", "note"], what: "a \(valueKey) entry") {
            switch key {
            case "expires": expires = expiry(v, what: "expires")
            case "note": note = string(v, what: "note")
            default: value = string(v, what: valueKey); valueNode = v
            }
        }
        guard let value else {
            error("invalid-value", "a \(valueKey) entry needs `\(valueKey):`", node)
            return nil
        }
        return (value, expires, note, location(valueNode))
    }

    private func alertSink(_ node: Node) throws -> AlertSinkConfig? {
        let pairs = try mapping(
            node, known: ["name", "type", "url", "url_env", "severities", "min_severity", "retry_for"], what: "an alert sink")
        guard node.mapping != nil else { return nil }
        var name = "", kind: AlertSinkConfig.Kind?, url: String?, urlEnv: String?, severities: Set<Severity>?, retryFor: Int64?
        for (key, v) in pairs {
            switch key {
            case "name": name = string(v, what: "alert sink name") ?? ""
            case "type":
                if let t = string(v, what: "type") {
                    kind = AlertSinkConfig.Kind(rawValue: t)
                    if kind == nil {
                        error(
                            "alert-invalid",
                            "alert sink type must be one of \(AlertSinkConfig.Kind.allCases.map(\.rawValue).joined(separator: ", ")), not `\(t)`",
                            v)
                    }
                }
            case "url":
                url = string(v, what: "url")
                if let u = url {
                    if URL(string: u)?.scheme.map({ ["http", "https"].contains($0.lowercased()) }) != true || URL(string: u)?.host == nil {
                        error("alert-invalid", "`\(u)` is not an http(s) URL", v)
                    } else if u.contains("hooks.slack.com") || URL(string: u)?.password != nil {
                        warning(
                            "alert-secret",
                            "this URL is a secret (anyone holding it can post); keep it out of the repository with `url_env: VARIABLE`", v)
                    }
                }
            case "url_env": urlEnv = string(v, what: "url_env")
            case "severities":
                var set = Set<Severity>()
                for item in try list(v, what: "severities") { if let s = severity(item, what: "a severity") { set.insert(s) } }
                severities = set
            case "min_severity":
                if let s = severity(v, what: "min_severity") { severities = AlertSinkConfig.atLeast(s) }
            case "retry_for":
                let range = AlertSinkConfig.retryForRange
                if let text = v.scalar?.string, let d = DurationText.parse(text), range.contains(d) {
                    retryFor = d
                } else {
                    error(
                        "alert-invalid",
                        """
                        retry_for (how long an undelivered alert is retried before it expires) must be a duration from \
                        \(DurationText.format(range.lowerBound)) to \(DurationText.format(range.upperBound)), such as 24h, not \(describe(v))
                        """, v)
                }
            default: break
            }
        }
        guard let kind else {
            if pairs.first(where: { $0.key == "type" }) == nil {
                error("alert-invalid", "an alert sink needs `type:` (stdout, webhook, alertmanager or slack)", node)
            }
            return nil
        }
        if name.isEmpty { name = kind.rawValue }
        if kind != .stdout && (url == nil) == (urlEnv == nil) {
            error("alert-invalid", "alert sink `\(name)` needs exactly one of `url` and `url_env`", node)
        }
        var c = AlertSinkConfig(name: name, kind: kind, url: url, urlEnv: urlEnv)
        c.retryFor = retryFor
        if let severities {
            if severities.isEmpty { warning("alert-invalid", "alert sink `\(name)` takes no severity and will never be used", node) }
            c.severities = severities
        }
        c.location = location(node)
        return c
    }

    private func rateLimit(_ node: Node) throws -> RateLimit? {
        let pairs = try mapping(node, known: ["name", "per", "limit", "window", "servers"], what: "a rate limit")
        guard node.mapping != nil else { return nil }
        var name = "", per: RateLimit.Entity?, limit: Int?, window: Int64?, servers: [String] = []
        for (key, v) in pairs {
            switch key {
            case "name": name = string(v, what: "rate limit name") ?? ""
            case "per":
                if let s = string(v, what: "per") {
                    per = RateLimit.Entity(rawValue: s)
                    if per == nil { error("rate-limit-invalid", "`per` must be one of api_key, client_ip, user, not `\(s)`", v) }
                }
            case "limit":
                limit = int(v, what: "limit")
                if let l = limit, l < 1 { error("rate-limit-invalid", "limit must be at least 1 request", v); limit = nil }
            case "window":
                window = duration(v, what: "window")
                if let w = window, w < EventTime.second || w > EventTime.day {
                    error("rate-limit-invalid", "window must be between 1s and 1d", v); window = nil
                }
            case "servers":
                for s in try list(v, what: "servers") { if let g = string(s, what: "a server glob") { servers.append(g) } }
            default: break
            }
        }
        if name.isEmpty { error("rate-limit-invalid", "a rate limit needs a `name`", node) }
        if per == nil && !pairs.contains(where: { $0.key == "per" }) {
            error("rate-limit-invalid", "a rate limit needs `per:` (api_key, client_ip or user)", node)
        }
        if limit == nil && !pairs.contains(where: { $0.key == "limit" }) {
            error("rate-limit-invalid", "a rate limit needs `limit:`", node)
        }
        if window == nil && !pairs.contains(where: { $0.key == "window" }) {
            error("rate-limit-invalid", "a rate limit needs `window:`", node)
        }
        guard let per, let limit, let window, !name.isEmpty else { return nil }
        return RateLimit(name: name, per: per, limit: limit, window: window, servers: servers, location: location(node))
    }

    private func detectors(_ node: Node) throws -> [DetectorOverride] {
        let known = DetectorRegistry.names
        var out: [DetectorOverride] = []
        guard let m = node.mapping else {
            error("invalid-value", "detectors must be a mapping from detector name to settings", node)
            return []
        }
        for (k, v) in m {
            try visit()
            guard let name = k.scalar?.string else { error("invalid-value", "detector names must be plain names", k); continue }
            guard let descriptor = DetectorRegistry.descriptor(named: name) else {
                var message = "there is no detector `\(name)`"
                if let hint = PolicyParser.closest(name, in: known) { message += "; did you mean `\(hint)`?" }
                error("detector-unknown", message + " Detectors: \(known.joined(separator: ", "))", k)
                continue
            }
            var override = DetectorOverride(detector: name, location: location(k))
            for (key, value) in try mapping(v, known: descriptor.keys, what: "detectors.\(name)") {
                guard let setting = descriptor.setting(key),
                    let parsed = settingValue(value, kind: setting.kind, what: "detectors.\(name).\(key)")
                else { continue }
                override.entries.append(.init(key: key, value: parsed, at: location(value)))
            }
            out.append(override)
        }
        return out
    }

    /// One detector setting read as its kind; errors are reported and give `nil`.
    private func settingValue(_ node: Node, kind: DetectorSetting.Kind, what: String) -> DetectorSettingValue? {
        switch kind {
        case .flag: return bool(node, what: what).map { .flag($0) }
        case .integer: return int(node, what: what).map { .integer($0) }
        case .duration: return duration(node, what: what).map { .duration($0) }
        case .severity: return severity(node, what: what).map { .severity($0) }
        case .count, .number:
            guard let text = node.scalar?.string, let number = Double(text), number.isFinite, number >= 0 else {
                error("invalid-value", "\(what) must be a number of 0 or more, not \(describe(node))", node)
                return nil
            }
            if case .count = kind, number > Double(Int32.max) {
                error("invalid-value", "\(what) must be at most \(Int32.max), not \(describe(node))", node)
                return nil
            }
            return .number(number)
        }
    }

    private func retention(_ node: Node) throws -> RetentionSettings {
        var r = RetentionSettings()
        for (key, v) in try mapping(node, known: ["P1", "P2", "P3", "P4", "aggregates", "suppressions"], what: "retention") {
            guard let d = duration(v, what: "retention.\(key)") else { continue }
            if d < EventTime.day {
                error("invalid-value", "retention.\(key) must be at least 1d; shorter would delete findings before anyone reviews them", v)
                continue
            }
            switch key {
            case "aggregates": r.aggregates = d
            case "suppressions": r.suppressions = d
            default: if let sev = Severity(name: key) { r.findings[sev] = d }
            }
        }
        if let p1 = r.findings[.p1], let p4 = r.findings[.p4], p1 < p4 {
            warning("threshold-suspicious", "retention keeps P4 findings longer than P1 findings", node)
        }
        return r
    }

    private func clientSettings(_ node: Node) throws -> ClientSettings {
        var settings = ClientSettings()
        for (key, v) in try mapping(node, known: ["trusted_proxies", "ipv6_prefix"], what: "clients") {
            guard key == "trusted_proxies" || key == "ipv6_prefix", let n = int(v, what: "clients.\(key)") else { continue }
            switch key {
            case "trusted_proxies":
                if (0...16).contains(n) {
                    settings.trustedProxies = n
                } else {
                    error(
                        "invalid-value",
                        "clients.trusted_proxies must be 0 (forwarded lists are not read) to 16: how many proxies of yours append to X-Forwarded-For",
                        v)
                }
            case "ipv6_prefix":
                if (32...128).contains(n) {
                    settings.ipv6Prefix = n
                } else {
                    error(
                        "invalid-value",
                        "clients.ipv6_prefix must be 32 to 128: how many leading bits of an IPv6 address count as one attacker (64, a host's usual allocation; 128, each address on its own)",
                        v)
                }
            default: break
            }
        }
        return settings
    }

    private func lintSettings(_ node: Node) throws -> LintSettings {
        var l = LintSettings()
        for (key, v) in try mapping(node, known: ["min_prefix_v4", "min_prefix_v6", "expiry_warning_days"], what: "lint") {
            guard let n = int(v, what: "lint.\(key)") else { continue }
            switch key {
            case "min_prefix_v4":
                if (0...32).contains(n) { l.minPrefixV4 = n } else { error("invalid-value", "lint.min_prefix_v4 must be 0…32", v) }
            case "min_prefix_v6":
                if (0...128).contains(n) { l.minPrefixV6 = n } else { error("invalid-value", "lint.min_prefix_v6 must be 0…128", v) }
            case "expiry_warning_days":
                if n >= 0 { l.expiryWarningDays = n } else { error("invalid-value", "lint.expiry_warning_days must be 0 or more", v) }
            default: break
            }
        }
        return l
    }
}
