import ArbiterCore

/// Where a rollout went: a batch that carried it.
public struct BatchMembership: Sendable, Hashable, Codable {
    /// Batch id.
    public var batchID: String
    /// The batch's step.
    public var step: Int
    /// Position in the batch.
    public var position: Int
    /// Loss weight given.
    public var lossWeight: Double
    /// Delivery state of the batch.
    public var delivery: DeliveryState

    /// Creates a membership.
    public init(batchID: String, step: Int, position: Int, lossWeight: Double, delivery: DeliveryState) {
        self.batchID = batchID
        self.step = step
        self.position = position
        self.lossWeight = lossWeight
        self.delivery = delivery
    }
}

/// Everything the log knows about one rollout: why it got its advantage, which judge said what,
/// what the trainer received.
public struct RolloutDetail: Sendable, Hashable, Codable {
    /// The run.
    public var runID: String
    /// The step.
    public var step: Int
    /// Whether that step is committed.
    public var stepCommitted: Bool
    /// The group.
    public var groupID: String
    /// Whether the group was closed partial.
    public var partialGroup: Bool
    /// The rollout as logged (logprobs as stored: float32 precision).
    public var rollout: Rollout
    /// Prompt length in tokens.
    public var promptTokens: Int?
    /// Answer parse status.
    public var parseStatus: String?
    /// Every judge call with its exact request text, raw response and verdict.
    public var judgeCalls: [JudgeCallRecord]
    /// Components (with weights) and the training reward.
    public var reward: RewardVector
    /// Aggregator values.
    public var aggregates: [String: Double?]
    /// The advantage.
    public var advantage: AdvantageRecord?
    /// Batches that carried it.
    public var batches: [BatchMembership]

    /// Creates a detail.
    public init(
        runID: String, step: Int, stepCommitted: Bool, groupID: String, partialGroup: Bool, rollout: Rollout,
        promptTokens: Int?, parseStatus: String?, judgeCalls: [JudgeCallRecord], reward: RewardVector,
        aggregates: [String: Double?], advantage: AdvantageRecord?, batches: [BatchMembership]
    ) {
        self.runID = runID
        self.step = step
        self.stepCommitted = stepCommitted
        self.groupID = groupID
        self.partialGroup = partialGroup
        self.rollout = rollout
        self.promptTokens = promptTokens
        self.parseStatus = parseStatus
        self.judgeCalls = judgeCalls
        self.reward = reward
        self.aggregates = aggregates
        self.advantage = advantage
        self.batches = batches
    }
}
