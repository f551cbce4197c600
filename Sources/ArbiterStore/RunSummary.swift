/// A run in a listing.
public struct RunSummary: Sendable, Hashable, Codable {
    /// The run.
    public var run: RunRecord
    /// Committed steps.
    public var committedSteps: Int
    /// Last committed step.
    public var lastCommittedStep: Int?
    /// Rollouts written (committed or not).
    public var rollouts: Int

    /// Creates a summary.
    public init(run: RunRecord, committedSteps: Int, lastCommittedStep: Int?, rollouts: Int) {
        self.run = run
        self.committedSteps = committedSteps
        self.lastCommittedStep = lastCommittedStep
        self.rollouts = rollouts
    }
}

/// Where a run stands: for `arbiter status` and resume.
public struct RunStatusReport: Sendable, Hashable, Codable {
    /// The run.
    public var run: RunRecord
    /// Committed steps.
    public var committedSteps: Int
    /// The chain head.
    public var lastStep: StepRecord?
    /// Steps with rows written but not committed (a crash or a running step), ascending.
    public var openSteps: [Int]
    /// Groups written.
    public var groups: Int
    /// Rollouts written.
    public var rollouts: Int
    /// Judge calls written.
    public var judgeCalls: Int
    /// Batches logged.
    public var batches: Int
    /// Batches not yet delivered (pending or failed).
    public var undeliveredBatches: Int
    /// Events by kind.
    public var eventCounts: [String: Int]

    /// Creates a report.
    public init(
        run: RunRecord, committedSteps: Int, lastStep: StepRecord?, openSteps: [Int], groups: Int, rollouts: Int,
        judgeCalls: Int, batches: Int, undeliveredBatches: Int, eventCounts: [String: Int]
    ) {
        self.run = run
        self.committedSteps = committedSteps
        self.lastStep = lastStep
        self.openSteps = openSteps
        self.groups = groups
        self.rollouts = rollouts
        self.judgeCalls = judgeCalls
        self.batches = batches
        self.undeliveredBatches = undeliveredBatches
        self.eventCounts = eventCounts
    }
}
