import ArbiterCore
import Foundation
import Logging
import ServiceLifecycle

/// The durable, bounded, in-order hand-off of batches to the trainer: a `Service`.
///
/// ``submit(_:)`` writes a batch to the ``OutboxStore`` before anything is sent; ``run()`` delivers
/// pending batches one at a time in submission order, retrying with the ``RetryPolicy`` (honouring
/// `Retry-After`), until the trainer acknowledges each. After a restart, ``run()`` resends whatever
/// the store holds as unacknowledged; the batch id in `Idempotency-Key` makes that safe.
///
/// Backpressure: ``waitForCapacity()`` suspends while ``maxPendingBatches`` batches are
/// unacknowledged, so a slow trainer slows the engine instead of growing memory. A rejection (4xx)
/// pauses delivery, records the trainer's message, and makes ``waitForCapacity()`` throw it, so the
/// run stops with a clear error instead of dropping data; ``retryRejected()`` resumes after a fix.
///
/// Decisions are made by a value-type state machine; this actor executes them.
public actor BatchOutbox: Service {
    /// Outbox settings.
    public struct Configuration: Sendable, Hashable {
        /// Unacknowledged batches at which ``BatchOutbox/waitForCapacity()`` suspends.
        public var maxPendingBatches: Int
        /// The retry schedule.
        public var retry: RetryPolicy

        /// Creates settings.
        public init(maxPendingBatches: Int = 4, retry: RetryPolicy = RetryPolicy()) {
            self.maxPendingBatches = max(1, maxPendingBatches)
            self.retry = retry
        }

        /// Settings from the run config's `trainer` section.
        public init(_ trainer: TrainerConfig, retry: RetryPolicy = RetryPolicy()) {
            self.init(maxPendingBatches: trainer.maxPendingBatches, retry: retry)
        }
    }

    /// What the outbox is doing, for dashboards and tests.
    public struct Snapshot: Sendable, Equatable {
        /// Unacknowledged batches (queue depth), the in-flight and a rejected one included.
        public var pending: Int
        /// The batch being sent now.
        public var inFlight: String?
        /// Failed attempts of the batch at the head of the queue.
        public var headFailures: Int
        /// Batches acknowledged since this outbox started.
        public var delivered: Int
        /// The policy version in the last acknowledgement.
        public var lastAcknowledgedVersion: PolicyVersion?
        /// The last failed attempt's description.
        public var lastError: String?
        /// The rejection delivery is paused on, if any.
        public var paused: TrainerError?
        /// Payload bytes held in memory (bounded by the pending batches).
        public var bufferedBytes: Int
        /// Callers suspended in ``BatchOutbox/waitForCapacity()``.
        public var waitingForCapacity: Int
    }

    private let store: any OutboxStore
    private let transport: any TrainerTransport
    private let tracker: PolicyVersionTracker?
    private let logger: Logger
    private var machine: OutboxStateMachine
    private var payloads: [String: Data] = [:]
    private var steps: [String: Int] = [:]
    /// Suspended capacity and drain requests, by waiter id.
    private var waiters: [Int: AsyncStream<Result<Void, TrainerError>>.Continuation] = [:]
    private var nextWaiter = 0
    private let wakeups: AsyncStream<Void>
    private let wake: AsyncStream<Void>.Continuation
    private var started = false
    private var delivered = 0
    private var lastAcknowledged: PolicyVersion?
    private var lastError: String?
    /// Acknowledged batches whose acknowledgement is still being recorded.
    private var recording = 0

    /// Creates an outbox.
    ///
    /// - Parameters:
    ///   - store: Durable storage; batches survive restarts there.
    ///   - transport: The trainer (usually a ``TrainerClient``).
    ///   - configuration: Capacity and retry schedule.
    ///   - tracker: Fed with the policy version of every acknowledgement, when given.
    ///   - logger: Logs deliveries, retries and rejections.
    public init(
        store: any OutboxStore, transport: any TrainerTransport, configuration: Configuration = Configuration(),
        tracker: PolicyVersionTracker? = nil, logger: Logger = Logger(label: "arbiter.trainer.outbox")
    ) {
        self.store = store
        self.transport = transport
        self.tracker = tracker
        self.logger = logger
        self.machine = OutboxStateMachine(maxPending: configuration.maxPendingBatches, retryPolicy: configuration.retry)
        (wakeups, wake) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
    }

    // MARK: - Producing

    /// Durably enqueues a batch for delivery. Returns false when the batch id was enqueued before
    /// (a duplicate submission changes nothing).
    ///
    /// Does not wait for capacity: call ``waitForCapacity()`` before producing the next batch.
    /// - Throws: ``TrainerError/Code/invalidInput`` for a batch protocol v1 cannot carry,
    ///   ``TrainerError/Code/storeFailure`` when it could not be stored.
    @discardableResult
    public func submit(_ batch: Batch) async throws -> Bool {
        try await submit(BatchPayload(batch: batch))
    }

    /// Durably enqueues an already mapped batch; see ``submit(_:)-(Batch)``.
    @discardableResult
    public func submit(_ payload: BatchPayload) async throws -> Bool {
        let body = try payload.encoded()
        let isNew: Bool
        do {
            isNew = try await store.enqueue(batchID: payload.batchID, step: payload.step, payload: body)
        } catch let error as TrainerError {
            throw error
        } catch {
            throw TrainerError(.storeFailure, "cannot enqueue: \(error)", context: "batch \(payload.batchID)")
        }
        guard isNew else {
            logger.debug("batch already in the outbox", metadata: ["batch_id": "\(payload.batchID)"])
            return false
        }
        payloads[payload.batchID] = body
        steps[payload.batchID] = payload.step
        if machine.enqueued(payload.batchID) { wake.yield() }
        logger.debug("batch enqueued", metadata: ["batch_id": "\(payload.batchID)", "pending": "\(machine.pending)"])
        return true
    }

    /// Suspends while ``Configuration/maxPendingBatches`` batches are unacknowledged.
    ///
    /// - Throws: the rejection when delivery is paused on one (``TrainerError/Code/rejected`` or
    ///   ``TrainerError/Code/invalidResponse``), ``TrainerError/Code/shutdown`` after the outbox stopped,
    ///   `CancellationError` when the calling task is cancelled.
    public func waitForCapacity() async throws {
        let id = nextWaiter
        nextWaiter += 1
        try await settle(machine.requestCapacity(waiter: id), waiter: id)
    }

    /// Suspends until every batch is acknowledged and its acknowledgement recorded (the tracker
    /// then knows the last version); returns at once when nothing is pending.
    ///
    /// - Throws: the rejection when delivery is paused on one (at once, or when it happens),
    ///   ``TrainerError/Code/shutdown`` when the outbox stops first, `CancellationError` when the
    ///   calling task is cancelled.
    public func waitUntilDrained() async throws {
        let id = nextWaiter
        nextWaiter += 1
        try await settle(machine.requestDrain(waiter: id), waiter: id)
    }

    /// Carries out the machine's decision on a capacity or drain request: return, throw, or
    /// suspend until ``execute(_:)`` resumes or fails waiter `id`; cancellation ends the wait.
    private func settle(_ decision: OutboxStateMachine.CapacityDecision, waiter id: Int) async throws {
        switch decision {
        case .proceed:
            // An acknowledgement may still be on its way to the tracker: going on implies the
            // tracker knows the version of every acknowledged batch.
            if let version = lastAcknowledged, let tracker { _ = try await tracker.waitUntil(atLeast: version) }
            return
        case .fail(let error): throw error
        case .suspend: break
        }
        let (stream, continuation) = AsyncStream.makeStream(of: Result<Void, TrainerError>.self, bufferingPolicy: .bufferingNewest(1))
        waiters[id] = continuation
        defer { waiters[id] = nil }
        for await result in stream {
            try result.get()
            return
        }
        // The stream ends early only when this task is cancelled.
        machine.cancelRequest(waiter: id)
        try Task.checkCancellation()
        throw CancellationError()
    }

    /// Unacknowledged batches (the queue depth).
    public var queueDepth: Int { machine.pending + recording }

    /// What the outbox is doing now.
    public var snapshot: Snapshot {
        var paused: TrainerError?
        if case .paused(let error) = machine.phase { paused = error }
        return Snapshot(
            pending: machine.pending + recording, inFlight: machine.inFlight, headFailures: machine.headFailures, delivered: delivered,
            lastAcknowledgedVersion: lastAcknowledged, lastError: lastError, paused: paused,
            bufferedBytes: payloads.values.reduce(0) { $0 + $1.count }, waitingForCapacity: machine.capacityWaiters.count)
    }

    /// Operator action after a rejection was fixed on the trainer side: requeues the rejected batch
    /// (it keeps its place at the head) and resumes delivery. Does nothing when not paused.
    public func retryRejected() async throws {
        guard case .paused = machine.phase, let head = machine.queue.first else { return }
        try await store.requeue(batchID: head)
        let (waiters, wakeLoop) = machine.resume()
        execute(waiters)
        if wakeLoop { wake.yield() }
        logger.notice("delivery resumed after a rejection", metadata: ["batch_id": "\(head)"])
    }

    // MARK: - Delivering

    /// Delivers until graceful shutdown or cancellation; pending batches stay in the store.
    ///
    /// - Throws: ``TrainerError/Code/storeFailure`` when the store cannot be read at start.
    public func run() async throws {
        precondition(!started, "BatchOutbox.run() must be called once")
        started = true
        defer { execute(machine.finish()) }
        do {
            try await cancelWhenGracefulShutdown {
                try await self.deliverLoop()
            }
        } catch is CancellationError {
            logger.debug("outbox stopped", metadata: ["pending": "\(machine.pending)"])
        }
    }

    private func deliverLoop() async throws {
        try await load()
        var wakeups = self.wakeups.makeAsyncIterator()
        while true {
            try Task.checkCancellation()
            switch machine.nextDelivery() {
            case .finished:
                return
            case .waitForWork, .paused:
                guard await wakeups.next() != nil else { throw CancellationError() }
            case .send(let batchID, let attempt):
                try await send(batchID, attempt: attempt)
            }
        }
    }

    private func load() async throws {
        let pending: [OutboxRecord]
        let rejected: [OutboxRecord]
        do {
            pending = try await store.pending()
            rejected = try await store.rejected()
        } catch let error as TrainerError {
            throw error
        } catch {
            throw TrainerError(.storeFailure, "cannot read the outbox: \(error)")
        }
        // A rejected batch blocks everything after it; rejections are resolved one at a time.
        let blocking = rejected.first
        let records = (pending + (blocking.map { [$0] } ?? [])).sorted { $0.sequence < $1.sequence }
        for record in records {
            payloads[record.batchID] = record.payload
            steps[record.batchID] = record.step
        }
        var ids = records.map(\.batchID)
        if let blocking, let index = ids.firstIndex(of: blocking.batchID), index > 0 {
            // Pending batches enqueued before the rejected one are still delivered first.
            ids.remove(at: index)
            ids.insert(blocking.batchID, at: 0)
            logger.warning("rejected batch precedes older pending batches", metadata: ["batch_id": "\(blocking.batchID)"])
        }
        if !records.isEmpty {
            logger.info(
                "outbox resumes unacknowledged batches", metadata: ["pending": "\(pending.count)", "rejected": "\(rejected.count)"])
        }
        if let error = blocking?.rejectionError {
            logger.error("delivery paused: a batch was rejected before the restart", metadata: ["error": "\(error)"])
        }
        execute(machine.loaded(batchIDs: ids, rejection: blocking?.rejectionError))
    }

    private func send(_ batchID: String, attempt: Int) async throws {
        guard let payload = payloads[batchID] else {
            preconditionFailure("outbox holds no payload for queued batch \(batchID)")
        }
        let outcome = await transport.deliver(batchID: batchID, payload: payload)
        try Task.checkCancellation()
        let metadata: Logger.Metadata = ["batch_id": "\(batchID)", "step": "\(steps[batchID] ?? -1)", "attempt": "\(attempt)"]
        switch machine.attemptFinished(batchID: batchID, outcome: outcome, jitterSample: Double.random(in: 0..<1)) {
        case .ignore:
            return
        case .delivered(let version, let resume):
            payloads[batchID] = nil
            steps[batchID] = nil
            delivered += 1
            lastAcknowledged = version
            // Until the acknowledgement is recorded and the tracker has the new version, the batch
            // still counts in the queue depth and capacity waiters stay suspended, so whoever sees
            // the batch gone also sees its consequences.
            recording += 1
            await tracker?.observe(version)
            logger.info("batch delivered", metadata: metadata.merging(["policy_version": "\(version.rawValue)"]) { $1 })
            do {
                try await store.markDelivered(batchID: batchID, policyVersion: version)
            } catch {
                // The trainer has the batch; if this record is lost, a restart resends it and the
                // idempotency key makes the resend harmless.
                logger.error("cannot record a delivery", metadata: metadata.merging(["error": "\(error)"]) { $1 })
            }
            recording -= 1
            execute(OutboxStateMachine.WaiterAction(resume: resume))
        case .retry(let delay):
            lastError = outcome.summary
            logger.warning(
                "batch delivery failed; retrying",
                metadata: metadata.merging(["outcome": "\(outcome.summary)", "retry_in": "\(delay)"]) { $1 })
            do {
                try await store.recordAttempt(batchID: batchID, error: outcome.summary)
            } catch {
                logger.error("cannot record a delivery attempt", metadata: metadata.merging(["error": "\(error)"]) { $1 })
            }
            try await Task.sleep(for: delay)
        case .pause(let error, let failWaiters):
            lastError = outcome.summary
            execute(OutboxStateMachine.WaiterAction(fail: failWaiters, error: error))
            logger.error("trainer refused a batch; delivery paused", metadata: metadata.merging(["error": "\(error)"]) { $1 })
            let status: Int =
                switch outcome {
                case .rejected(let status, _), .protocolViolation(let status, _): status
                default: 0
                }
            do {
                try await store.markRejected(batchID: batchID, status: status, message: error.message)
            } catch {
                logger.error("cannot record a rejection", metadata: metadata.merging(["error": "\(error)"]) { $1 })
            }
        }
    }

    private func execute(_ action: OutboxStateMachine.WaiterAction) {
        for id in action.resume {
            waiters[id]?.yield(.success(()))
            waiters[id]?.finish()
        }
        if let error = action.error {
            for id in action.fail {
                waiters[id]?.yield(.failure(error))
                waiters[id]?.finish()
            }
        }
    }
}
