import Foundation

/// Checks a merged policy for what YAML structure alone cannot show: blocks that open too
/// much, entries hidden by others, unknown countries, expiry, missing owners, GeoIP databases
/// that are unusable or stale, and detector settings that cannot work.
///
/// It also opens the GeoIP databases, so that a run uses exactly the files lint approved.
final class PolicyLinter {
    let policy: Policy
    let now: Int64
    private(set) var enricher: Enricher?
    private var out: [PolicyDiagnostic] = []

    init(policy: Policy, now: Int64) {
        self.policy = policy
        self.now = now
    }

    func check() -> [PolicyDiagnostic] {
        out = []
        checkGeoIP()
        checkAllowlists()
        checkRateLimits()
        checkDetectors()
        return out
    }

    private func error(_ rule: String, _ message: String, _ at: SourceLocation) {
        out.append(PolicyDiagnostic(.error, rule, message, at: at))
    }
    private func warning(_ rule: String, _ message: String, _ at: SourceLocation) {
        out.append(PolicyDiagnostic(.warning, rule, message, at: at))
    }

    // MARK: GeoIP

    private func checkGeoIP() {
        let g = policy.geoip
        let at = g.location ?? SourceLocation(file: policy.files.first ?? "policy")
        func open(_ path: String?, _ kind: GeoIPDatabase.Kind) -> GeoIPDatabase? {
            guard let path else { return nil }
            do {
                let db = try GeoIPDatabase(path: path, kind: kind)
                let age = (now - db.buildTime) / EventTime.day
                if g.maxAgeDays > 0 && age > Int64(g.maxAgeDays) {
                    warning(
                        "geoip-stale",
                        "geoip.\(kind.rawValue) (\(path)) was built \(age) days ago, more than geoip.max_age_days (\(g.maxAgeDays)); update it (geoipupdate) so countries and ASNs stay right",
                        at)
                }
                return db
            } catch let e as GeoIPDatabase.OpenError {
                error("geoip-unusable", "geoip.\(kind.rawValue): \(e.description)", at)
            } catch {
                self.error("geoip-unusable", "geoip.\(kind.rawValue): \(error)", at)
            }
            return nil
        }
        let city = open(g.city, .city)
        let asn = open(g.asn, .asn)
        if city != nil || asn != nil { enricher = Enricher(city: city, asn: asn) }
    }

    // MARK: allowlists

    private func checkAllowlists() {
        var names: [String: SourceLocation] = [:]
        let warnUntil = now + Int64(policy.lint.expiryWarningDays) * EventTime.day
        for a in policy.allowlists {
            let label = a.name.isEmpty ? "an allowlist" : "allowlist `\(a.name)`"
            if a.name.isEmpty {
                error("allowlist-name", "an allowlist needs a `name` (findings and reports cite it)", a.location)
            } else if let first = names[a.name] {
                error("allowlist-name", "allowlist name `\(a.name)` is already used at \(first.description)", a.location)
            } else {
                names[a.name] = a.location
            }
            if a.isEmpty {
                error(
                    "allowlist-empty",
                    "\(label) allows nothing (no cidrs, countries or asns), so every request to \(a.servers.isEmpty ? "every server" : a.servers.joined(separator: ", ")) would be a violation",
                    a.location)
            }
            if a.owner?.trimmingCharacters(in: .whitespaces).isEmpty ?? true {
                warning("owner-missing", "\(label) has no `owner`; name who answers for it (e.g. secops@example.com)", a.location)
            }
            if !a.countries.isEmpty && policy.geoip.city == nil {
                error(
                    "geoip-required", "\(label) lists countries but geoip.city is not set, so no address could match them",
                    a.countries[0].location)
            }
            if !a.asns.isEmpty && policy.geoip.asn == nil {
                error("geoip-required", "\(label) lists ASNs but geoip.asn is not set, so no address could match them", a.asns[0].location)
            }
            checkExpiry(a.expires, label, a.location, warnUntil)
            checkCIDRs(a, label, warnUntil)
            var seenCountries: [String: SourceLocation] = [:]
            for c in a.countries {
                checkExpiry(c.expires, "country \(c.value) in \(label)", c.location, warnUntil)
                let code = c.value
                if !CountryCodes.all.contains(code) {
                    if let meant = CountryCodes.aliases[code.uppercased()] {
                        error("country-unknown", "`\(code)` is not an ISO 3166-1 code; write `\(meant)`", c.location)
                    } else if CountryCodes.all.contains(code.uppercased()) {
                        error("country-unknown", "write country codes in upper case: `\(code.uppercased())`", c.location)
                    } else {
                        error("country-unknown", "`\(code)` is not an ISO 3166-1 alpha-2 country code", c.location)
                    }
                }
                if let first = seenCountries[code] {
                    warning("country-duplicate", "country \(code) is already listed in \(label) at line \(first.line)", c.location)
                }
                seenCountries[code] = c.location
            }
            var seenASNs: [UInt32: SourceLocation] = [:]
            for n in a.asns {
                checkExpiry(n.expires, "AS\(n.value) in \(label)", n.location, warnUntil)
                if let first = seenASNs[n.value] {
                    warning("asn-duplicate", "AS\(n.value) is already listed in \(label) at line \(first.line)", n.location)
                }
                seenASNs[n.value] = n.location
            }
        }
    }

