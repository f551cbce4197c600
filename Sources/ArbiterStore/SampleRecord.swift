import ArbiterCore

/// One scored sample: the rollout, its judge calls, reward components, reward and advantage.
public struct SampleRecord: Sendable, Hashable {
    /// The rollout (text, token ids, logprobs, timing).
    public var rollout: Rollout
    /// Prompt length in tokens (defaults to the number of prompt token ids).
    public var promptTokens: Int?
    /// How the answer parsed (`ok`, `no_answer`, `malformed`...); nil when nothing is parsed.
    public var parseStatus: String?
    /// Every judge call made for this sample, in call order.
    public var judgeCalls: [JudgeCallRecord]
    /// The reward vector: components with the weights in force, and the training reward (`total`).
    public var reward: RewardVector
    /// Aggregator values by name (a value of nil is missing).
    public var aggregates: [String: Double?]
    /// The advantage, when an estimator ran (nil for eval runs).
    public var advantage: AdvantageRecord?

    /// Creates a sample record.
    public init(
        rollout: Rollout, promptTokens: Int? = nil, parseStatus: String? = nil, judgeCalls: [JudgeCallRecord] = [],
        reward: RewardVector, aggregates: [String: Double?] = [:], advantage: AdvantageRecord? = nil
    ) {
        self.rollout = rollout
        self.promptTokens = promptTokens ?? rollout.promptTokenIDs?.count
        self.parseStatus = parseStatus
        self.judgeCalls = judgeCalls
        self.reward = reward
        self.aggregates = aggregates
        self.advantage = advantage
    }

    /// Rows this sample writes.
    public var rowCount: Int { 2 + judgeCalls.count + reward.components.count + (advantage == nil ? 0 : 1) }
}
