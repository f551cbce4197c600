import ArbiterCore
import Foundation
import Testing

@testable import ArbiterStore

/// A closed gate that suspends callers until released.
actor Gate {
    private var open = false
    private var waiters: [CheckedContinuation<Void, Never>] = []

    func pass() async {
        if open { return }
        await withCheckedContinuation { waiters.append($0) }
    }

    func release() {
        open = true
        for w in waiters { w.resume() }
        waiters = []
    }
}

/// An in-memory store whose `appendGroups` waits at a gate and may fail: for the writer's tests.
final class ControlledStore: RewardStore {
    let inner = InMemoryRewardStore()
    let gate: Gate?
    let failAppends: Bool

    init(gate: Gate? = nil, failAppends: Bool = false) {
        self.gate = gate
        self.failAppends = failAppends
    }

    func appendGroups(_ groups: [GroupRecord]) async throws {
        await gate?.pass()
        if failAppends { throw StoreError(.database, "disk full (simulated)") }
        try await inner.appendGroups(groups)
    }

    func createRun(_ run: RunRecord) async throws { try await inner.createRun(run) }
    func updateRunStatus(runID: String, status: RunStatus, endedAt: Double?) async throws {
        try await inner.updateRunStatus(runID: runID, status: status, endedAt: endedAt)
    }
    func run(_ runID: String) async throws -> RunRecord? { try await inner.run(runID) }
    func listRuns(group: String?) async throws -> [RunSummary] { try await inner.listRuns(group: group) }
    func runStatus(_ runID: String) async throws -> RunStatusReport { try await inner.runStatus(runID) }
    func registerPrompts(_ prompts: [PromptRecord]) async throws { try await inner.registerPrompts(prompts) }
    func appendBatches(_ batches: [BatchRecord]) async throws { try await inner.appendBatches(batches) }
    func appendEvents(_ events: [EventRecord]) async throws { try await inner.appendEvents(events) }
    func commitStep(runID: String, step: Int, policyVersion: PolicyVersion?, committedAt: Double) async throws -> StepRecord {
        try await inner.commitStep(runID: runID, step: step, policyVersion: policyVersion, committedAt: committedAt)
    }
    func updateDelivery(runID: String, batchID: String, delivery: DeliveryState) async throws {
        try await inner.updateDelivery(runID: runID, batchID: batchID, delivery: delivery)
    }
    func steps(runID: String) async throws -> [StepRecord] { try await inner.steps(runID: runID) }
    func consumedPrompts(runID: String) async throws -> [ConsumedPrompt] { try await inner.consumedPrompts(runID: runID) }
    func groups(runID: String, step: Int) async throws -> [GroupRecord] { try await inner.groups(runID: runID, step: step) }
    func batches(runID: String, step: Int?) async throws -> [BatchRecord] { try await inner.batches(runID: runID, step: step) }
    func events(runID: String, limit: Int?) async throws -> [EventRecord] { try await inner.events(runID: runID, limit: limit) }
    func verify(runID: String) async throws -> VerifyReport { try await inner.verify(runID: runID) }
    func stepAggregates(runID: String, steps: ClosedRange<Int>?) async throws -> [StepAggregate] {
        try await inner.stepAggregates(runID: runID, steps: steps)
    }
    func rolloutDetail(runID: String, rolloutID: String) async throws -> RolloutDetail? {
        try await inner.rolloutDetail(runID: runID, rolloutID: rolloutID)
    }
    func criterionRates(runID: String, steps: ClosedRange<Int>?, grouping: CriterionGrouping) async throws -> [CriterionRate] {
        try await inner.criterionRates(runID: runID, steps: steps, grouping: grouping)
    }
    func exportRollouts(runID: String, steps: ClosedRange<Int>?, includeTokens: Bool, _ body: @Sendable (RolloutExportRow) throws -> Void) async throws {
        try await inner.exportRollouts(runID: runID, steps: steps, includeTokens: includeTokens, body)
    }
    func exportVerdicts(runID: String, steps: ClosedRange<Int>?, includeRequests: Bool, _ body: @Sendable (VerdictExportRow) throws -> Void) async throws {
        try await inner.exportVerdicts(runID: runID, steps: steps, includeRequests: includeRequests, body)
    }
}

/// A flag set from another task.
actor Flag {
    private(set) var isSet = false
    func set() { isSet = true }
}

@Suite("StoreWriter")
struct StoreWriterTests {
    let log = SyntheticRewardLog(runID: "w", shape: .init(samplesPerGroup: 2, judgeCallsPerSample: 1, components: 1))

