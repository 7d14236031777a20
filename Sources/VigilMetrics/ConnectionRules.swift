/// What every connection of one metrics server shares: its limits, the gate counting open
/// connections, and where refusals are reported.
struct ConnectionRules: Sendable {
    let limits: MetricsServerLimits
    let gate: ConnectionGate
    let reporter: MetricsLimitReporter
}
