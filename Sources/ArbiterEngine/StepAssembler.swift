import ArbiterCore
import ArbiterNumerics
import ArbiterStore

/// A finished group before advantages: the prompt as sent and its scored samples in sample order.
public struct ScoredGroup: Sendable {
    /// The prompt.
    public var prepared: PreparedPrompt
    /// Group id, unique per run.
    public var groupID: String
    /// The samples.
    public var samples: [ScoredSample]
    /// Closed before all n samples came back.
    public var partial: Bool

    /// The rewards before shaping (`nil` = missing).
    public var rawRewards: [Double?] { samples.map { $0.reward.total } }
}

/// Turns a step's finished groups into reward-log records: reward shaping over every group, the
/// estimator over the groups dynamic sampling kept. Pure: the same groups give the same records.
public enum StepAssembler {
    /// The id of the group of `draw` at `step` (unique per run: a prompt recurs only in later epochs).
    ///
    /// A content-derived prompt id (32 hex digits) is shortened to its first 16; an id from a
    /// dataset's own `id` column is kept whole, since two such ids may share a 16-character prefix.
    public static func groupID(step: Int, draw: PromptDraw) -> String {
        let id = draw.promptID.rawValue
        let isContentHash = id.utf8.count == 32 && id.utf8.allSatisfy { ($0 >= 48 && $0 <= 57) || ($0 >= 97 && $0 <= 102) }
        return "s\(step)-e\(draw.epoch)-\(isContentHash ? String(id.prefix(16)) : id)"
    }

    /// The estimator's parameters hash recorded with every advantage.
    public static func paramsHash(_ estimator: AdvantageEstimator) -> String {
        String(SHA256.hex(estimator.canonicalDescription).prefix(16))
    }

    /// Builds the records of a step.
    ///
    /// - Parameters:
    ///   - keep: per group, whether dynamic sampling kept it for training.
    ///   - estimator: nil for eval runs (no advantages).
    ///   - shaping: reward shaping; the logged training reward is the shaped one, the unshaped
    ///     total goes to the `raw_reward` aggregate when shaping changed anything.
    ///   - componentNames: the component order GDPO's weights refer to.
    /// - Throws: ``ArbiterNumerics/NumericsError`` when the estimator cannot run on the inputs.
    public static func records(
        runID: String, step: Int, groups: [ScoredGroup], keep: [Bool], estimator: AdvantageEstimator?, shaping: RewardShaping?,
        componentNames: [String]
    ) throws -> [GroupRecord] {
        precondition(keep.count == groups.count, "one keep flag per group")
        var groups = groups
        if let shaping, !shaping.isIdentity, !groups.isEmpty {
            var batch = try RewardBatch(rolloutGroups: groups.map(rolloutGroup))
            try shaping.apply(to: &batch)
            var k = 0
            for g in groups.indices {
                for s in groups[g].samples.indices {
                    let raw = groups[g].samples[s].reward.total
                    let shaped = batch.rewards[k]
                    groups[g].samples[s].reward.total = shaped.isNaN ? nil : shaped
                    if raw != groups[g].samples[s].reward.total { groups[g].samples[s].aggregates["raw_reward"] = raw }
                    k += 1
                }
            }
        }
        var advantages: [[AdvantageRecord]?] = Array(repeating: nil, count: groups.count)
        let keptIndices = keep.indices.filter { keep[$0] }
        if let estimator, !keptIndices.isEmpty {
            let names = estimator.requiredInputs.contains(.components) ? componentNames : nil
            let batch = try RewardBatch(rolloutGroups: keptIndices.map { rolloutGroup(groups[$0]) }, componentNames: names)
            let (values, targets) = try estimator.computeAdvantagesAndFlowTargets(for: batch)
            let hash = paramsHash(estimator)
            for (j, g) in keptIndices.enumerated() {
                let range = batch.groupRange(j)
                advantages[g] = range.map {
                    AdvantageRecord(estimator: estimator.name, paramsHash: hash, value: values[$0], flowTarget: targets?[$0])
                }
            }
        }
        return groups.enumerated().map { g, group in
            GroupRecord(
                runID: runID, step: step, groupID: group.groupID, promptID: group.prepared.prompt.id, partial: group.partial,
                epoch: group.prepared.draw.epoch, ordinal: group.prepared.draw.ordinal,
                samples: group.samples.enumerated().map { i, s in
                    SampleRecord(
                        rollout: s.rollout, parseStatus: s.parseStatus, judgeCalls: s.judgeCalls, reward: s.reward,
                        aggregates: s.aggregates, advantage: advantages[g]?[i])
                })
        }
    }

    static func rolloutGroup(_ g: ScoredGroup) -> RolloutGroup {
        RolloutGroup(
            id: g.groupID, promptID: g.prepared.prompt.id,
            samples: g.samples.map { ScoredRollout(rollout: $0.rollout, reward: $0.reward, refLogprobMean: $0.refLogprobMean) },
            partial: g.partial)
    }
}
