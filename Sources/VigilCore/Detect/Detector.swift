import Foundation

/// A detector: watches events in event-time order and reports findings.
///
/// Adding a detector means adding one file with a type conforming to this protocol and its
/// `DetectorDescriptor`, and listing it in `DetectorRegistry`. Detectors keep their own per-subject state, bounded by evicting idle
/// subjects in `advance(to:)`, and can write it out and read it back so that analyzing a log
/// in several runs gives the same findings as in one.
package protocol Detector: AnyObject {
    /// Stable name used in findings (`detector`), the store and policies.
    var name: String { get }
    func observe(_ event: Event, context: DetectionContext)
    /// Event time has reached `watermark`: forget state that can no longer matter.
    func advance(to watermark: Int64, context: DetectionContext)
    /// The state needed to continue in a later run; `nil` when there is none.
    func snapshot(context: DetectionContext) throws -> Data?
    func restore(_ data: Data, context: DetectionContext) throws
    /// Writes the text of a finding this detector made or grew (its message, and evidence
    /// made from its counts) just before the finding leaves for the store. Growing a finding,
    /// which an attacker can make happen on every line, then changes only numbers and lists,
    /// and the text is made once per commit. Detectors that write the message while
    /// reporting need not implement it.
    func describe(_ finding: inout Finding, context: DetectionContext)
}

extension Detector {
    func describe(_ finding: inout Finding, context: DetectionContext) {}
}

/// What detectors reach while observing: the symbol table, the finding tracker, and the
/// names of the run's inputs for evidence samples.
package final class DetectionContext {
    let symbols: SymbolTable
    package let findings: FindingTracker
    var inputNames: [String] = []
    /// The SSH rules' shared per-client table, once a rule asked for it (`sshClients(window:capacity:)`).
    private(set) var sshClientTable: SSHClientTable?

    init(symbols: SymbolTable) {
        self.symbols = symbols
        self.findings = FindingTracker(symbols: symbols)
    }

    func string(_ s: Symbol) -> String? { symbols.string(s) }

    /// The SSH rules' shared per-client table (`SSHClientTable`), made on first use. A rule
    /// passes its window and capacity each time: the table keeps the largest asked (a policy
    /// reload's new rules may ask for more).
    func sshClients(window: Int64 = 0, capacity: Int = 0) -> SSHClientTable {
        let table = sshClientTable ?? SSHClientTable()
        sshClientTable = table
        table.use(window: window, capacity: capacity)
        return table
    }

    /// The findings changed since the last drain, each described by the detector that made it.
    func drainFindings(_ detectors: [any Detector]) -> [Finding] {
        findings.drainChanged { finding in describe(&finding, detectors) }
    }

    /// Describes changed findings now, while `detectors` are still the ones that made them.
    func describeFindings(_ detectors: [any Detector]) {
        findings.describeChanged { finding in describe(&finding, detectors) }
    }

    private func describe(_ finding: inout Finding, _ detectors: [any Detector]) {
        for detector in detectors where detector.name == finding.detector {
            detector.describe(&finding, context: self)
            return
        }
    }

    /// The most specific target of an event: tool, else resource, else operation.
    func target(of e: Event) -> String? {
        string(e.tool) ?? string(e.resource)
    }

    /// A compact, allocation-free reference to an event kept in detector state until a finding
    /// needs it as evidence.
    func sampleRef(_ event: Event) -> SampleRef {
        SampleRef(
            input: event.input, line: event.line, time: event.time, user: event.user, operation: event.operation,
            target: !event.tool.isNone ? event.tool : event.resource, status: event.status, outcome: event.outcome,
            requestID: event.requestID, attempts: event.attempts, server: event.server, apiKey: event.apiKey)
    }

    /// A symbol's text as evidence keeps it: capped (`StoredText`), since a log line chose it.
    func evidenceText(_ symbol: Symbol) -> String? {
        string(symbol).map { StoredText.capped($0) }
    }

    func sample(_ r: SampleRef) -> EvidenceSample {
        let name = Int(r.input) < inputNames.count ? inputNames[Int(r.input)] : "input\(r.input)"
        return EvidenceSample(
            at: "\(name):\(r.line)", time: EventTime.format(r.time), outcome: r.outcome.name,
            user: evidenceText(r.user), operation: evidenceText(r.operation), target: evidenceText(r.target),
            status: r.status == 0 ? nil : Int(r.status),
            requestId: r.requestID.isEmpty ? nil : r.requestID.string,
            attempts: r.attempts == 1 ? nil : Int(r.attempts))
    }

    /// Adds an event to a finding's evidence: who, where, a sample while there is room.
    func note(_ event: Event, in f: inout Finding) {
        note(sampleRef(event), in: &f)
    }

    /// Adds an event kept in detector state to a finding's evidence.
    func note(_ r: SampleRef, in f: inout Finding) {
        f.evidence.note(
            user: evidenceText(r.user), server: evidenceText(r.server), target: evidenceText(r.target),
            requestID: r.requestID.isEmpty ? nil : r.requestID.string, apiKey: evidenceText(r.apiKey))
        if f.evidence.samples.count < Evidence.maxSamples {
            f.evidence.samples.append(sample(r))
        }
    }
}

/// An event reduced to what evidence shows, with strings still interned.
///
/// Stored fields are ordered by size (104 bytes, not 112 with padding): detectors keep one per
/// active API key and per live brute-force attempt.
package struct SampleRef: Sendable {
    var input: Int32
    var user: Symbol
    var operation: Symbol
    var target: Symbol
    var status: Int32
    var attempts: UInt32
    var server: Symbol
    var apiKey: Symbol
    var line: Int64
    var time: Int64
    var requestID: InlineText
    var outcome: Outcome

    init(
        input: Int32, line: Int64, time: Int64, user: Symbol, operation: Symbol, target: Symbol, status: Int32,
        outcome: Outcome, requestID: InlineText, attempts: UInt32, server: Symbol, apiKey: Symbol
    ) {
        self.input = input; self.line = line; self.time = time; self.user = user; self.operation = operation
        self.target = target; self.status = status; self.outcome = outcome; self.requestID = requestID
        self.attempts = attempts; self.server = server; self.apiKey = apiKey
    }
}
