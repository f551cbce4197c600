import Foundation
import Hummingbird
import Logging
import ServiceLifecycle
import NIOCore
import NIOPosix

/// A protocol-v1 trainer peer for tests and the demo: a Hummingbird 2 server on loopback.
///
/// It checks every field of every batch (400 with `<path>: <problem>` on violations), records what it
/// received, answers a repeated `Idempotency-Key` with the original answer, bumps its policy version
/// per accepted batch, and can be told to fail (status codes with `Retry-After`), stall, crash after
/// applying a batch, or restart on the same port with its state kept or lost.
///
/// ``run()`` serves until the calling task is cancelled (it has the shape of a ServiceLifecycle
/// `Service`); ``withReferenceTrainer(_:_:)`` scopes one to a closure.
public final class ReferenceTrainer: Sendable {
    /// Settings.
    public struct Configuration: Sendable {
        /// Host to bind (loopback).
        public var host: String
        /// Port to bind; 0 picks a free one (restarts keep the port first bound).
        public var port: Int
        /// Required bearer token; nil accepts requests without `Authorization`.
        public var bearerToken: String?
        /// Policy version bump per accepted (new) batch; 0 acknowledges without changing the weights.
        public var versionBumpPerBatch: Int
        /// Status of an acceptance: 200 (trained synchronously) or 202 (queued).
        public var acceptedStatus: Int
        /// Policy version at first start (and after a restart that loses state).
        public var initialPolicyVersion: Int
        /// Whether a restart keeps the policy version and the idempotency answers.
        public var keepsStateAcrossRestarts: Bool
        /// Reject unknown fields (a conformance checker); a lenient trainer would ignore them.
        public var rejectsUnknownFields: Bool

        /// Creates settings.
        public init(
            host: String = "127.0.0.1", port: Int = 0, bearerToken: String? = nil, versionBumpPerBatch: Int = 1,
            acceptedStatus: Int = 200, initialPolicyVersion: Int = 0, keepsStateAcrossRestarts: Bool = true,
            rejectsUnknownFields: Bool = true
        ) {
            self.host = host
            self.port = port
            self.bearerToken = bearerToken
            self.versionBumpPerBatch = versionBumpPerBatch
            self.acceptedStatus = acceptedStatus
            self.initialPolicyVersion = initialPolicyVersion
            self.keepsStateAcrossRestarts = keepsStateAcrossRestarts
            self.rejectsUnknownFields = rejectsUnknownFields
        }
    }

    /// A one-shot misbehaviour for the next `POST /v1/batches`.
    public enum Fault: Sendable, Hashable {
        /// Answer with this status (and `Retry-After` when given) without looking at the batch.
        case status(Int, retryAfter: String? = nil, message: String = "injected failure")
        /// Wait this long before handling the request.
        case stall(Duration)
        /// Apply the batch, then drop the connection without answering and restart after `downtime`
        /// (state kept or lost per ``Configuration/keepsStateAcrossRestarts``).
        case crashAfterApply(downtime: Duration)
    }

    enum Control: Sendable {
        case restart(keepState: Bool, downtime: Duration)
        case serverEnded(generation: Int, error: String?)
    }

    /// The settings.
    public let configuration: Configuration
    let state: ReferenceTrainerState
    let lifecycle = Lifecycle()
    let controls: AsyncStream<Control>
    let control: AsyncStream<Control>.Continuation

    /// Creates a trainer; nothing listens until ``run()``.
    public init(configuration: Configuration = Configuration()) {
        self.configuration = configuration
        self.state = ReferenceTrainerState(initialPolicyVersion: configuration.initialPolicyVersion)
        (controls, control) = AsyncStream.makeStream(of: Control.self)
    }

    // MARK: - Lifecycle

    /// Serves until cancelled, restarting the server on the same port when asked.
    public func run() async throws {
        var iterator = controls.makeAsyncIterator()
        var generation = 0
        while true {
            try Task.checkCancellation()
            generation += 1
            let port = await lifecycle.port ?? configuration.port
            let app = makeApplication(port: port, generation: generation)
            let current = generation
            // The server runs in its own service group, so a restart is a graceful shutdown: the
            // listener closes before the connection handlers stop (cancelling instead can accept a
            // connection whose handler is already gone, which NIO traps on).
            let server = ServiceGroup(
                configuration: .init(services: [app], logger: Logger(label: "arbiter-reference-trainer", factory: { _ in SwiftLogNoOpLogHandler() })))
            let next: Control? = await withTaskGroup(of: Void.self) { group in
                group.addTask {
                    do {
                        try await server.run()
                        self.control.yield(.serverEnded(generation: current, error: nil))
                    } catch {
                        self.control.yield(.serverEnded(generation: current, error: "\(error)"))
                    }
                }
                var next: Control?
                while let control = await iterator.next() {
                    if case .serverEnded(let g, _) = control, g != current { continue }
                    next = control
                    break
                }
                if case .restart = next {
                    await server.triggerGracefulShutdown()
                    await group.waitForAll()
                } else {
                    group.cancelAll()
                }
                return next
            }
            await lifecycle.stopped()
            switch next {
            case nil:
                return
            case .serverEnded(_, let error):
                if let error { throw ReferenceTrainerError(message: "server ended: \(error)") }
                return
            case .restart(let keepState, let downtime):
                if !keepState { await state.forget() }
                if downtime > .zero { try await Task.sleep(for: downtime) }
                await state.recover()
            }
        }
    }

