import ArbiterCore

/// The outbox's decisions as a value type: delivery order, retry schedule, pausing on rejection, and
/// the capacity bound and drain waits. It performs no I/O and reads no clock; ``BatchOutbox`` executes its actions.
///
/// Invariants: batches are sent strictly in queue order, one at a time; a batch leaves the queue only
/// when acknowledged; a rejected batch stays at the head and pauses delivery until an operator
/// requeues it; `pending` (the queue length, in-flight batch included) is what capacity is measured by.
struct OutboxStateMachine: Sendable {
    enum Phase: Sendable, Equatable {
        /// The store has not been read yet.
        case loading
        case running
        /// The head batch was rejected; nothing is sent until ``resume()``.
        case paused(TrainerError)
        /// The outbox stopped (shutdown); waiters fail.
        case finished
    }

    /// What a capacity or drain request comes to.
    enum CapacityDecision: Sendable, Equatable {
        case proceed
        case suspend
        case fail(TrainerError)
    }

    /// What to do with suspended capacity and drain waiters.
    struct WaiterAction: Sendable, Equatable {
        var resume: [Int] = []
        var fail: [Int] = []
        var error: TrainerError?
        static let none = WaiterAction()
    }

    /// What the delivery loop does next.
    enum DeliveryAction: Sendable, Equatable {
        /// Send this batch; `attempt` counts from 1.
        case send(batchID: String, attempt: Int)
        /// Nothing to send: wait for a submission.
        case waitForWork
        /// Delivery is paused on a rejection: wait for an operator.
        case paused(TrainerError)
        /// The outbox has finished.
        case finished
    }

    /// What follows a finished attempt.
    enum AttemptAction: Sendable, Equatable {
        /// The batch is delivered: record it, resume these capacity and drain waiters.
        case delivered(PolicyVersion, resume: [Int])
        /// Record the failed attempt, wait this long, then ask ``nextDelivery()`` again.
        case retry(after: Duration)
        /// Record the rejection; fail these capacity and drain waiters with the error; stop sending.
        case pause(TrainerError, failWaiters: [Int])
        /// The outcome was for a batch that is not in flight (ignored).
        case ignore
    }

    let maxPending: Int
    let retryPolicy: RetryPolicy
    private(set) var phase: Phase = .loading
    /// Pending batch ids in delivery order; the head may be in flight or rejected.
    private(set) var queue: [String] = []
    /// Consecutive failed attempts of the head batch.
    private(set) var headFailures = 0
    /// The batch being sent, if any.
    private(set) var inFlight: String?
    /// Suspended capacity requests, first come first served.
    private(set) var capacityWaiters: [Int] = []
    /// Suspended drain requests; all resume when the queue is empty (they take no slot).
    private(set) var drainWaiters: [Int] = []

    init(maxPending: Int, retryPolicy: RetryPolicy) {
        self.maxPending = max(1, maxPending)
        self.retryPolicy = retryPolicy
    }

    /// Batches not yet acknowledged, the in-flight and a rejected one included.
    var pending: Int { queue.count }

    // MARK: - Store and submissions

    /// The store was read: `batchIDs` are the unacknowledged batches in order (a rejected one among
    /// them when `rejection` is set, which must then be the first).
    mutating func loaded(batchIDs: [String], rejection: TrainerError?) -> WaiterAction {
        guard case .loading = phase else { return .none }
        let known = Set(batchIDs)
        queue = batchIDs + queue.filter { !known.contains($0) }
        if let rejection {
            phase = .paused(rejection)
            return failAllWaiters(rejection)
        }
        phase = .running
        return resumeWaitersWithinCapacity()
    }

    /// A batch was durably enqueued. Returns whether the delivery loop should be woken.
    mutating func enqueued(_ batchID: String) -> Bool {
        guard !queue.contains(batchID) else { return false }
        switch phase {
        case .finished: return false
        case .loading, .paused:
            queue.append(batchID)
            return false
        case .running:
            queue.append(batchID)
            return true
        }
    }

    // MARK: - Capacity

