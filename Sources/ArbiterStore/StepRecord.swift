import ArbiterCore

/// A committed step: the link of the hash chain.
public struct StepRecord: Sendable, Hashable, Codable {
    /// The run.
    public var runID: String
    /// The step.
    public var step: Int
    /// The policy version the step's samples were trained against, when known.
    public var policyVersion: PolicyVersion?
    /// Commit time, Unix seconds.
    public var committedAt: Double
    /// Groups in the step.
    public var groupCount: Int
    /// Rollouts in the step.
    public var rolloutCount: Int
    /// Judge calls in the step.
    public var judgeCallCount: Int
    /// Batches in the step.
    public var batchCount: Int
    /// SHA-256 (hex) of the step's content (see docs/store.md).
    public var contentHash: String
    /// The previous step's record hash (the run's genesis hash for the first step).
    public var prevHash: String
    /// SHA-256 (hex) of this record.
    public var recordHash: String

    /// Creates a step record.
    public init(
        runID: String, step: Int, policyVersion: PolicyVersion?, committedAt: Double, groupCount: Int,
        rolloutCount: Int, judgeCallCount: Int, batchCount: Int, contentHash: String, prevHash: String,
        recordHash: String
    ) {
        self.runID = runID
        self.step = step
        self.policyVersion = policyVersion
        self.committedAt = committedAt
        self.groupCount = groupCount
        self.rolloutCount = rolloutCount
        self.judgeCallCount = judgeCallCount
        self.batchCount = batchCount
        self.contentHash = contentHash
        self.prevHash = prevHash
        self.recordHash = recordHash
    }
}
