import ArbiterCore
import ArbiterNumerics
import ArbiterStore
import ArbiterTesting
import ArbiterTrainer
import Foundation
import Testing

typealias RunPeers = LoopbackPeers
typealias RunFixtures = LoopbackConfigs

/// Checks of a finished run against the reward log and what the trainer received.
enum RunChecks {
    /// Recomputes every logged advantage from the logged rewards with the numerics core.
    static func advantagesMatch(_ store: any RewardStore, runID: String, estimator: AdvantageEstimator, componentNames: [String]) async throws
        -> Int
    {
        var checked = 0
        for step in try await store.steps(runID: runID) {
            let groups = try await store.groups(runID: runID, step: step.step).filter { $0.samples.contains { $0.advantage != nil } }
            guard !groups.isEmpty else { continue }
            let rolloutGroups = groups.map { g in
                RolloutGroup(
                    id: g.groupID, promptID: g.promptID,
                    samples: g.samples.map { s in
                        ScoredRollout(rollout: s.rollout, reward: s.reward, refLogprobMean: s.aggregates["ref_logprob_mean"] ?? nil)
                    })
            }
            let names = estimator.requiredInputs.contains(.components) ? componentNames : nil
            let batch = try RewardBatch(rolloutGroups: rolloutGroups, componentNames: names)
            let expected = try estimator.advantages(for: batch)
            let logged = groups.flatMap { $0.samples.map { $0.advantage?.value ?? .nan } }
            #expect(expected.count == logged.count)
            for (e, l) in zip(expected, logged) {
                #expect(abs(e - l) <= 1e-9 * max(1, abs(e)), "step \(step.step): advantage \(l) vs recomputed \(e)")
                checked += 1
            }
        }
        return checked
    }

    /// The batches the trainer applied are exactly the logged ones, each once, with the logged
    /// samples and advantages.
    static func trainerReceivedLog(_ store: any RewardStore, runID: String, trainer: ReferenceTrainer) async throws -> [BatchRecord] {
        let batches = try await store.batches(runID: runID, step: nil)
        let applied = await trainer.appliedBatchIDs().filter { id in batches.contains { $0.id == id } }
        #expect(applied == batches.map(\.id), "trainer applied \(applied), log has \(batches.map(\.id))")
        let requests = await trainer.requests().filter { $0.status == 200 && !$0.replayed }
        for b in batches {
            #expect(b.delivery.outcome == .delivered, "batch \(b.id) is \(b.delivery.outcome)")
            guard let request = requests.first(where: { $0.idempotencyKey == b.id }) else {
                Issue.record("trainer never accepted batch \(b.id)")
                continue
            }
            #expect(SHA256.hex(request.body) == b.payloadHash, "payload of \(b.id) differs from the logged hash")
            let payload = try BatchPayload.decode(request.body)
            #expect(payload.samples.map(\.sampleID) == b.samples.map(\.rolloutID))
            let groups = try await store.groups(runID: runID, step: b.step)
            let advantages = Dictionary(
                groups.flatMap { $0.samples.map { ($0.rollout.id, $0.advantage?.value) } }, uniquingKeysWith: { a, _ in a })
            for s in payload.samples { #expect(advantages[s.sampleID] == s.advantage) }
        }
        return batches
    }
}