    /// A caller asks to produce one more batch.
    mutating func requestCapacity(waiter: Int) -> CapacityDecision {
        switch phase {
        case .finished: return .fail(TrainerError(.shutdown, "the outbox has shut down"))
        case .paused(let error): return .fail(error)
        case .loading:
            capacityWaiters.append(waiter)
            return .suspend
        case .running:
            if capacityWaiters.isEmpty && queue.count < maxPending { return .proceed }
            capacityWaiters.append(waiter)
            return .suspend
        }
    }

    /// A caller asks to wait until every batch is acknowledged.
    mutating func requestDrain(waiter: Int) -> CapacityDecision {
        switch phase {
        case .finished: return .fail(TrainerError(.shutdown, "the outbox has shut down"))
        case .paused(let error): return .fail(error)
        case .running where queue.isEmpty: return .proceed
        case .loading, .running:
            drainWaiters.append(waiter)
            return .suspend
        }
    }

    /// A suspended capacity or drain request was cancelled.
    mutating func cancelRequest(waiter: Int) {
        capacityWaiters.removeAll { $0 == waiter }
        drainWaiters.removeAll { $0 == waiter }
    }

    // MARK: - Delivery

    /// The delivery loop asks what to do.
    mutating func nextDelivery() -> DeliveryAction {
        switch phase {
        case .finished: return .finished
        case .paused(let error): return .paused(error)
        case .loading: return .waitForWork
        case .running:
            guard let head = queue.first else { return .waitForWork }
            inFlight = head
            return .send(batchID: head, attempt: headFailures + 1)
        }
    }

    /// An attempt finished with `outcome`; `jitterSample` is a number in `[0, 1)`.
    mutating func attemptFinished(batchID: String, outcome: DeliveryOutcome, jitterSample: Double) -> AttemptAction {
        guard inFlight == batchID, queue.first == batchID else { return .ignore }
        inFlight = nil
        switch outcome {
        case .accepted(let version, _):
            queue.removeFirst()
            headFailures = 0
            guard case .running = phase else { return .delivered(version, resume: []) }
            return .delivered(version, resume: resumeWaitersWithinCapacity().resume)
        case .backOff, .serverError, .transportFailure:
            headFailures += 1
            return .retry(after: retryPolicy.delay(afterFailures: headFailures, retryAfter: outcome.retryAfter, jitterSample: jitterSample))
        case .rejected(let status, let message):
            let error = TrainerError(.rejected, message, context: "batch \(batchID), HTTP \(status)")
            return pause(error)
        case .protocolViolation(let status, let message):
            let error = TrainerError(.invalidResponse, message, context: "batch \(batchID), HTTP \(status)")
            return pause(error)
        }
    }

    /// An operator requeued the rejected head batch: delivery resumes with it.
    /// Returns the waiters to resume and whether the delivery loop should be woken.
    mutating func resume() -> (WaiterAction, wake: Bool) {
        guard case .paused = phase else { return (.none, false) }
        phase = .running
        headFailures = 0
        return (resumeWaitersWithinCapacity(), true)
    }

    /// The outbox is shutting down: every waiter fails.
    mutating func finish() -> WaiterAction {
        phase = .finished
        inFlight = nil
        return failAllWaiters(TrainerError(.shutdown, "the outbox has shut down"))
    }

    // MARK: - Helpers

    private mutating func pause(_ error: TrainerError) -> AttemptAction {
        phase = .paused(error)
        return .pause(error, failWaiters: takeAllWaiters())
    }

    /// Capacity waiters up to the free slots, and every drain waiter once the queue is empty.
    private mutating func resumeWaitersWithinCapacity() -> WaiterAction {
        let free = max(0, maxPending - queue.count)
        var resumed = Array(capacityWaiters.prefix(free))
        capacityWaiters.removeFirst(resumed.count)
        if queue.isEmpty {
            resumed += drainWaiters
            drainWaiters = []
        }
        return WaiterAction(resume: resumed)
    }

    private mutating func failAllWaiters(_ error: TrainerError) -> WaiterAction {
        let failed = takeAllWaiters()
        return WaiterAction(fail: failed, error: failed.isEmpty ? nil : error)
    }

    private mutating func takeAllWaiters() -> [Int] {
        defer {
            capacityWaiters = []
            drainWaiters = []
        }
        return capacityWaiters + drainWaiters
    }
}
