import NIOCore
import NIOHTTP1

/// Sits right behind the HTTP decoder of a metrics connection: tells `ConnectionGuardHandler`
/// where requests start and end and when their answers are written out, and enforces the
/// limits of size (head, body, requests waiting for answers).
///
/// A head over the decoder's limit (`maxHeadBytes`) arrives here as a parse error; it is
/// answered 431 and closed, instead of Hummingbird's 400, so the client learns why.
final class RequestGuardHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias InboundOut = HTTPServerRequestPart
    typealias OutboundIn = HTTPServerResponsePart
    typealias OutboundOut = HTTPServerResponsePart

    private let connection: ConnectionGuardHandler

    init(connection: ConnectionGuardHandler) {
        self.connection = connection
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !connection.isClosing else { return }
        let admitted: Bool
        switch unwrapInboundIn(data) {
        case .head: admitted = connection.headReceived()
        case .body(let buffer): admitted = connection.bodyReceived(buffer.readableBytes)
        case .end:
            connection.requestEnded()
            admitted = true
        }
        if admitted { context.fireChannelRead(data) }
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        guard case .end = unwrapOutboundIn(data) else {
            context.write(data, promise: promise)
            return
        }
        // The end of an answer is written out once its promise completes (all of the answer
        // before it went first): then reading may resume.
        let written = context.eventLoop.makePromise(of: Void.self)
        let connection = self.connection
        written.futureResult.assumeIsolated().whenComplete { _ in connection.answerWritten() }
        if let promise { written.futureResult.cascade(to: promise) }
        context.write(data, promise: written)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        guard let parseError = error as? HTTPParserError, parseError == .headerOverflow else {
            context.fireErrorCaught(error)
            return
        }
        if connection.hasNoAnswerPending && !connection.isClosing {
            let head = HTTPResponseHead(
                version: .http1_1, status: .requestHeaderFieldsTooLarge, headers: ["Connection": "close", "Content-Length": "0"])
            context.write(wrapOutboundOut(.head(head)), promise: nil)
            context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
        }
        connection.refuse(.headTooLarge)
    }
}
