import AsyncHTTPClient
import NIOCore

extension InferenceClient {
    /// Sends `total` copies of `call` to endpoint `index`, keeping `concurrency` in flight, and
    /// returns how many succeeded and failed: the client's own throughput ceiling, without the
    /// scheduler (used by `arbiter bench inference --client-only`).
    ///
    /// Each of the `concurrency` lanes chains its next request on the previous one's future, so
    /// no task is created per request.
    public func drive(_ call: InferenceCall, endpoint index: Int, total: Int, concurrency: Int, timeout: Double = 30)
        async throws -> (succeeded: Int, failed: Int)
    {
        let lanes = max(1, min(concurrency, total))
        let loop = clients[index].http.eventLoopGroup.any()
        let per = total / lanes
        let extra = total % lanes
        var futures: [EventLoopFuture<(Int, Int)>] = []
        for lane in 0..<lanes {
            let count = per + (lane < extra ? 1 : 0)
            futures.append(runLane(call, endpoint: index, remaining: count, done: (0, 0), timeout: timeout, loop: loop))
        }
        let results = try await EventLoopFuture.whenAllSucceed(futures, on: loop).get()
        return results.reduce((0, 0)) { ($0.0 + $1.0, $0.1 + $1.1) }
    }

    private func runLane(
        _ call: InferenceCall, endpoint index: Int, remaining: Int, done: (Int, Int), timeout: Double, loop: any EventLoop
    ) -> EventLoopFuture<(Int, Int)> {
        guard remaining > 0 else { return loop.makeSucceededFuture(done) }
        let future: EventLoopFuture<InferenceResponse>
        do {
            future = try start(call, endpoint: index, deadline: .now() + .nanoseconds(Int64(timeout * 1e9))).futureResult
        } catch {
            return loop.makeFailedFuture(error)
        }
        return future.map { _ in true }.recover { _ in false }.flatMap { ok in
            self.runLane(
                call, endpoint: index, remaining: remaining - 1, done: ok ? (done.0 + 1, done.1) : (done.0, done.1 + 1),
                timeout: timeout, loop: loop)
        }
    }
}
