/// A scored rollout: the sample, its reward vector, and (after estimation) its advantage.
public struct ScoredRollout: Sendable, Hashable, Codable {
    /// The rollout.
    public var rollout: Rollout
    /// Its reward vector; `reward.total == nil` means the reward is missing.
    public var reward: RewardVector
    /// Reference-model mean logprob of the completion, when computed.
    public var refLogprobMean: Double?

    /// Creates a scored rollout.
    public init(rollout: Rollout, reward: RewardVector, refLogprobMean: Double? = nil) {
        self.rollout = rollout
        self.reward = reward
        self.refLogprobMean = refLogprobMean
    }
}

/// The n rollouts of one prompt: the unit over which group-relative advantages are computed.
public struct RolloutGroup: Sendable, Hashable, Codable, Identifiable {
    /// `"<run>/<step>/<prompt id>"`-style id, unique per run.
    public var id: String
    /// The prompt.
    public var promptID: PromptID
    /// The samples, ordered by sample index.
    public var samples: [ScoredRollout]
    /// True when the step deadline closed the group before all n samples finished.
    public var partial: Bool

    /// Creates a group.
    public init(id: String, promptID: PromptID, samples: [ScoredRollout], partial: Bool = false) {
        self.id = id
        self.promptID = promptID
        self.samples = samples
        self.partial = partial
    }

    /// Training rewards, nil for missing.
    public var rewards: [Double?] { samples.map { $0.reward.total } }
}
