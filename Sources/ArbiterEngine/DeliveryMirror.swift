import ArbiterCore
import ArbiterStore
import ArbiterTrainer
import Foundation
import Logging

/// An ``ArbiterTrainer/OutboxStore`` that forwards to the durable outbox store and mirrors every
/// delivery transition (attempts, acknowledgement with the trainer's policy version, rejection)
/// into the reward log's batch rows, so `arbiter status` and audits see what the trainer received.
///
/// The outbox store stays the source of truth for delivery; a failed mirror write is logged.
actor DeliveryMirror: OutboxStore {
    let inner: any OutboxStore
    let rewardStore: any RewardStore
    let runID: String
    let logger: Logger
    private var attempts: [String: Int] = [:]

    init(inner: any OutboxStore, rewardStore: any RewardStore, runID: String, logger: Logger) {
        self.inner = inner
        self.rewardStore = rewardStore
        self.runID = runID
        self.logger = logger
    }

    func enqueue(batchID: String, step: Int, payload: Data) async throws -> Bool {
        try await inner.enqueue(batchID: batchID, step: step, payload: payload)
    }

    func pending() async throws -> [OutboxRecord] {
        let records = try await inner.pending()
        for r in records { attempts[r.batchID] = max(attempts[r.batchID] ?? 0, r.attempts) }
        return records
    }

    func rejected() async throws -> [OutboxRecord] { try await inner.rejected() }

    func recordAttempt(batchID: String, error: String) async throws {
        try await inner.recordAttempt(batchID: batchID, error: error)
        let n = (attempts[batchID] ?? 0) + 1
        attempts[batchID] = n
        await mirror(batchID, DeliveryState(attempts: n, outcome: .failed, updatedAt: Date().timeIntervalSince1970))
    }

    func markDelivered(batchID: String, policyVersion: PolicyVersion) async throws {
        try await inner.markDelivered(batchID: batchID, policyVersion: policyVersion)
        let n = (attempts[batchID] ?? 0) + 1
        attempts[batchID] = nil
        await mirror(
            batchID,
            DeliveryState(attempts: n, outcome: .delivered, trainerPolicyVersion: policyVersion, updatedAt: Date().timeIntervalSince1970))
    }

    func markRejected(batchID: String, status: Int, message: String) async throws {
        try await inner.markRejected(batchID: batchID, status: status, message: message)
        let n = (attempts[batchID] ?? 0) + 1
        attempts[batchID] = n
        await mirror(batchID, DeliveryState(attempts: n, outcome: .rejected, updatedAt: Date().timeIntervalSince1970))
        try? await rewardStore.appendEvents([
            EventRecord(
                runID: runID, at: Date().timeIntervalSince1970, kind: .fault, source: "trainer",
                message: "batch \(batchID) rejected with HTTP \(status): \(message)")
        ])
    }

    func requeue(batchID: String) async throws {
        try await inner.requeue(batchID: batchID)
        await mirror(batchID, DeliveryState(attempts: attempts[batchID] ?? 0, outcome: .pending, updatedAt: Date().timeIntervalSince1970))
    }

    private func mirror(_ batchID: String, _ state: DeliveryState) async {
        // The transition already happened in the durable outbox: record it even when a graceful
        // shutdown is cancelling the outbox (GRDB refuses to start a write in a cancelled task),
        // or the log would keep saying "pending" for a batch the trainer applied and a resumed
        // run would never resend. The detached task is awaited at once: a shield from
        // cancellation, not a stray task.
        let store = rewardStore
        let runID = runID
        let failure = await Task.detached { () -> String? in
            do {
                try await store.updateDelivery(runID: runID, batchID: batchID, delivery: state)
                return nil
            } catch {
                return "\(error)"
            }
        }.value
        if let failure {
            logger.warning("cannot record delivery state in the reward log", metadata: ["batch_id": "\(batchID)", "error": "\(failure)"])
        }
    }
}
