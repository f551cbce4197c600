import ArbiterCore
import ArbiterStore
import ArbiterTrainer

/// Builds a step's training batch from its reward-log records.
///
/// The batch is built from the records exactly as the log holds them (logprobs already at the
/// log's float32 precision), so a batch rebuilt from the log after a crash encodes to the same
/// bytes as the one first built: same payload hash, same idempotency key.
public enum BatchBuilder {
    /// Every sample with an advantage, in group order, with loss weight 1.
    public static func samples(_ records: [GroupRecord]) -> [BatchSample] {
        var out: [BatchSample] = []
        for g in records {
            for s in g.samples {
                guard let a = s.advantage else { continue }
                let ref: Double? = s.aggregates["ref_logprob_mean"] ?? nil
                out.append(
                    BatchSample(
                        sample: ScoredRollout(rollout: s.rollout, reward: s.reward, refLogprobMean: ref), groupID: g.groupID,
                        advantage: a.value, flowTarget: a.flowTarget, lossWeight: 1))
            }
        }
        return out
    }

    /// The batch of `samples` (after the staleness filter), or nil when none is left.
    public static func batch(
        runID: String, step: Int, samples: [BatchSample], estimator: String, estimatorParams: [String: String], provenance: Provenance
    ) -> Batch? {
        guard !samples.isEmpty else { return nil }
        let id = Batch.makeID(runID: runID, step: step, sampleIDs: samples.map { $0.sample.rollout.id })
        return Batch(
            id: id, runID: runID, step: step, estimator: estimator, estimatorParams: estimatorParams, samples: samples,
            provenance: provenance)
    }

    /// Rebuilds a logged batch from the step's records: the samples the batch record names, in its
    /// order, with its loss weights.
    ///
    /// - Throws: ``EngineError/Code/storeFailure`` when a named sample is not in the records.
    public static func rebuild(
        _ record: BatchRecord, from records: [GroupRecord], estimator: String, estimatorParams: [String: String], provenance: Provenance
    ) throws -> Batch {
        let all = Dictionary(samples(records).map { ($0.sample.rollout.id, $0) }, uniquingKeysWith: { a, _ in a })
        var chosen: [BatchSample] = []
        for ref in record.samples {
            guard var s = all[ref.rolloutID] else {
                throw EngineError(
                    .storeFailure, "batch names rollout \(ref.rolloutID), which the log of step \(record.step) does not hold",
                    context: "batch \(record.id)")
            }
            s.lossWeight = ref.lossWeight
            chosen.append(s)
        }
        return Batch(
            id: record.id, runID: record.runID, step: record.step, estimator: estimator, estimatorParams: estimatorParams,
            samples: chosen, provenance: provenance)
    }
}
