import ArbiterCore

/// Statistics of one reward component over a step.
public struct ComponentStats: Sendable, Hashable, Codable {
    /// Component name.
    public var name: String
    /// Its values (missing counted apart).
    public var value: SummaryStats
    /// Mean weight in force for it at this step.
    public var weight: Double

    /// Creates component stats.
    public init(name: String, value: SummaryStats, weight: Double) {
        self.name = name
        self.value = value
        self.weight = weight
    }
}

/// Per-step aggregates for dashboards and reports.
public struct StepAggregate: Sendable, Hashable, Codable {
    /// The step.
    public var step: Int
    /// Whether the step is committed (sealed by the hash chain).
    public var committed: Bool
    /// Commit time, Unix seconds.
    public var committedAt: Double?
    /// Policy version of the committed step.
    public var policyVersion: PolicyVersion?
    /// Groups written.
    public var groups: Int
    /// Groups closed by the deadline before all samples finished.
    public var partialGroups: Int
    /// Rollouts written.
    public var rollouts: Int
    /// Training reward.
    public var trainingReward: SummaryStats
    /// Each component, by name.
    public var components: [ComponentStats]
    /// Fraction of groups whose present training rewards are all equal (fewer than two present counts as equal):
    /// groups that give no learning signal.
    public var zeroVarianceGroupFraction: Double?
    /// Completion lengths in tokens.
    public var completionTokens: SummaryStats
    /// Prompt lengths in tokens.
    public var promptTokens: SummaryStats
    /// Fraction of rollouts that hit the token limit.
    public var truncationRate: Double?
    /// Fraction of parsed rollouts whose parse status is not `ok`.
    public var parseFailureRate: Double?
    /// Judge calls made.
    public var judgeCalls: Int
    /// Fraction of judge calls that failed (no response).
    public var judgeFailureRate: Double?
    /// Fraction of judge responses that did not parse to a yes/no (non-binary, refusal, empty).
    public var verdictUnparsedRate: Double?
    /// Fraction of judge calls answered from the cache.
    public var judgeCacheHitRate: Double?
    /// Judge call latency, seconds.
    public var judgeLatency: SummaryStats
    /// Advantages.
    public var advantage: SummaryStats

    /// Creates an empty aggregate for a step.
    public init(step: Int) {
        self.step = step
        committed = false
        groups = 0
        partialGroups = 0
        rollouts = 0
        trainingReward = .init()
        components = []
        completionTokens = .init()
        promptTokens = .init()
        judgeCalls = 0
        judgeLatency = .init()
        advantage = .init()
    }
}
