import ArbiterCore
import Foundation

/// An ``OutboxStore`` in memory: for tests and eval runs. Nothing survives the process.
public actor InMemoryOutboxStore: OutboxStore {
    private var records: [String: OutboxRecord] = [:]
    private var nextSequence: Int64 = 1

    /// Creates an empty store.
    public init() {}

    public func enqueue(batchID: String, step: Int, payload: Data) throws -> Bool {
        guard records[batchID] == nil else { return false }
        records[batchID] = OutboxRecord(sequence: nextSequence, batchID: batchID, step: step, payload: payload)
        nextSequence += 1
        return true
    }

    public func pending() -> [OutboxRecord] { records(in: .pending) }

    public func rejected() -> [OutboxRecord] { records(in: .rejected) }

    public func recordAttempt(batchID: String, error: String) throws {
        try update(batchID) {
            $0.attempts += 1
            $0.lastError = error
        }
    }

    public func markDelivered(batchID: String, policyVersion: PolicyVersion) throws {
        try update(batchID) {
            $0.state = .delivered
            $0.acknowledgedVersion = policyVersion
            $0.payload = Data()
        }
    }

    public func markRejected(batchID: String, status: Int, message: String) throws {
        try update(batchID) {
            $0.state = .rejected
            $0.rejectionStatus = status
            $0.rejectionMessage = message
        }
    }

    public func requeue(batchID: String) throws {
        try update(batchID) {
            guard $0.state == .rejected else { return }
            $0.state = .pending
            $0.rejectionStatus = nil
            $0.rejectionMessage = nil
        }
    }

    /// Every record, in enqueue order (for inspection in tests).
    public func allRecords() -> [OutboxRecord] {
        records.values.sorted { $0.sequence < $1.sequence }
    }

    private func records(in state: OutboxRecord.State) -> [OutboxRecord] {
        records.values.filter { $0.state == state }.sorted { $0.sequence < $1.sequence }
    }

    private func update(_ batchID: String, _ change: (inout OutboxRecord) -> Void) throws {
        guard var record = records[batchID] else { throw Self.unknownBatch(batchID) }
        change(&record)
        records[batchID] = record
    }
}
