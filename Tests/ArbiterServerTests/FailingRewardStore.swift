import ArbiterCore
import ArbiterStore

/// A reward log whose every call fails with a database error whose text holds markup.
struct FailingRewardStore: RewardStore {
    static let message = "disk <full> & \"locked\""
    private func fail() -> StoreError { StoreError(.database, Self.message) }

    func createRun(_ run: RunRecord) async throws { throw fail() }
    func updateRunStatus(runID: String, status: RunStatus, endedAt: Double?) async throws { throw fail() }
    func run(_ runID: String) async throws -> RunRecord? { throw fail() }
    func listRuns(group: String?) async throws -> [RunSummary] { throw fail() }
    func runStatus(_ runID: String) async throws -> RunStatusReport { throw fail() }
    func registerPrompts(_ prompts: [PromptRecord]) async throws { throw fail() }
    func appendGroups(_ groups: [GroupRecord]) async throws { throw fail() }
    func appendBatches(_ batches: [BatchRecord]) async throws { throw fail() }
    func appendEvents(_ events: [EventRecord]) async throws { throw fail() }
    func commitStep(runID: String, step: Int, policyVersion: PolicyVersion?, committedAt: Double) async throws -> StepRecord {
        throw fail()
    }
    func updateDelivery(runID: String, batchID: String, delivery: DeliveryState) async throws { throw fail() }
    func steps(runID: String) async throws -> [StepRecord] { throw fail() }
    func consumedPrompts(runID: String) async throws -> [ConsumedPrompt] { throw fail() }
    func groups(runID: String, step: Int) async throws -> [GroupRecord] { throw fail() }
    func batches(runID: String, step: Int?) async throws -> [BatchRecord] { throw fail() }
    func events(runID: String, limit: Int?) async throws -> [EventRecord] { throw fail() }
    func verify(runID: String) async throws -> VerifyReport { throw fail() }
    func stepAggregates(runID: String, steps: ClosedRange<Int>?) async throws -> [StepAggregate] { throw fail() }
    func rolloutDetail(runID: String, rolloutID: String) async throws -> RolloutDetail? { throw fail() }
    func criterionRates(runID: String, steps: ClosedRange<Int>?, grouping: CriterionGrouping) async throws -> [CriterionRate] {
        throw fail()
    }
    func exportRollouts(
        runID: String, steps: ClosedRange<Int>?, includeTokens: Bool, _ body: @Sendable (RolloutExportRow) throws -> Void
    ) async throws { throw fail() }
    func exportVerdicts(
        runID: String, steps: ClosedRange<Int>?, includeRequests: Bool, _ body: @Sendable (VerdictExportRow) throws -> Void
    ) async throws { throw fail() }
}
