import NIOCore
import NIOHTTP1

/// One keep-alive connection of a ``DirectHTTP1Pool``: the channel's last handler, carrying one
/// request at a time.
///
/// Everything except `loop` and `pool` is confined to the channel's event loop. The response
/// is read to its end, checked (status, size) and parsed strictly on the loop; the connection
/// is then handed back to the pool before the caller's promise completes, so the next request
/// can go out at once. A server that answers `Connection: close`, a deadline that passes, a
/// cancelled request, or any channel error closes the connection.
final class DirectHTTP1Connection: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = HTTPClientResponsePart
    typealias OutboundOut = ByteBuffer

    let pool: DirectHTTP1Pool
    let loop: any EventLoop
    /// The response decoder (told about each request head, see ``ObservedResponseDecoder``).
    let decoder = HTTPResponseDecoder(leftOverBytesStrategy: .dropBytes)
    private let maxBodyBytes: Int
    private var context: ChannelHandlerContext?
    private var current: DirectHTTP1Request?
    private var status = 0
    private var retryAfter: String?
    private var keepAlive = true
    private var body = ByteBuffer()
    /// Only the method matters to the decoder (a HEAD answer has no body).
    private static let postHead = HTTPRequestHead(version: .http1_1, method: .POST, uri: "/")
    private var isClosed = false
    /// Completed when a shutdown that found the connection still opening may return.
    private var pendingShutdown: EventLoopPromise<Void>?
    /// When the connection last sent or received anything (or was opened).
    private var lastActivity = NIODeadline.now()
    private var isActive: Bool { !isClosed && (context?.channel.isActive ?? false) }

    init(pool: DirectHTTP1Pool, loop: any EventLoop, maxBodyBytes: Int) {
        self.pool = pool
        self.loop = loop
        self.maxBodyBytes = maxBodyBytes
    }

    // MARK: Requests

    /// Sends `request` from any thread.
    func sendOnLoop(_ request: DirectHTTP1Request) {
        if loop.inEventLoop {
            send(request)
        } else {
            loop.execute { self.send(request) }
        }
    }

    /// Sends `request` (on the loop).
    func send(_ request: DirectHTTP1Request) {
        loop.preconditionInEventLoop()
        guard !request.isFinished else {
            // Cancelled while it waited for this connection.
            if isActive, current == nil { pool.release(self) }
            return
        }
        guard let context, isActive, current == nil else {
            request.fail(InferenceError(.connectionReset, "connection closed before the request was sent", context: request.context))
            return
        }
        guard request.deadline > .now() else {
            // It waited for this connection past its deadline; the connection stays usable.
            request.fail(InferenceError(.timeout, "deadline exceeded before the request was sent", context: request.context))
            pool.release(self)
            return
        }
        current = request
        status = 0
        retryAfter = nil
        keepAlive = true
        body.clear()
        lastActivity = .now()
        decoder.write(data: .head(Self.postHead))
        context.writeAndFlush(NIOAny(request.bytes), promise: nil)
    }

    /// The pool's periodic check (on the loop): fails the running request past its deadline or
    /// after `readTimeout` of silence; closes the connection after `idleTimeout` unused.
    func sweep(_ now: NIODeadline, readTimeout: TimeAmount?, idleTimeout: TimeAmount) {
        if let request = current {
            if request.deadline <= now {
                finishCurrent(with: InferenceError(.timeout, "deadline exceeded", context: request.context), reusable: false)
            } else if let readTimeout, now - lastActivity >= readTimeout {
                finishCurrent(
                    with: InferenceError(.timeout, "no data for \(readTimeout.nanoseconds / 1_000_000) ms", context: request.context),
                    reusable: false)
            }
        } else if isActive, now - lastActivity >= idleTimeout, pool.retireIdle(self) {
            closeChannel()
        }
    }

    /// Fails `request` with `error` if this connection is carrying it, closing the connection.
    func abort(_ request: DirectHTTP1Request, _ error: InferenceError) {
        loop.execute { [self] in
            if current === request {
                finishCurrent(with: error, reusable: false)
            } else {
                request.fail(error)
            }
        }
    }

    /// Closes the connection (from any thread).
    func close() {
        loop.execute { [self] in closeChannel() }
    }

    /// Closes the connection, failing a running request with a shutdown error.
    ///
    /// A connection still being opened (no channel yet) cannot be closed here: the future then
    /// completes once the pool has seen the connect attempt end (it closes a connection that
    /// opens after shutdown, see ``connectEnded()``).
    func shutdown() -> EventLoopFuture<Void> {
        loop.flatSubmit { [self] in
            if let request = current {
                finishCurrent(with: InferenceError(.shutdown, "HTTP client is shut down", context: request.context), reusable: false)
            }
            guard !isClosed else { return loop.makeSucceededVoidFuture() }
            guard let context else {
                let promise = pendingShutdown ?? loop.makePromise()
                pendingShutdown = promise
                return promise.futureResult
            }
            isClosed = true
            return context.close()
        }
    }

    /// The connect attempt ended, opened or not (on the loop): a shutdown waiting for it is told
    /// once the channel is closed.
    func connectEnded() {
        guard let promise = pendingShutdown else { return }
        pendingShutdown = nil
        if let context, !isClosed {
            isClosed = true
            context.close(promise: promise)
        } else {
            promise.succeed()
        }
    }

    /// Ends the current request with `result`; reuses the connection or closes it.
    private func finishCurrent(with result: Result<InferenceResponse, InferenceError>, reusable: Bool) {
        guard let request = current else { return }
        current = nil
        if reusable, keepAlive, isActive {
            pool.release(self)
        } else {
            closeChannel()
        }
        request.complete(result)
    }

    private func finishCurrent(with error: InferenceError, reusable: Bool) {
        finishCurrent(with: .failure(error), reusable: reusable)
    }

    private func closeChannel() {
        guard !isClosed else { return }
        isClosed = true
        context?.close(promise: nil)
    }

    // MARK: ChannelInboundHandler

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
    }

    func channelInactive(context: ChannelHandlerContext) {
        isClosed = true
        if let request = current {
            finishCurrent(
                with: InferenceError(.connectionReset, "connection closed before the response ended", context: request.context),
                reusable: false)
        }
        pool.closed(self)
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if let request = current {
            let failure: InferenceError
            if error is HTTPParserError {
                failure = InferenceError(.malformedBody, "invalid HTTP response: \(error)", context: request.context)
            } else {
                failure = InferenceClient.classify(error, context: request.context)
            }
            finishCurrent(with: failure, reusable: false)
        } else {
            closeChannel()
        }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard let request = current else {
            // Nothing was asked: an unsolicited answer makes the connection unusable.
            closeChannel()
            return
        }
        lastActivity = .now()
        switch unwrapInboundIn(data) {
        case .head(let head):
            status = Int(head.status.code)
            retryAfter = head.headers.first(name: "retry-after")
            keepAlive = head.isKeepAlive
        case .body(var part):
            guard body.readableBytes + part.readableBytes <= maxBodyBytes else {
                finishCurrent(
                    with: InferenceError(.malformedBody, "response body exceeds \(maxBodyBytes) bytes", context: request.context),
                    reusable: false)
                return
            }
            // Copied, never kept: holding the channel's receive buffer would make NIO allocate a
            // new one for every read; `body` keeps its own storage from request to request.
            body.writeBuffer(&part)
        case .end:
            guard (200..<300).contains(status) else {
                finishCurrent(
                    with: InferenceClient.statusError(status, retryAfter: retryAfter, body: body, context: request.context),
                    reusable: true)
                return
            }
            let result = body.withUnsafeReadableBytes { bytes in
                Result { () throws(InferenceError) in try OpenAIWire.decodeResponse(bytes, context: request.context) }
            }
            finishCurrent(with: result, reusable: true)
        }
    }
}
