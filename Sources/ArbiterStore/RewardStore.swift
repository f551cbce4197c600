import ArbiterCore

/// The reward log: append-only rows per step, sealed by a hash chain, plus the queries behind
/// the CLI and the dashboard.
///
/// Implementations: `SQLiteRewardStore` (WAL, one writer, concurrent readers),
/// `InMemoryRewardStore` (tests), PostgreSQL later. Every implementation must pass the shared
/// conformance suite (Tests/ArbiterStoreTests/RewardStoreConformance.swift).
///
/// Rules every implementation keeps:
/// - Rows are never updated or deleted, except a batch's delivery state and a run's status,
///   end time and final hash.
/// - `appendGroups` is atomic: all the groups of a call are visible, or none.
/// - A committed step is sealed: appending groups or batches to it (or an earlier step) fails
///   with `StoreError.Code.stepSealed`.
/// - Steps commit in increasing order; a step's record links to the previous record's hash.
/// - Times are Unix seconds (`Double`), stored and hashed exactly.
public protocol RewardStore: Sendable {
    // MARK: Runs

    /// Records a new run. Fails with `.duplicate` when the id exists.
    func createRun(_ run: RunRecord) async throws
    /// Changes a run's status; a terminal status also sets the end time and anchors the chain head
    /// (`finalStep`, `finalHash`).
    func updateRunStatus(runID: String, status: RunStatus, endedAt: Double?) async throws
    /// A run, or nil.
    func run(_ runID: String) async throws -> RunRecord?
    /// Runs, newest first; only those of `group` when given.
    func listRuns(group: String?) async throws -> [RunSummary]
    /// Where a run stands. Fails with `.notFound`.
    func runStatus(_ runID: String) async throws -> RunStatusReport

    // MARK: Appends

    /// Records dataset items (ignored when already known).
    func registerPrompts(_ prompts: [PromptRecord]) async throws
    /// Appends completed groups atomically (one transaction) and marks their prompts consumed.
    func appendGroups(_ groups: [GroupRecord]) async throws
    /// Appends batches (before their step commits).
    func appendBatches(_ batches: [BatchRecord]) async throws
    /// Appends events.
    func appendEvents(_ events: [EventRecord]) async throws
    /// Seals a step: computes its content hash over every group and batch written for it and
    /// links it to the previous committed step. Fails with `.stepSealed` unless `step` is after
    /// the last committed step, and with `.invalidInput` when an earlier step has rows but no commit.
    func commitStep(runID: String, step: Int, policyVersion: PolicyVersion?, committedAt: Double) async throws -> StepRecord
    /// Updates a batch's delivery state (the only in-place update of batch rows).
    func updateDelivery(runID: String, batchID: String, delivery: DeliveryState) async throws

    // MARK: Resume and audit

    /// Committed step records in order.
    func steps(runID: String) async throws -> [StepRecord]
    /// Prompts consumed by a run (by groups written, committed or not), in write order.
    func consumedPrompts(runID: String) async throws -> [ConsumedPrompt]
    /// The groups written for one step (committed or not), in write order, as `GroupRecord`s:
    /// rollouts (prompt text and token ids restored from the content tables; logprobs at the stored
    /// float32 precision), judge calls with their exact request texts, components, rewards, aggregates,
    /// advantages, partial flag, epoch and ordinal. Fails with `.notFound` for an unknown run, and with
    /// `.corrupt` when a referenced text or token array, or a group's consumed-prompt row, is missing.
    /// A step without groups gives `[]`.
    func groups(runID: String, step: Int) async throws -> [GroupRecord]
    /// Batches of a run (of one step when given), in write order.
    func batches(runID: String, step: Int?) async throws -> [BatchRecord]
    /// Events of a run in order (the last `limit` when given).
    func events(runID: String, limit: Int?) async throws -> [EventRecord]
    /// Recomputes the hash chain from the rows and reports the first bad step.
    func verify(runID: String) async throws -> VerifyReport

    // MARK: Queries

    /// Per-step aggregates (all steps with rows when `steps` is nil), ascending.
    func stepAggregates(runID: String, steps: ClosedRange<Int>?) async throws -> [StepAggregate]
    /// Everything about one rollout, or nil.
    func rolloutDetail(runID: String, rolloutID: String) async throws -> RolloutDetail?
    /// Criterion fulfilment rates.
    func criterionRates(runID: String, steps: ClosedRange<Int>?, grouping: CriterionGrouping) async throws -> [CriterionRate]

    // MARK: Streaming export

    /// Streams a run's rollouts in write order without loading them all.
    func exportRollouts(
        runID: String, steps: ClosedRange<Int>?, includeTokens: Bool, _ body: @Sendable (RolloutExportRow) throws -> Void
    ) async throws
    /// Streams a run's judge calls in write order without loading them all.
    func exportVerdicts(
        runID: String, steps: ClosedRange<Int>?, includeRequests: Bool, _ body: @Sendable (VerdictExportRow) throws -> Void
    ) async throws
}
