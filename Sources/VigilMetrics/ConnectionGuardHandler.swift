import NIOCore

/// The front of a metrics connection's pipeline, on raw bytes: admits the connection under the
/// cap, closes it when a limit of time bites, and stops reading while an answer is not
/// written out.
///
/// Hummingbird's own idle timeout never fires while a request is half received (slowloris) or
/// an answer is not taken (a client that pipelines and never reads), and nothing else bounds
/// how long a connection holds its descriptor; this handler does, with one check every
/// `tickInterval`. Request boundaries come from `RequestGuardHandler`, behind the HTTP
/// decoder, which calls in here.
final class ConnectionGuardHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer
    typealias OutboundIn = IOData
    typealias OutboundOut = IOData

    /// Where the connection stands in reading requests.
    private enum Phase {
        /// Between requests (or before the first), since then.
        case waiting(since: NIODeadline)
        /// A head has started arriving (its first byte then) and is not complete.
        case readingHead(since: NIODeadline)
        /// The head is complete, the body is arriving; its last byte then.
        case readingBody(lastByteAt: NIODeadline)
    }

    private let rules: ConnectionRules
    private var phase = Phase.waiting(since: .now())
    /// Requests whose answers are not written out yet, and since when the oldest waits.
    private var unanswered = 0
    private var unansweredSince = NIODeadline.now()
    private var bodyBytes = 0
    /// A read was asked for while answers were pending; it is passed on once they are out.
    private var readDeferred = false
    private var admitted = false
    private var closing = false
    private var check: Scheduled<Void>?
    private var context: ChannelHandlerContext?

    init(rules: ConnectionRules) {
        self.rules = rules
    }

    /// Often enough that a limit of time bites within a quarter of itself.
    private var tickInterval: TimeAmount {
        let limits = rules.limits
        let shortest = [limits.idleTimeout, limits.headerTimeout, limits.readTimeout, limits.writeTimeout].min()!
        return TimeAmount(min(max(shortest / 4, .milliseconds(50)), .seconds(1)))
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        if context.channel.isActive { becameActive(context) }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        finish()
        self.context = nil
    }

    func channelActive(context: ChannelHandlerContext) {
        becameActive(context)
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        finish()
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !closing else { return }
        switch phase {
        case .waiting: phase = .readingHead(since: .now())
        case .readingHead: break
        case .readingBody: phase = .readingBody(lastByteAt: .now())
        }
        context.fireChannelRead(data)
    }

    func read(context: ChannelHandlerContext) {
        guard !closing else { return }
        if unanswered > 0 {
            readDeferred = true
        } else {
            context.read()
        }
    }

    /// Admits the connection or closes it at once, then starts the checks of time.
    private func becameActive(_ context: ChannelHandlerContext) {
        guard !admitted && !closing else { return }
        guard rules.gate.admit() else {
            refuse(.maxConnections)
            return
        }
        admitted = true
        phase = .waiting(since: .now())
        scheduleCheck(context)
    }

    private func scheduleCheck(_ context: ChannelHandlerContext) {
        check = context.eventLoop.assumeIsolated().scheduleTask(in: tickInterval) { [self] in
            check = nil
            guard !closing, let context = self.context else { return }
            if let limit = expiredLimit(now: .now()) {
                refuse(limit)
            } else {
                scheduleCheck(context)
            }
        }
    }

    /// The limit of time this connection has passed, if any.
    private func expiredLimit(now: NIODeadline) -> MetricsLimit? {
        let limits = rules.limits
        if unanswered > 0 && now - unansweredSince >= TimeAmount(limits.writeTimeout) { return .writeTimeout }
        switch phase {
        case .waiting(let since):
            if unanswered == 0 && now - since >= TimeAmount(limits.idleTimeout) { return .idleTimeout }
        case .readingHead(let since):
            if now - since >= TimeAmount(limits.headerTimeout) { return .headerTimeout }
        case .readingBody(let lastByteAt):
            if now - lastByteAt >= TimeAmount(limits.readTimeout) { return .readTimeout }
        }
        return nil
    }

    /// Counts and closes: the connection holds nothing more from here.
    func refuse(_ limit: MetricsLimit) {
        guard !closing else { return }
        closing = true
        rules.reporter.record(limit)
        check?.cancel()
        check = nil
        context?.close(promise: nil)
    }

    /// Whether the connection is being closed by a limit (the request guard drops what
    /// follows).
    var isClosing: Bool { closing }

    /// A request head was decoded. False when it is one too many waiting for answers (the
    /// connection is being closed).
    func headReceived() -> Bool {
        if unanswered == 0 { unansweredSince = .now() }
        unanswered += 1
        bodyBytes = 0
        phase = .readingBody(lastByteAt: .now())
        if unanswered > rules.limits.maxPipelinedRequests {
            refuse(.pipelinedRequests)
            return false
        }
        return true
    }

    /// Body bytes of the current request were decoded. False when the body is too large.
    func bodyReceived(_ count: Int) -> Bool {
        bodyBytes += count
        if bodyBytes > rules.limits.maxBodyBytes {
            refuse(.bodyTooLarge)
            return false
        }
        return true
    }

    /// The current request is complete.
    func requestEnded() {
        phase = .waiting(since: .now())
    }

    /// An answer was written out to the socket: reading resumes once none is pending.
    func answerWritten() {
        guard unanswered > 0 else { return }
        unanswered -= 1
        unansweredSince = .now()
        if case .waiting = phase { phase = .waiting(since: .now()) }
        if unanswered == 0 && readDeferred && !closing {
            readDeferred = false
            context?.read()
        }
    }

    /// Whether no answer is pending, so one may be written here without mixing with
    /// Hummingbird's.
    var hasNoAnswerPending: Bool { unanswered == 0 }

    /// Gives the gate its place back and stops the checks, once.
    private func finish() {
        check?.cancel()
        check = nil
        if admitted {
            admitted = false
            rules.gate.release()
        }
        closing = true
    }
}
