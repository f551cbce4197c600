import ArbiterCore

/// A `RewardStore` held in memory, for tests and dry runs.
///
/// It keeps rows in their stored form and computes hashes with the same code as the SQLite
/// store, so both produce identical step hashes for identical appends.
public actor InMemoryRewardStore: RewardStore {
    struct GroupEntry: Sendable {
        var group: StoredGroup
        var digest: Digest256
    }

    struct BatchEntry: Sendable {
        var batch: StoredBatch
        var delivery: DeliveryState
    }

    struct RunState: Sendable {
        var record: RunRecord
        var createdOrder: Int
        var groups: [GroupEntry] = []
        var groupIndex: [String: Int] = [:]
        var rolloutIndex: [String: (group: Int, sample: Int)] = [:]
        var consumed: Set<ConsumedKey> = []
        var batches: [BatchEntry] = []
        var batchIndex: [String: Int] = [:]
        var steps: [StepRecord] = []
        var events: [EventRecord] = []

        var lastCommittedStep: Int? { steps.last?.step }
    }

    struct ConsumedKey: Hashable, Sendable {
        var epoch: Int
        var promptID: String
    }

    var runs: [String: RunState] = [:]
    var texts: [Digest256: String] = [:]
    var tokenArrays: [Digest256: [UInt8]] = [:]
    var prompts: [String: PromptRecord] = [:]

    /// Creates an empty store.
    public init() {}

    func state(_ runID: String) throws(StoreError) -> RunState {
        guard let s = runs[runID] else { throw StoreError(.notFound, "no run '\(runID)'") }
        return s
    }

    // MARK: Runs

    public func createRun(_ run: RunRecord) async throws {
        try Validate.id(run.id, "run id")
        guard runs[run.id] == nil else { throw StoreError(.duplicate, "run '\(run.id)' exists") }
        var r = run
        r.status = .running
        r.endedAt = nil
        r.finalStep = nil
        r.finalHash = nil
        runs[run.id] = RunState(record: r, createdOrder: runs.count)
    }

    public func updateRunStatus(runID: String, status: RunStatus, endedAt: Double?) async throws {
        var s = try state(runID)
        s.record.status = status
        if status.isTerminal {
            s.record.endedAt = endedAt ?? s.record.endedAt
            if s.record.finalHash == nil, let last = s.steps.last {
                s.record.finalStep = last.step
                s.record.finalHash = last.recordHash
            }
        }
        runs[runID] = s
    }

    public func run(_ runID: String) async throws -> RunRecord? { runs[runID]?.record }

    public func listRuns(group: String?) async throws -> [RunSummary] {
        runs.values
            .filter { group == nil || $0.record.runGroup == group }
            .sorted { ($0.record.startedAt, $0.createdOrder) > ($1.record.startedAt, $1.createdOrder) }
            .map {
                RunSummary(
                    run: $0.record, committedSteps: $0.steps.count, lastCommittedStep: $0.lastCommittedStep,
                    rollouts: $0.rolloutIndex.count)
            }
    }

    public func runStatus(_ runID: String) async throws -> RunStatusReport {
        let s = try state(runID)
        let committed = Set(s.steps.map(\.step))
        let open = Set(s.groups.map(\.group.step) + s.batches.map(\.batch.step)).subtracting(committed).sorted()
        var eventCounts: [String: Int] = [:]
        for e in s.events { eventCounts[e.kind.rawValue, default: 0] += 1 }
        return RunStatusReport(
            run: s.record, committedSteps: s.steps.count, lastStep: s.steps.last, openSteps: open,
            groups: s.groups.count, rollouts: s.rolloutIndex.count,
            judgeCalls: s.groups.reduce(0) { $0 + $1.group.samples.reduce(0) { $0 + $1.judgeCalls.count } },
            batches: s.batches.count,
            undeliveredBatches: s.batches.filter { $0.delivery.outcome == .pending || $0.delivery.outcome == .failed }.count,
            eventCounts: eventCounts)
    }

    // MARK: Appends

    public func registerPrompts(_ prompts: [PromptRecord]) async throws {
        for p in prompts {
            try Validate.id(p.id.rawValue, "prompt id")
            if self.prompts[p.id.rawValue] == nil { self.prompts[p.id.rawValue] = p }
        }
    }

    public func appendGroups(_ groups: [GroupRecord]) async throws {
        let prepared = try groups.map { g throws(StoreError) in try PreparedGroup(record: g) }
        try appendPrepared(prepared)
    }

    func appendPrepared(_ prepared: [PreparedGroup]) throws(StoreError) {
        // Validate everything first: the call is atomic.
        var pending: [String: RunState] = [:]
        for p in prepared {
            let g = p.group
            var s: RunState
            if let known = pending[g.runID] { s = known } else { s = try state(g.runID) }
            if let last = s.lastCommittedStep, g.step <= last {
                throw StoreError(.stepSealed, "step \(g.step) is sealed (step \(last) is committed)", context: g.groupID)
            }
            guard s.groupIndex[g.groupID] == nil else { throw StoreError(.duplicate, "group '\(g.groupID)' exists", context: g.runID) }
            if let c = g.consumed {
                guard s.consumed.insert(ConsumedKey(epoch: c.epoch, promptID: c.promptID)).inserted else {
                    throw StoreError(.duplicate, "prompt \(c.promptID) is already consumed in epoch \(c.epoch)", context: g.groupID)
                }
            }
            let gi = s.groups.count
            for (si, sample) in g.samples.enumerated() {
                guard s.rolloutIndex[sample.rollout.rolloutID] == nil else {
                    throw StoreError(.duplicate, "rollout '\(sample.rollout.rolloutID)' exists", context: g.runID)
                }
                s.rolloutIndex[sample.rollout.rolloutID] = (gi, si)
            }
            s.groupIndex[g.groupID] = gi
            s.groups.append(GroupEntry(group: g, digest: p.digest))
            pending[g.runID] = s
        }
        for (id, s) in pending { runs[id] = s }
        for p in prepared {
            for (d, t) in p.texts where texts[d] == nil { texts[d] = t }
            for (d, b) in p.tokenArrays where tokenArrays[d] == nil { tokenArrays[d] = b }
        }
    }

    public func appendBatches(_ batches: [BatchRecord]) async throws {
        var pending: [String: RunState] = [:]
        for b in batches {
            let stored = try StoredBatch(record: b)
            var s: RunState
            if let known = pending[b.runID] { s = known } else { s = try state(b.runID) }
            if let last = s.lastCommittedStep, b.step <= last {
                throw StoreError(.stepSealed, "step \(b.step) is sealed (step \(last) is committed)", context: b.id)
            }
            guard s.batchIndex[b.id] == nil else { throw StoreError(.duplicate, "batch '\(b.id)' exists", context: b.runID) }
            s.batchIndex[b.id] = s.batches.count
            s.batches.append(BatchEntry(batch: stored, delivery: b.delivery))
            pending[b.runID] = s
        }
        for (id, s) in pending { runs[id] = s }
    }

    public func appendEvents(_ events: [EventRecord]) async throws {
        for e in events { _ = try state(e.runID) }
        for e in events { runs[e.runID]?.events.append(e) }
    }

    public func commitStep(runID: String, step: Int, policyVersion: PolicyVersion?, committedAt: Double) async throws -> StepRecord {
        var s = try state(runID)
        if let last = s.lastCommittedStep, step <= last {
            throw StoreError(.stepSealed, "step \(step) is not after the last committed step \(last)", context: runID)
        }
        guard step >= 0 else { throw StoreError(.invalidInput, "step \(step) is negative", context: runID) }
        let last = s.lastCommittedStep ?? -1
        if let skipped = (s.groups.map(\.group.step) + s.batches.map(\.batch.step)).filter({ $0 > last && $0 < step }).min() {
            throw StoreError(.invalidInput, "step \(skipped) has rows but is not committed; commit it before step \(step)", context: runID)
        }
        let groups = s.groups.filter { $0.group.step == step }
        let batches = s.batches.filter { $0.batch.step == step }.map(\.batch)
        let content = HashChain.contentHash(
            runID: runID, step: step, groups: groups.map { ($0.group.groupID, $0.digest) }, batches: batches)
        let prev = s.steps.last.flatMap { Digest256(hex: $0.recordHash) } ?? HashChain.genesis(s.record)
        let rollouts = groups.reduce(0) { $0 + $1.group.samples.count }
        let calls = groups.reduce(0) { $0 + $1.group.samples.reduce(0) { $0 + $1.judgeCalls.count } }
        let record = HashChain.recordHash(
            runID: runID, step: step, policyVersion: policyVersion?.rawValue, committedAt: committedAt,
            groupCount: groups.count, rolloutCount: rollouts, judgeCallCount: calls, batchCount: batches.count,
            contentHash: content, prevHash: prev)
        let r = StepRecord(
            runID: runID, step: step, policyVersion: policyVersion, committedAt: committedAt, groupCount: groups.count,
            rolloutCount: rollouts, judgeCallCount: calls, batchCount: batches.count, contentHash: content.hex,
            prevHash: prev.hex, recordHash: record.hex)
        s.steps.append(r)
        runs[runID] = s
        return r
    }

    public func updateDelivery(runID: String, batchID: String, delivery: DeliveryState) async throws {
        let s = try state(runID)
        guard let i = s.batchIndex[batchID] else { throw StoreError(.notFound, "no batch '\(batchID)'", context: runID) }
        runs[runID]?.batches[i].delivery = delivery
    }

    // MARK: Resume and audit

    public func steps(runID: String) async throws -> [StepRecord] { try state(runID).steps }

    public func consumedPrompts(runID: String) async throws -> [ConsumedPrompt] {
        try state(runID).groups.compactMap { e in
            e.group.consumed.map {
                ConsumedPrompt(promptID: PromptID($0.promptID), epoch: $0.epoch, ordinal: $0.ordinal, step: e.group.step, groupID: e.group.groupID)
            }
        }
    }

    public func groups(runID: String, step: Int) async throws -> [GroupRecord] {
        let s = try state(runID)
        let texts = self.texts, tokenArrays = self.tokenArrays
        return try s.groups.filter { $0.group.step == step }.map {
            try $0.group.record(text: { texts[$0] }, tokens: { tokenArrays[$0] })
        }
    }

    public func batches(runID: String, step: Int?) async throws -> [BatchRecord] {
        try state(runID).batches.filter { step == nil || $0.batch.step == step }.map {
            BatchRecord(
                runID: runID, id: $0.batch.batchID, step: $0.batch.step, samples: $0.batch.samples,
                payloadHash: $0.batch.payloadHash, createdAt: $0.batch.createdAt, delivery: $0.delivery)
        }
    }

    public func events(runID: String, limit: Int?) async throws -> [EventRecord] {
        let e = try state(runID).events
        guard let limit else { return e }
        return Array(e.suffix(limit))
    }

    public func verify(runID: String) async throws -> VerifyReport {
        let s = try state(runID)
        var verifier = ChainVerifier(run: s.record, headStep: s.steps.last?.step)
        let recordByStep = Dictionary(s.steps.map { ($0.step, $0) }, uniquingKeysWith: { a, _ in a })
        let allSteps = Set(s.steps.map(\.step)).union(s.groups.map(\.group.step)).union(s.batches.map(\.batch.step)).sorted()
        let texts = self.texts, tokenArrays = self.tokenArrays
        let lookup: (Digest256, ContentKind) -> ContentCheck = { d, kind in
            switch kind {
            case .text:
                guard let t = texts[d] else { return .missing }
                return FastSHA256.digest(t) == d ? .ok : .mismatch
            case .tokens:
                guard let b = tokenArrays[d] else { return .missing }
                return FastSHA256.digest(b) == d ? .ok : .mismatch
            }
        }
        for step in allSteps {
            let groups = s.groups.filter { $0.group.step == step }.map { ($0.digest, $0.group) }
            let batches = s.batches.filter { $0.batch.step == step }.map(\.batch)
            guard verifier.check(step: step, record: recordByStep[step], groups: groups, batches: batches, content: lookup) else { break }
        }
        verifier.finish()
        return verifier.report()
    }

    // MARK: Test hooks

    /// Replaces a stored group's rows (tests of `verify` only: the in-memory store has no triggers to drop).
    func tamperGroup(runID: String, groupID: String, _ change: (inout StoredGroup) -> Void) {
        guard let i = runs[runID]?.groupIndex[groupID] else { return }
        change(&runs[runID]!.groups[i].group)
    }
}
