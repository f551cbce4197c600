import ArbiterCore

/// The trainer's policy version as Arbiter knows it, for admission control and the staleness filter.
///
/// Fed by the outbox (every acknowledgement carries a version) and by ``TrainerStatusPoller``. The
/// version never goes back: a lower report (a trainer restarted from an older checkpoint) is kept in
/// ``lastStatus`` but does not lower ``current``.
public actor PolicyVersionTracker {
    /// The highest version the trainer has reported.
    public private(set) var current: PolicyVersion
    /// The last status read from `GET /v1/status`, if any.
    public private(set) var lastStatus: TrainerStatus?
    private var observers: [Int: AsyncStream<PolicyVersion>.Continuation] = [:]
    private var nextObserver = 0
    private var finished = false

    /// Creates a tracker starting at `initial`.
    public init(initial: PolicyVersion = 0) {
        self.current = initial
    }

    /// Records a version the trainer reported.
    public func observe(_ version: PolicyVersion) {
        guard version > current else { return }
        current = version
        for (id, observer) in observers {
            if case .terminated = observer.yield(version) { observers[id] = nil }
        }
    }

    /// Records a status read from the trainer.
    public func observe(status: TrainerStatus) {
        lastStatus = status
        observe(status.policyVersion)
    }

    /// The current version first, then every increase. Only the newest value is buffered.
    public func updates() -> AsyncStream<PolicyVersion> {
        let (stream, continuation) = AsyncStream.makeStream(of: PolicyVersion.self, bufferingPolicy: .bufferingNewest(1))
        continuation.yield(current)
        if finished {
            continuation.finish()
        } else {
            observers[nextObserver] = continuation
            nextObserver += 1
        }
        return stream
    }

    /// Suspends until the trainer reports at least `target` and returns the version then current.
    ///
    /// - Throws: `CancellationError` when the calling task is cancelled, ``TrainerError/Code/shutdown``
    ///   after ``finish()``.
    public func waitUntil(atLeast target: PolicyVersion) async throws -> PolicyVersion {
        if current >= target { return current }
        for await version in updates() where version >= target {
            return version
        }
        try Task.checkCancellation()
        throw TrainerError(.shutdown, "the policy version tracker has finished")
    }

    /// Ends every ``updates()`` stream; later waits fail unless the version is already reached.
    public func finish() {
        finished = true
        for observer in observers.values { observer.finish() }
        observers = [:]
    }
}
