import ArbiterCore
import Foundation

/// Durable storage behind the ``BatchOutbox``.
///
/// A batch is enqueued (written durably) before its first delivery attempt and stays pending until the
/// trainer acknowledges it, so a restart of Arbiter resends exactly what was not acknowledged. The
/// idempotency key (the batch id) makes a resend of an acknowledged-but-unrecorded batch harmless.
///
/// Implementations: ``InMemoryOutboxStore`` (tests, eval runs), ``FileOutboxStore`` (one folder, fsync'd,
/// crash-safe by write-temp-then-rename). Conformances must pass the shared suite in
/// `Tests/ArbiterTrainerTests/OutboxStoreConformance.swift`.
public protocol OutboxStore: Sendable {
    /// Durably records a batch as pending and returns true; returns false (and changes nothing) when
    /// a batch with this id was enqueued before, whatever its state now.
    ///
    /// Batches are delivered in enqueue order; the store assigns the increasing ``OutboxRecord/sequence``.
    func enqueue(batchID: String, step: Int, payload: Data) async throws -> Bool

    /// Pending batches (not yet acknowledged, not rejected), in enqueue order, with their payloads.
    func pending() async throws -> [OutboxRecord]

    /// Rejected batches awaiting an operator, in enqueue order, with their payloads.
    func rejected() async throws -> [OutboxRecord]

    /// Records a failed delivery attempt of a pending batch (count and last error).
    func recordAttempt(batchID: String, error: String) async throws

    /// Marks a batch acknowledged with the trainer's policy version. The payload may be discarded.
    func markDelivered(batchID: String, policyVersion: PolicyVersion) async throws

    /// Marks a batch rejected by the trainer, keeping the trainer's status and message.
    func markRejected(batchID: String, status: Int, message: String) async throws

    /// Operator action: makes a rejected batch pending again, keeping its place in the order.
    func requeue(batchID: String) async throws
}

/// One batch in an ``OutboxStore``.
public struct OutboxRecord: Sendable, Hashable, Codable {
    /// Where a batch stands.
    public enum State: String, Sendable, Hashable, Codable {
        /// Not yet acknowledged.
        case pending
        /// Acknowledged by the trainer.
        case delivered
        /// Refused by the trainer; waits for an operator.
        case rejected
    }

    /// Enqueue order, assigned by the store; increasing.
    public var sequence: Int64
    /// The batch id (also the idempotency key).
    public var batchID: String
    /// The training step.
    public var step: Int
    /// The request body, exactly as it is sent on every attempt. Empty once delivered.
    public var payload: Data
    /// Where the batch stands.
    public var state: State
    /// Failed delivery attempts so far.
    public var attempts: Int
    /// The last failed attempt's description.
    public var lastError: String?
    /// When the batch was enqueued.
    public var enqueuedAt: Date
    /// The trainer's policy version in its acknowledgement, once delivered.
    public var acknowledgedVersion: PolicyVersion?
    /// The trainer's HTTP status when it rejected the batch.
    public var rejectionStatus: Int?
    /// The trainer's message when it rejected the batch.
    public var rejectionMessage: String?

    /// Creates a record.
    public init(
        sequence: Int64, batchID: String, step: Int, payload: Data, state: State = .pending, attempts: Int = 0,
        lastError: String? = nil, enqueuedAt: Date = Date(), acknowledgedVersion: PolicyVersion? = nil,
        rejectionStatus: Int? = nil, rejectionMessage: String? = nil
    ) {
        self.sequence = sequence
        self.batchID = batchID
        self.step = step
        self.payload = payload
        self.state = state
        self.attempts = attempts
        self.lastError = lastError
        self.enqueuedAt = enqueuedAt
        self.acknowledgedVersion = acknowledgedVersion
        self.rejectionStatus = rejectionStatus
        self.rejectionMessage = rejectionMessage
    }

    enum CodingKeys: String, CodingKey {
        case sequence
        case batchID = "batch_id"
        case step, payload, state, attempts
        case lastError = "last_error"
        case enqueuedAt = "enqueued_at"
        case acknowledgedVersion = "acknowledged_version"
        case rejectionStatus = "rejection_status"
        case rejectionMessage = "rejection_message"
    }

    /// The rejection as an error, for a record in the rejected state.
    public var rejectionError: TrainerError? {
        guard state == .rejected else { return nil }
        return TrainerError(
            .rejected, rejectionMessage ?? "rejected",
            context: "batch \(batchID) (step \(step)), HTTP \(rejectionStatus.map(String.init) ?? "?")")
    }
}

extension OutboxStore {
    /// Throws ``TrainerError/Code/storeFailure`` for a batch id the store does not know.
    static func unknownBatch(_ batchID: String) -> TrainerError {
        TrainerError(.storeFailure, "no batch with this id in the outbox", context: "batch \(batchID)")
    }
}