    /// Waits until the server listens and returns its port.
    public func waitUntilRunning(timeout: Duration = .seconds(10)) async throws -> Int {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if let port = await lifecycle.runningPort { return port }
            try await Task.sleep(for: .milliseconds(5))
        }
        throw ReferenceTrainerError(message: "reference trainer did not start within \(timeout)")
    }

    /// The base URL (`http://127.0.0.1:<port>`) once running.
    public func baseURL(timeout: Duration = .seconds(10)) async throws -> String {
        "http://\(configuration.host):\(try await waitUntilRunning(timeout: timeout))"
    }

    /// Stops the server and starts it again on the same port after `downtime`, with state kept or
    /// lost (`nil`: per ``Configuration/keepsStateAcrossRestarts``). Returns at once.
    public func restart(keepingState: Bool? = nil, downtime: Duration = .zero) async {
        await lifecycle.restarting()
        control.yield(.restart(keepState: keepingState ?? configuration.keepsStateAcrossRestarts, downtime: downtime))
    }

    /// How many times the server has started.
    public var starts: Int {
        get async { await lifecycle.starts }
    }

    // MARK: - Faults

    /// Queues `fault` for the next `times` batch requests.
    public func inject(_ fault: Fault, times: Int = 1) async {
        await state.inject(fault, times: times)
    }

    /// Drops every queued fault.
    public func clearFaults() async {
        await state.clearFaults()
    }

    /// Delays every batch request by `delay` (a slow trainer); nil restores full speed.
    public func setResponseDelay(_ delay: Duration?) async {
        await state.setResponseDelay(delay)
    }

    /// Sets the `ready` flag of `GET /v1/status`.
    public func setReady(_ ready: Bool) async {
        await state.setReady(ready)
    }

    // MARK: - Observations

    /// Every batch request received, in arrival order, across restarts.
    public func requests() async -> [ReceivedRequest] { await state.observations.requests }

    /// Batch ids in the order they were applied, across restarts. A batch applied twice appears twice.
    public func appliedBatchIDs() async -> [String] { await state.observations.applications }

    /// The current policy version.
    public func policyVersion() async -> Int { await state.memory.policyVersion }

    /// The most batch requests handled at the same time.
    public func maxConcurrentRequests() async -> Int { await state.observations.maxInFlight }

    /// Batch requests being handled now.
    public func requestsInFlight() async -> Int { await state.observations.inFlight }
}

/// An error of the reference trainer itself (not a protocol answer).
public struct ReferenceTrainerError: Error, Sendable, CustomStringConvertible {
    /// What went wrong.
    public var message: String

    /// Creates an error.
    public init(message: String) { self.message = message }

    public var description: String { message }
}

/// Runs a ``ReferenceTrainer`` for the duration of `body` and stops it afterwards.
public func withReferenceTrainer<Result: Sendable>(
    _ configuration: ReferenceTrainer.Configuration = .init(),
    _ body: (ReferenceTrainer) async throws -> Result
) async throws -> Result {
    let trainer = ReferenceTrainer(configuration: configuration)
    return try await withThrowingTaskGroup(of: Void.self) { group in
        group.addTask { try await trainer.run() }
        do {
            _ = try await trainer.waitUntilRunning()
            let result = try await body(trainer)
            group.cancelAll()
            return result
        } catch {
            group.cancelAll()
            throw error
        }
    }
}

extension ReferenceTrainer {
    /// Port and running flag across restarts.
    actor Lifecycle {
        var port: Int?
        var running = false
        var starts = 0

        var runningPort: Int? { running ? port : nil }

        func started(port: Int) {
            self.port = port
            running = true
            starts += 1
        }

        func restarting() { running = false }

        func stopped() { running = false }
    }
}

extension ReferenceTrainerState {
    func inject(_ fault: ReferenceTrainer.Fault, times: Int) {
        faults.append(contentsOf: Array(repeating: fault, count: max(0, times)))
    }

    func clearFaults() { faults = [] }

    func setResponseDelay(_ delay: Duration?) { responseDelay = delay }

    func setReady(_ ready: Bool) { self.ready = ready }

    func status() -> String {
        #"{"policy_version":\#(memory.policyVersion),"queue_depth":\#(max(0, observations.inFlight)),"ready":\#(ready)}"#
    }
}
