/// How the policy reads client addresses that proxies wrote (the `clients` section).
///
/// A gateway behind load balancers often logs the X-Forwarded-For list as the client
/// (`203.0.113.12, 10.20.0.1`). Its leftmost entries are whatever the client sent, so which
/// entry is the client depends on how many proxies of yours appended to it — knowledge only
/// the policy has. Without it a list is not an address, and on an allowlisted server it is
/// judged outside every allowlist (fail closed).
package struct ClientSettings: Sendable, Equatable {
    /// How many proxies of yours append to a forwarded list before it is logged: the client
    /// is the entry this many places from the right (1: the last entry). 0: lists are not
    /// read.
    package var trustedProxies = 0
    /// How many leading bits of an IPv6 address the SSH detectors count as one attacker
    /// (`clients.ipv6_prefix`). A host is usually given a /64 and can take a new address in it
    /// for every connection, so counting exact addresses lets it stay under every threshold.
    /// 128: each address on its own. IPv4 addresses are always exact, and allowlists always
    /// judge exact addresses.
    package var ipv6Prefix = 64

    package init() {}
}