    private func checkExpiry(_ expires: Int64?, _ what: String, _ at: SourceLocation, _ warnUntil: Int64) {
        guard let expires else { return }
        let day = EventTime.format(expires - 1).prefix(10)
        if expires <= now {
            warning("expired", "\(what) expired on \(day); it allows nothing after that date. Renew or remove it", at)
        } else if expires <= warnUntil {
            let days = (expires - now + EventTime.day - 1) / EventTime.day
            warning("expiring", "\(what) expires on \(day), in \(days) day\(days == 1 ? "" : "s")", at)
        }
    }

    private func checkCIDRs(_ a: Allowlist, _ label: String, _ warnUntil: Int64) {
        let lint = policy.lint
        for e in a.cidrs {
            let c = e.value
            checkExpiry(e.expires, "\(c) in \(label)", e.location, warnUntil)
            if c.prefix == 0 {
                error(
                    "cidr-too-broad",
                    "\(c) allows every \(c.isV4 ? "IPv4" : "IPv6") address on the Internet; list the networks that need access", e.location)
            } else if c.isV4 && c.prefix < lint.minPrefixV4 {
                error(
                    "cidr-too-broad",
                    "\(c) is broader than /\(lint.minPrefixV4) (lint.min_prefix_v4): \(1 << UInt64(32 - c.prefix)) addresses", e.location)
            } else if !c.isV4 && c.prefix < lint.minPrefixV6 {
                error("cidr-too-broad", "\(c) is broader than /\(lint.minPrefixV6) (lint.min_prefix_v6)", e.location)
            }
        }
        // Blocks are either nested or disjoint: sorted by start and then by size (largest
        // first), a block lies inside the nearest earlier block that has not ended yet.
        let sorted = a.cidrs.indices.sorted { i, j in
            let x = a.cidrs[i].value, y = a.cidrs[j].value
            return (x.first.raw, x.bits, i) < (y.first.raw, y.bits, j)
        }
        var stack: [Int] = []
        for i in sorted {
            let c = a.cidrs[i].value
            while let top = stack.last, a.cidrs[top].value.last.raw < c.first.raw { stack.removeLast() }
            if let top = stack.last {
                let outer = a.cidrs[top]
                let inner = a.cidrs[i]
                // An entry that outlives the block around it is not hidden by it.
                if a.effectiveExpiry(inner.expires) <= a.effectiveExpiry(outer.expires) {
                    if outer.value == inner.value {
                        warning(
                            "cidr-duplicate", "\(inner.value) is listed twice in \(label) (also at line \(outer.location.line))",
                            inner.location)
                    } else {
                        warning(
                            "cidr-shadowed",
                            "\(inner.value) is inside \(outer.value) (line \(outer.location.line)) of \(label), so it changes nothing",
                            inner.location)
                    }
                    continue
                }
            }
            stack.append(i)
        }
    }

    // MARK: rate limits and detectors

    private func checkRateLimits() {
        var names: [String: SourceLocation] = [:]
        for r in policy.rateLimits {
            if let first = names[r.name] {
                error("rate-limit-invalid", "rate limit name `\(r.name)` is already used at \(first.description)", r.location)
            }
            names[r.name] = r.location
        }
    }

    /// Each value a policy gives is judged by its setting's check, and the merged settings by
    /// each detector's consistency checks: both live in the detector's descriptor.
    private func checkDetectors() {
        for override in policy.detectorOverrides {
            guard let descriptor = DetectorRegistry.descriptor(named: override.detector) else { continue }
            for entry in override.entries {
                guard let verdict = descriptor.setting(entry.key)?.check?(entry.value) else { continue }
                let message = "detectors.\(override.detector).\(entry.key)" + verdict.text
                if verdict.isError { error(verdict.rule, message, entry.at) } else { warning(verdict.rule, message, entry.at) }
            }
        }
        for descriptor in DetectorRegistry.all {
            for consistency in descriptor.consistency {
                guard let text = consistency(policy.detectors) else { continue }
                let at =
                    policy.detectorOverrides.first { $0.detector == descriptor.name }?.location
                    ?? SourceLocation(file: policy.files.first ?? "policy")
                warning("threshold-suspicious", text, at)
            }
        }
    }
}
