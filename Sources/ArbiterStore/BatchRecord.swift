import ArbiterCore

/// How delivery of a batch to the trainer ended (so far).
public enum DeliveryOutcome: String, Sendable, Hashable, Codable, CaseIterable {
    /// Not yet acknowledged.
    case pending
    /// Accepted by the trainer.
    case delivered
    /// Refused by the trainer (validation, staleness).
    case rejected
    /// Attempts failed; may be retried.
    case failed
    /// Given up.
    case abandoned
}

/// The mutable part of a batch: delivery attempts, outcome and the trainer's policy version.
///
/// This is the only batch state updated in place, and it is outside the hash chain.
public struct DeliveryState: Sendable, Hashable, Codable {
    /// Attempts made.
    public var attempts: Int
    /// Outcome so far.
    public var outcome: DeliveryOutcome
    /// The policy version the trainer reported after accepting the batch.
    public var trainerPolicyVersion: PolicyVersion?
    /// When the state last changed, Unix seconds.
    public var updatedAt: Double?

    /// Creates a delivery state.
    public init(
        attempts: Int = 0, outcome: DeliveryOutcome = .pending, trainerPolicyVersion: PolicyVersion? = nil,
        updatedAt: Double? = nil
    ) {
        self.attempts = attempts
        self.outcome = outcome
        self.trainerPolicyVersion = trainerPolicyVersion
        self.updatedAt = updatedAt
    }
}

/// One sample reference in a batch.
public struct BatchSampleRef: Sendable, Hashable, Codable {
    /// The rollout handed to the trainer.
    public var rolloutID: String
    /// Its loss weight.
    public var lossWeight: Double

    /// Creates a reference.
    public init(rolloutID: String, lossWeight: Double = 1) {
        self.rolloutID = rolloutID
        self.lossWeight = lossWeight
    }
}

/// A training batch as logged: which samples, the payload hash, and delivery state.
public struct BatchRecord: Sendable, Hashable, Codable {
    /// The run.
    public var runID: String
    /// Deterministic batch id (the idempotency key).
    public var id: String
    /// The step.
    public var step: Int
    /// Samples in payload order.
    public var samples: [BatchSampleRef]
    /// SHA-256 (hex) of the exact payload sent.
    public var payloadHash: String
    /// When the batch was built, Unix seconds.
    public var createdAt: Double
    /// Delivery state (updated in place, outside the hash chain).
    public var delivery: DeliveryState

    /// Creates a batch record.
    public init(
        runID: String, id: String, step: Int, samples: [BatchSampleRef], payloadHash: String, createdAt: Double,
        delivery: DeliveryState = .init()
    ) {
        self.runID = runID
        self.id = id
        self.step = step
        self.samples = samples
        self.payloadHash = payloadHash
        self.createdAt = createdAt
        self.delivery = delivery
    }

    /// Logs a `Batch` as built for the trainer.
    public init(batch: Batch, payloadHash: String, createdAt: Double) {
        self.init(
            runID: batch.runID, id: batch.id, step: batch.step,
            samples: batch.samples.map { BatchSampleRef(rolloutID: $0.sample.rollout.id, lossWeight: $0.lossWeight) },
            payloadHash: payloadHash, createdAt: createdAt)
    }
}
