import AsyncHTTPClient
import NIOCore

/// One started generation attempt: its future and a way to cancel it (losing hedges, abandoned
/// requests), whichever transport carries it.
public struct InferenceAttempt: Sendable {
    enum Handle: Sendable {
        /// On AsyncHTTPClient (TLS endpoints, streaming calls).
        case pooled(HTTPClient.Task<InferenceResponse>)
        /// On the lean keep-alive pool (with a future when one was asked for).
        case direct(DirectHTTP1Request, EventLoopFuture<InferenceResponse>?)
    }

    let handle: Handle

    init(_ handle: Handle) { self.handle = handle }

    /// Completes with the parsed response or fails with the transport's error. Only for
    /// attempts started without a completion callback (those on the lean pool have no future).
    public var futureResult: EventLoopFuture<InferenceResponse> {
        switch handle {
        case .pooled(let task): return task.futureResult
        case .direct(_, let future?): return future
        case .direct(_, nil): preconditionFailure("attempt was started with a completion callback")
        }
    }

    /// Cancels the attempt; its future fails with a cancellation error.
    public func cancel() {
        switch handle {
        case .pooled(let task): task.cancel()
        case .direct(let request, _): request.cancel()
        }
    }
}
