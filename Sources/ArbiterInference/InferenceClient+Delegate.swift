import AsyncHTTPClient
import NIOCore
import NIOHTTP1

/// Receives one generation response on its event loop and turns it into an
/// ``InferenceResponse`` or a classified ``InferenceError``.
///
/// Non-2xx answers are read to the end (so the connection stays reusable) and become status
/// errors with the body prefix; 2xx bodies are parsed strictly, buffered or, for a streamed
/// call, event by event as they arrive (recording the time-to-first-token). Parsing happens on
/// the event loop, off the scheduler.
///
/// AsyncHTTPClient calls a delegate's methods one at a time on the task's event loop, which is
/// what makes the unsynchronised mutable state safe (hence `@unchecked Sendable`).
final class GenerationDelegate: HTTPClientResponseDelegate, @unchecked Sendable {
    typealias Response = InferenceResponse

    private let context: String
    private let streaming: Bool
    private let maxBodyBytes: Int
    private let started = NIODeadline.now()
    private var status = 0
    private var retryAfter: String?
    private var isEventStream = false
    private var body = ByteBuffer()
    private var accumulator = StreamAccumulator()
    private var firstTokenAt: NIODeadline?
    private var streamError: InferenceError?

    init(context: String, streaming: Bool, maxBodyBytes: Int) {
        self.context = context
        self.streaming = streaming
        self.maxBodyBytes = maxBodyBytes
    }

    func didReceiveHead(task: HTTPClient.Task<Response>, _ head: HTTPResponseHead) -> EventLoopFuture<Void> {
        status = Int(head.status.code)
        retryAfter = head.headers.first(name: "retry-after")
        if streaming, (200..<300).contains(status) {
            isEventStream = head.headers.first(name: "content-type")?.lowercased().hasPrefix("text/event-stream") ?? false
        }
        return task.eventLoop.makeSucceededVoidFuture()
    }

    func didReceiveBodyPart(task: HTTPClient.Task<Response>, _ buffer: ByteBuffer) -> EventLoopFuture<Void> {
        if isEventStream {
            guard streamError == nil else { return task.eventLoop.makeSucceededVoidFuture() }
            do {
                let first = try buffer.withUnsafeReadableBytes { (bytes) throws(InferenceError) in
                    try accumulator.feed(bytes, context: context)
                }
                if first { firstTokenAt = .now() }
            } catch {
                streamError = error
            }
            return task.eventLoop.makeSucceededVoidFuture()
        }
        guard body.readableBytes + buffer.readableBytes <= maxBodyBytes else {
            let error = InferenceError(.malformedBody, "response body exceeds \(maxBodyBytes) bytes", context: context)
            return task.eventLoop.makeFailedFuture(error)
        }
        var buffer = buffer
        if body.readableBytes == 0 {
            body = buffer
        } else {
            body.writeBuffer(&buffer)
        }
        return task.eventLoop.makeSucceededVoidFuture()
    }

    func didFinishRequest(task: HTTPClient.Task<Response>) throws -> Response {
        guard (200..<300).contains(status) else {
            throw InferenceClient.statusError(status, retryAfter: retryAfter, body: body, context: context)
        }
        if isEventStream {
            if let streamError { throw streamError }
            var response = try accumulator.finish(context: context)
            if let firstTokenAt {
                response.timeToFirstToken = Double((firstTokenAt - started).nanoseconds) / 1e9
            }
            return response
        }
        let context = self.context
        return try body.withUnsafeReadableBytes { (bytes) throws(InferenceError) in
            try OpenAIWire.decodeResponse(bytes, context: context)
        }
    }
}