    @Test func appendSuspendsWhenTheBufferIsFull() async throws {
        let gate = Gate()
        let store = ControlledStore(gate: gate)
        try await store.createRun(log.run(startedAt: 0))
        let rows = log.group(step: 0, index: 0).rowCount
        let writer = StoreWriter(
            store: store,
            options: .init(maxBufferedRows: 3 * rows, flushRows: rows, flushInterval: .seconds(60), maxConcurrentFlushes: 1))
        for i in 0..<3 { try await writer.append(log.group(step: 0, index: i)) }  // 1 in flight (held at the gate), 2 buffered
        #expect(await writer.pendingRows == 3 * rows)
        let done = Flag()
        let blocked = Task {
            try await writer.append(log.group(step: 0, index: 3))
            await done.set()
        }
        try await Task.sleep(for: .milliseconds(100))
        #expect(await done.isSet == false, "append did not wait for room")
        #expect(await writer.pendingRows == 3 * rows)
        await gate.release()
        try await blocked.value
        try await writer.flush()
        #expect(await writer.pendingRows == 0)
        let stats = await writer.stats
        #expect(stats.backpressureWaits == 1)
        #expect(stats.peakRows <= 3 * rows)
        #expect(stats.groupsWritten == 4)
        #expect(try await store.runStatus("w").groups == 4)
    }

    @Test func commitStepFlushesFirstAndTimerFlushesStragglers() async throws {
        let store = InMemoryRewardStore()
        try await store.createRun(log.run(startedAt: 0))
        let writer = StoreWriter(store: store, options: .init(maxBufferedRows: 10_000, flushRows: 5_000, flushInterval: .milliseconds(20)))
        for i in 0..<5 { try await writer.append(log.group(step: 0, index: i)) }
        let record = try await writer.commitStep(runID: "w", step: 0, policyVersion: nil, committedAt: 1)
        #expect(record.groupCount == 5 && record.rolloutCount == 10 && record.judgeCallCount == 10)
        try await writer.append(log.group(step: 1, index: 0))
        var seen = 0
        for _ in 0..<100 where seen == 0 {
            try await Task.sleep(for: .milliseconds(10))
            seen = try await store.runStatus("w").groups - 5
        }
        #expect(seen == 1, "the interval flush did not happen")
        try await writer.appendBatches([BatchRecord(runID: "w", id: "b1", step: 1, samples: [], payloadHash: "h", createdAt: 0)])
        try await writer.appendEvents([EventRecord(runID: "w", at: 0, kind: .warning, source: "test", message: "m")])
        try await writer.close()
        await #expect(throws: StoreError.self) { try await writer.append(log.group(step: 1, index: 1)) }
        #expect(try await store.verify(runID: "w").ok)
    }

    @Test func aFailedFlushIsSticky() async throws {
        let store = ControlledStore(failAppends: true)
        try await store.createRun(log.run(startedAt: 0))
        let writer = StoreWriter(store: store, options: .init(maxBufferedRows: 100, flushRows: 1))
        try await writer.append(log.group(step: 0, index: 0))
        do {
            try await writer.flush()
            Issue.record("flush should fail")
        } catch let e as StoreError {
            #expect(e.code == .writerClosed)
            #expect(e.message.contains("disk full"))
        }
        await #expect(throws: StoreError.self) { try await writer.append(log.group(step: 0, index: 1)) }
        await #expect(throws: StoreError.self) { try await writer.close() }
    }

    @Test func manyConcurrentProducersLoseNothing() async throws {
        let store = try SQLiteRewardStore(path: TestFiles.freshPath("w.sqlite"))
        try await store.createRun(log.run(startedAt: 0))
        let writer = StoreWriter(store: store, options: .init(maxBufferedRows: 200, flushRows: 50))
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            for producer in 0..<4 {
                tasks.addTask {
                    for i in 0..<25 { try await writer.append(log.group(step: 0, index: producer * 100 + i)) }
                }
            }
            try await tasks.waitForAll()
        }
        _ = try await writer.commitStep(runID: "w", step: 0, policyVersion: nil, committedAt: 0)
        try await writer.close()
        #expect(try await store.runStatus("w").groups == 100)
        #expect(try await store.verify(runID: "w").ok)
        #expect(await writer.stats.peakRows <= 200 + log.group(step: 0, index: 0).rowCount)
    }
}

@Suite("In-memory verify")
struct InMemoryVerifyTests {
    @Test func detectsAnEditedRow() async throws {
        let store = InMemoryRewardStore()
        let groups = try await SampleLog.populate(store)
        #expect(try await store.verify(runID: SampleLog.runID).ok)
        await store.tamperGroup(runID: SampleLog.runID, groupID: groups[4].groupID) { $0.samples[1].judgeCalls[0].met = false }
        let report = try await store.verify(runID: SampleLog.runID)
        #expect(report.failure?.step == 1)
        #expect(report.failure?.kind == .groupMismatch)
        #expect(report.failure?.detail.contains(groups[4].groupID) == true)
    }
}
