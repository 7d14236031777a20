import HummingbirdCore
import Logging
import NIOCore
import NIOHTTP1

/// Hummingbird's HTTP/1 child channel with the metrics endpoint's limits around it:
/// `ConnectionGuardHandler` at the front of each connection's pipeline (admission, limits of
/// time, no reading while an answer is pending), `RequestGuardHandler` right behind the HTTP
/// decoder (limits of size), and the channel's write watermark as the bound on buffered
/// output. Hummingbird 2.28 has the hooks for none of these but the head size (its decoder
/// configuration) and an idle timeout that spares half-read requests, hence this wrapper.
struct GuardedHTTP1Channel: ServerChildChannel {
    typealias Value = HTTP1Channel.Value

    let inner: HTTP1Channel
    let rules: ConnectionRules

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        let rules = self.rules
        return inner.setup(channel: channel, logger: logger).flatMapThrowing { value in
            let operations = channel.pipeline.syncOperations
            let outputBound = rules.limits.maxBufferedOutputBytes
            try channel.syncOptions?.setOption(
                .writeBufferWaterMark, value: .init(low: outputBound / 2, high: outputBound))
            let connection = ConnectionGuardHandler(rules: rules)
            try operations.addHandler(connection, position: .first)
            let decoder = try operations.handler(type: ByteToMessageHandler<HTTPRequestDecoder>.self)
            try operations.addHandler(RequestGuardHandler(connection: connection), position: .after(decoder))
            return value
        }
    }

    func handle(value: Value, logger: Logger) async {
        await inner.handle(value: value, logger: logger)
    }
}
