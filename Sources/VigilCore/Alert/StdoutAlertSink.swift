#if canImport(Glibc)
    import Glibc
#endif

/// One JSON line per notification on standard output (the default sink): the finding as
/// `vigil findings --output jsonl` prints it, with `alert` saying `opened` or `escalated`.
package struct StdoutAlertSink: AlertSink {
    package let name = "stdout"
    package let batchSize = 500
    private let descriptor: Int32

    package init(descriptor: Int32 = 1) { self.descriptor = descriptor }

    package func deliver(_ alerts: [AlertDelivery]) -> AlertSinkResult {
        var out = ""
        for a in alerts { out += AlertPayload.line(a) + "\n" }
        var bytes = Array(out.utf8)
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeMutableBytes { write(descriptor, $0.baseAddress! + offset, $0.count - offset) }
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { return .retry("cannot write to standard output") }
            offset += n
        }
        return .delivered
    }
}
