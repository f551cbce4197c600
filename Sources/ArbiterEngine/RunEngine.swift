import ArbiterCore
import ArbiterInference
import ArbiterNumerics
import ArbiterRewards
import ArbiterStore
import ArbiterTrainer
import Foundation
import Logging
import ServiceLifecycle

/// What a run is: identity, resolved configuration and dataset. Built by ``RunAssembly``.
public struct RunPlan: Sendable {
    /// Run id.
    public var runID: String
    /// Links runs of one comparison.
    public var runGroup: String?
    /// The configuration, paths resolved.
    public var config: RunConfig
    /// The resolved configuration as canonical JSON (recorded in the run record).
    public var configText: String
    /// SHA-256 of `configText`.
    public var configHash: String
    /// Dataset name.
    public var datasetName: String
    /// The dataset's prompts in file order.
    public var prompts: [Prompt]
    /// Continue an existing run instead of creating one.
    public var resume: Bool
    /// `arbiter --version`.
    public var codeVersion: String
    /// Extra details recorded in the run's start event (config path, overrides).
    public var startDetails: [String: String]
}

/// The run loop: a `Service` that turns a dataset into scored, logged, delivered training batches.
///
/// Each step draws prompts in the seeded order, generates the groups of n rollouts through the
/// policy's scheduler (admission control keeps the run within the staleness bound), scores each
/// group as soon as its rollouts are back (judge calls overlap the other groups' generation),
/// applies dynamic sampling in draw order (so decisions are reproducible), shapes rewards,
/// computes advantages, appends the step's groups to the reward log in one transaction, logs the
/// batch, hands it to the outbox and seals the step in the hash chain.
///
/// Crash safety: nothing of a step is logged until its groups are; a step whose groups are logged
/// but whose commit is missing is finished from the log on resume (its batch rebuilt byte for byte);
/// in-flight rollouts are simply generated again (same seeds). Graceful shutdown cancels the step
/// in flight and returns; `arbiter resume` continues from the last logged step.
public final class RunEngine: Service, Sendable {
    let plan: RunPlan
    let store: any RewardStore
    let policy: RolloutScheduler
    let pipeline: RewardPipeline
    let outbox: BatchOutbox?
    let tracker: PolicyVersionTracker?
    let estimator: AdvantageEstimator?
    let shaping: RewardShaping?
    let staleness: StalenessFilter
    let progress: ProgressReporter
    let logger: Logger
    let failpoint: Failpoint?
    /// Every scheduler of the run (policy, judge, reference) whose retries and hedges each step logs.
    let schedulers: [RolloutScheduler]

    var config: RunConfig { plan.config }
    var runID: String { plan.runID }
    var isTraining: Bool { config.run.mode == .train }

    /// Creates the engine. `schedulers` are the run's schedulers whose retries and hedges each
    /// step logs (nil: the policy's only).
    public init(
        plan: RunPlan, store: any RewardStore, policy: RolloutScheduler, pipeline: RewardPipeline, outbox: BatchOutbox?,
        tracker: PolicyVersionTracker?, progress: ProgressReporter, logger: Logger = Logger(label: "arbiter.engine"),
        failpoint: Failpoint? = nil, schedulers: [RolloutScheduler]? = nil
    ) throws {
        self.failpoint = failpoint
        self.schedulers = schedulers ?? [policy]
        self.plan = plan
        self.store = store
        self.policy = policy
        self.pipeline = pipeline
        self.outbox = outbox
        self.tracker = tracker
        self.progress = progress
        self.logger = logger
        if plan.config.run.mode == .train {
            do {
                estimator = try AdvantageEstimator(plan.config.advantage)
                shaping = try RewardShaping(plan.config.sampling)
            } catch {
                throw EngineError(.invalidInput, "\(error)", context: "advantage")
            }
        } else {
            estimator = nil
            shaping = nil
        }
        staleness = StalenessFilter(plan.config.staleness)
    }

    static func now() -> Double { Date().timeIntervalSince1970 }

    /// Runs until the configured steps are done (train), the dataset is covered (eval), a graceful
    /// shutdown, or an error.
    public func run() async throws {
        do {
            try await cancelWhenGracefulShutdown {
                try await self.drive()
            }
        } catch is CancellationError {
            await stopped()
        } catch let error as InferenceError where error.code == .cancelled || error.code == .shutdown {
            await stopped()
        }
    }

    private func stopped() async {
        try? await store.appendEvents([
            EventRecord(
                runID: runID, at: Self.now(), kind: .info, source: "engine",
                message: "stopped gracefully; in-flight rollouts are generated again by `arbiter resume \(runID)`")
        ])
        progress.message("stopped", runID: runID, "stopped; continue with `arbiter resume \(runID)`")
    }

    // MARK: - The loop

    func drive() async throws {
        let start = try await prepareRun()
        var schedule = PromptSchedule(
            promptIDs: plan.prompts.map(\.id), seed: config.run.seed, maxEpochs: isTraining ? config.run.epochs : 1,
            consumed: start.consumed.map { ($0.epoch, $0.promptID) })
        var step = start.nextStep
        let lastStep = isTraining ? config.run.steps : Int.max
        while step < lastStep {
            try Task.checkCancellation()
            if isTraining { try await waitForTrainer() }
            guard try await runStep(step, schedule: &schedule) else {
                if isTraining {
                    try await event(.warning, "dataset exhausted after \(config.run.epochs ?? 0) epoch(s) at step \(step)", step: step)
                    progress.message("exhausted", runID: runID, "dataset exhausted at step \(step); ending the run")
                }
                break
            }
            step += 1
        }
        if let outbox { try await drain(outbox) }
        try await store.updateRunStatus(runID: runID, status: .completed, endedAt: Self.now())
        let report = try await store.runStatus(runID)
        progress.message(
            "completed", runID: runID,
            "completed: \(report.committedSteps) step(s), \(report.rollouts) rollouts, \(report.judgeCalls) judge calls, \(report.batches) batch(es); check with `arbiter audit verify \(runID)`"
        )
    }

    /// Where a (new or resumed) run starts.
    struct Start {
        var nextStep: Int
        var consumed: [ConsumedPrompt]
    }

    func prepareRun() async throws -> Start {
        guard plan.resume else {
            let record = RunRecord(
                id: runID, name: config.run.name, mode: config.run.mode, configYAML: plan.configText, configHash: plan.configHash,
                codeVersion: plan.codeVersion, runGroup: plan.runGroup, startedAt: Self.now())
            try await store.createRun(record)
            try await store.registerPrompts(
                plan.prompts.map {
                    PromptRecord(id: $0.id, dataset: plan.datasetName, textHash: SHA256.hex($0.canonicalContent))
                })
            var details = plan.startDetails
            details["dataset_fingerprint"] = Self.datasetFingerprint(plan.prompts)
            details["template_hashes"] = pipeline.templateHashes.keys.sorted().map { "\($0)=\(pipeline.templateHashes[$0]!)" }.joined(
                separator: ",")
            try await store.appendEvents([
                EventRecord(
                    runID: runID, at: Self.now(), kind: .info, source: "engine", message: "run started",
                    details: JSONLiteral.object(details))
            ])
            progress.message(
                "started", runID: runID,
                isTraining
                    ? "started train run: \(config.run.steps) step(s), \(config.policy.promptsPerStep) prompt(s) x \(config.policy.groupSize) sample(s), estimator \(config.advantage.estimator)"
                    : "started eval run: \(plan.prompts.count) item(s) in steps of \(config.policy.promptsPerStep), \(config.policy.groupSize) sample(s) each"
            )
            return Start(nextStep: 0, consumed: [])
        }
        let steps = try await store.steps(runID: runID)
        var next = (steps.last?.step ?? -1) + 1
        let status = try await store.runStatus(runID)
        for open in status.openSteps.sorted() where open >= next {
            try await finishOpenStep(open)
            next = open + 1
        }
        let consumed = try await store.consumedPrompts(runID: runID)
        try await event(.info, "resumed at step \(next) (\(consumed.count) prompt(s) consumed)", step: next)
        progress.message("resumed", runID: runID, "resumed at step \(next); \(consumed.count) prompt group(s) already logged")
        return Start(nextStep: next, consumed: consumed)
    }

    /// Completes a step whose groups were logged before a crash: rebuilds or logs its batch, hands it
    /// to the outbox (a duplicate is ignored there) and commits it.
    func finishOpenStep(_ step: Int) async throws {
        let records = try await store.groups(runID: runID, step: step)
        var batchID: String?
        if isTraining, let outbox {
            let logged = try await store.batches(runID: runID, step: step)
            if logged.isEmpty {
                batchID = try await handOff(records, step: step, outbox: outbox).batchID
            } else {
                for record in logged {
                    let batch = try BatchBuilder.rebuild(
                        record, from: records, estimator: config.advantage.estimator, estimatorParams: estimatorParams,
                        provenance: provenance(step: step))
                    let payload = try BatchPayload(batch: batch)
                    let hash = SHA256.hex(try payload.encoded())
                    if hash != record.payloadHash {
                        try await event(
                            .warning, "rebuilt batch \(record.id) differs from the logged payload hash; sending the rebuilt one", step: step)
                    }
                    try await outbox.submit(payload)
                    batchID = record.id
                }
            }
        }
        let commit = try await store.commitStep(runID: runID, step: step, policyVersion: await tracker?.current, committedAt: Self.now())
        try await event(.info, "step \(step) finished from the log after a restart (\(commit.groupCount) group(s))", step: step)
        progress.message("recovered", runID: runID, "step \(step) recovered from the log" + (batchID.map { ", batch \($0)" } ?? ""))
    }

    /// Sync mode: the previous batch must be acknowledged before the next step generates (the
    /// trainer's new version then gates admission). Async mode generates at once, within the
    /// admission bound; the hand-off waits for outbox capacity instead.
    func waitForTrainer() async throws {
        guard let outbox, config.staleness.mode == .sync else { return }
        try await drain(outbox)
        // The acknowledgement moved the tracker; tag the next rollouts with that version now
        // rather than when the relay gets to it.
        if let version = await tracker?.current { await policy.updatePolicyVersion(version) }
    }

    /// Waits until every batch is acknowledged; fails when delivery is paused on a rejection.
    func drain(_ outbox: BatchOutbox) async throws {
        do {
            try await outbox.waitUntilDrained()
        } catch let error as TrainerError where error.code != .shutdown {
            // Paused on a rejection (at once or while waiting).
            throw EngineError(
                .trainerRejected,
                "the trainer rejected a batch; the run is paused, nothing was dropped (fix the trainer, then `arbiter resume \(runID) --retry-rejected`): \(error)",
                context: "trainer")
        }
    }

    // MARK: - One step

    /// Runs one step; false when the dataset had no prompt left.
    func runStep(_ step: Int, schedule: inout PromptSchedule) async throws -> Bool {
        let started = ContinuousClock.now
        let judgeBefore = await pipeline.judgeStats().calls
        var countersBefore: [SchedulerMetrics] = []
        for s in schedulers { countersBefore.append(await s.metrics()) }
        let target = config.policy.promptsPerStep
        var sampler: DynamicSampler
        do {
            var ds = config.sampling.dynamicSampling
            if !isTraining { ds.enabled = false }
            sampler = try DynamicSampler(targetGroups: target, config: ds)
        } catch {
            throw EngineError(.invalidInput, "\(error)", context: "sampling.dynamic_sampling")
        }
        var draws = schedule.next(target)
        guard !draws.isEmpty else { return false }
        var groups: [ScoredGroup] = []
        var keep: [Bool] = []
        var events: [EventRecord] = []
        var firstError: String?
        var rejected = 0
        var extraSubmitted = 0
        var zeroVariance = 0
        let zeroVarianceTest = sampler.filter
        while !draws.isEmpty {
            let current = draws
            let round = try await withLiveProgress(step: step, started: started) {
                try await self.generateRound(current, step: step)
            }
            for (draw, result) in zip(draws, round) {
                guard let group = result.group else {
                    if firstError == nil { firstError = result.errors.first }
                    rejected += 1
                    await policy.recordRejected(1)
                    events.append(
                        EventRecord(
                            runID: runID, step: step, at: Self.now(), kind: .fault, source: "policy",
                            message: "no rollout came back for prompt \(draw.promptID) (epoch \(draw.epoch)); it is not consumed",
                            details: JSONLiteral.object(["errors": result.errors.joined(separator: " | ")])))
                    continue
                }
                let decision = sampler.admit(group.rawRewards)
                if zeroVarianceTest.isZeroVariance(group.rawRewards) {
                    zeroVariance += 1
                }
                groups.append(group)
                keep.append(decision == .keep)
                if decision != .keep, isTraining {
                    rejected += 1
                    await policy.recordRejected(1)
                }
            }
            switch sampler.finishRound() {
            case .complete, .exhausted:
                draws = []
            case .generateMore(let wanted):
                // Never ask for more groups than the rejected ones freed in admission control:
                // in sync mode nothing else can be admitted before the trainer moves.
                let allowed = min(wanted, max(0, rejected - extraSubmitted))
                draws = schedule.next(allowed)
                extraSubmitted += draws.count
            }
        }
        guard !groups.isEmpty else {
            // The faults the message points to are logged before the run ends.
            do {
                try await store.appendEvents(events)
            } catch {
                logger.warning("could not record the step's faults", metadata: ["error": "\(error)"])
            }
            throw EngineError(
                .generationFailed,
                "no group of step \(step) got a rollout (first error: \(firstError ?? "none recorded")); see `arbiter status \(runID)` for the faults",
                context: "policy.endpoints")
        }
        let records: [GroupRecord]
        do {
            records = try StepAssembler.records(
                runID: runID, step: step, groups: groups, keep: keep, estimator: estimator, shaping: shaping,
                componentNames: pipeline.componentNames)
        } catch {
            throw EngineError(.invalidInput, "cannot compute advantages for step \(step): \(error)", context: "advantage")
        }
        if sampler.enabled {
            events.append(
                EventRecord(
                    runID: runID, step: step, at: Self.now(), kind: .info, source: "dynamic_sampling",
                    message: "kept \(sampler.kept), dropped \(sampler.dropped) zero-variance, \(sampler.surplus) surplus, \(sampler.extraRoundsUsed) extra round(s)"
                ))
        }
        try await store.appendGroups(records)
        failpoint?.check(.afterGroups, step: step)
        var handOff = HandOff()
        if isTraining, let outbox {
            handOff = try await self.handOff(records, step: step, outbox: outbox)
        }
        failpoint?.check(.afterHandOff, step: step)
        for (s, before) in zip(schedulers, countersBefore) {
            events += SchedulerActivity.events(
                role: s.role, before: before, after: await s.metrics(), runID: runID, step: step, at: Self.now())
        }
        if !events.isEmpty { try await store.appendEvents(events) }
        let version = await tracker?.current
        _ = try await store.commitStep(runID: runID, step: step, policyVersion: version, committedAt: Self.now())
        let seconds = (ContinuousClock.now - started).inSeconds
        let rewards = records.flatMap { $0.samples.compactMap(\.reward.total) }
        let tokens = records.reduce(0) { $0 + $1.samples.reduce(0) { $0 + $1.rollout.completionTokens } }
        let judgeAfter = await pipeline.judgeStats().calls
        progress.step(
            StepReport(
                runID: runID, step: step, groups: groups.count, keptGroups: keep.filter { $0 }.count,
                droppedGroups: keep.filter { !$0 }.count, extraRounds: sampler.extraRoundsUsed,
                rollouts: records.reduce(0) { $0 + $1.samples.count }, judgeCalls: judgeAfter - judgeBefore,
                rewardMean: rewards.isEmpty ? nil : rewards.reduce(0, +) / Double(rewards.count),
                zeroVarianceFraction: Double(zeroVariance) / Double(groups.count),
                tokensPerSecond: seconds > 0 ? Double(tokens) / seconds : 0, trainerVersion: version?.rawValue,
                maxStaleness: handOff.maxStaleness, staleDropped: handOff.staleDropped, batchID: handOff.batchID,
                outboxDepth: await outbox?.queueDepth, seconds: seconds))
        return true
    }

    /// What handing a step's batch to the trainer did.
    struct HandOff {
        var batchID: String?
        var maxStaleness: Int?
        var staleDropped = 0
    }

    /// Waits for outbox capacity, applies the staleness bound, logs the batch, then enqueues it.
    func handOff(_ records: [GroupRecord], step: Int, outbox: BatchOutbox) async throws -> HandOff {
        // Backpressure: a full outbox holds the step here (bounded memory: one step), and the
        // staleness bound is applied against the trainer's version at the moment of hand-off.
        do {
            try await outbox.waitForCapacity()
        } catch let error as TrainerError {
            throw EngineError(.trainerRejected, "\(error)", context: "trainer")
        }
        let trainerVersion = await tracker?.current ?? 0
        let filtered = staleness.apply(to: BatchBuilder.samples(records), trainerVersion: trainerVersion)
        var out = HandOff()
        out.staleDropped = filtered.dropped.count
        if !filtered.dropped.isEmpty || !filtered.reweighted.isEmpty {
            try await store.appendEvents([
                EventRecord(
                    runID: runID, step: step, at: Self.now(), kind: .warning, source: "staleness",
                    message: "\(filtered.dropped.count) stale sample(s) dropped, \(filtered.reweighted.count) kept with an importance weight (trainer at v\(trainerVersion), bound \(staleness.maxStaleness))",
                    details: JSONLiteral.object(["dropped": filtered.dropped.map(\.sampleID).joined(separator: ",")]))
            ])
        }
        out.maxStaleness = filtered.kept.map { $0.sample.rollout.policyVersion.staleness(relativeTo: trainerVersion) }.max()
        guard
            let batch = BatchBuilder.batch(
                runID: runID, step: step, samples: filtered.kept, estimator: config.advantage.estimator, estimatorParams: estimatorParams,
                provenance: provenance(step: step))
        else { return out }
        let payload: BatchPayload
        let body: Data
        do {
            payload = try BatchPayload(batch: batch)
            body = try payload.encoded()
        } catch {
            throw EngineError(.invalidInput, "batch of step \(step) cannot be sent: \(error)", context: "batch \(batch.id)")
        }
        try await store.appendBatches([BatchRecord(batch: batch, payloadHash: SHA256.hex(body), createdAt: Self.now())])
        failpoint?.check(.afterBatchLogged, step: step)
        do {
            try await outbox.submit(payload)
        } catch let error as TrainerError {
            throw EngineError(.trainerRejected, "\(error)", context: "batch \(batch.id)")
        }
        out.batchID = batch.id
        return out
    }

    var estimatorParams: [String: String] { estimator?.canonicalParams ?? [:] }

    func provenance(step: Int) -> Provenance {
        Provenance(
            configHash: plan.configHash, templateHashes: pipeline.templateHashes, judgeModels: pipeline.judgeModels,
            rewardWeights: pipeline.rewardWeights(step: step), datasets: [plan.datasetName])
    }

    // MARK: - Live progress

    /// Runs `body` while a terminal shows the step's live line (requests in flight and waiting for
    /// admission, groups finished, judge calls) every half second.
    func withLiveProgress<T: Sendable>(step: Int, started: ContinuousClock.Instant, _ body: @escaping @Sendable () async throws -> T)
        async throws -> T
    {
        guard progress.style == .live else { return try await body() }
        let base = await policy.metrics()
        let judgeBase = await pipeline.judgeStats().calls
        return try await withThrowingTaskGroup(of: T?.self) { tasks in
            tasks.addTask { try await body() }
            tasks.addTask {
                while !Task.isCancelled {
                    let m = await self.policy.metrics()
                    let judge = await self.pipeline.judgeStats().calls - judgeBase
                    self.progress.live(
                        "[\(self.runID)] step \(step) | groups done \(m.groupsFinished - base.groupsFinished) | requests in flight \(m.inFlight), waiting \(m.waiting + m.groupsWaitingForAdmission) | judge \(judge) | trainer v\(m.policyVersion.rawValue) | "
                            + String(format: "%.1fs", (ContinuousClock.now - started).inSeconds))
                    do { try await Task.sleep(for: .milliseconds(500)) } catch { break }
                }
                return nil
            }
            var result: T?
            for try await value in tasks {
                if let value {
                    result = value
                    tasks.cancelAll()
                }
            }
            return result!
        }
    }

    // MARK: - Generation

    /// One prompt's outcome in a round.
    struct RoundResult: Sendable {
        var group: ScoredGroup?
        var errors: [String]
    }

    /// Generates the groups of `draws` concurrently; each group is scored as soon as its rollouts
    /// are back. Results come back in draw order.
    func generateRound(_ draws: [PromptDraw], step: Int) async throws -> [RoundResult] {
        let prepared = draws.map { PreparedPrompt(prompt: plan.prompts[$0.index], draw: $0, config: config, style: pipeline.style) }
        return try await withThrowingTaskGroup(of: (Int, RoundResult).self) { tasks in
            for (i, p) in prepared.enumerated() {
                tasks.addTask { (i, try await self.generateGroup(p, step: step)) }
            }
            var out = [RoundResult?](repeating: nil, count: prepared.count)
            for try await (i, r) in tasks { out[i] = r }
            return out.map { $0! }
        }
    }

    func generateGroup(_ p: PreparedPrompt, step: Int) async throws -> RoundResult {
        let groupID = StepAssembler.groupID(step: step, draw: p.draw)
        let baseSeed = config.policy.sampling.seed ?? config.run.seed
        let request = GenerationRequest(
            promptID: p.prompt.id, input: p.input, samples: config.policy.groupSize,
            seed: baseSeed &+ UInt64(p.draw.epoch) &* 0x9E37_79B9_7F4A_7C15, rolloutIDPrefix: groupID)
        let result = try await policy.submit(request)
        guard !result.rollouts.isEmpty else {
            return RoundResult(group: nil, errors: result.errors.map { "\($0)" })
        }
        let rollouts = result.rollouts.map(Self.atLogPrecision)
        let samples = await withTaskGroup(of: (Int, ScoredSample).self) { tasks in
            for (i, r) in rollouts.enumerated() {
                tasks.addTask { (i, await self.pipeline.score(r, prompt: p, step: step)) }
            }
            var out = [ScoredSample?](repeating: nil, count: rollouts.count)
            for await (i, s) in tasks { out[i] = s }
            return out.map { $0! }
        }
        return RoundResult(group: ScoredGroup(prepared: p, groupID: groupID, samples: samples, partial: result.partial), errors: [])
    }

    /// The rollout with its logprobs rounded to float32, the precision the reward log keeps, so a
    /// batch rebuilt from the log is byte-identical to the one first sent.
    static func atLogPrecision(_ r: Rollout) -> Rollout {
        var r = r
        r.completionLogprobs = r.completionLogprobs?.map { Double(Float($0)) }
        return r
    }

    func event(_ kind: EventKind, _ message: String, step: Int? = nil) async throws {
        try await store.appendEvents([EventRecord(runID: runID, step: step, at: Self.now(), kind: kind, source: "engine", message: message)])
    }

    /// SHA-256 over the dataset's prompt ids in file order: a resumed run must see the same data.
    static func datasetFingerprint(_ prompts: [Prompt]) -> String {
        var h = SHA256()
        for p in prompts { h.update(p.id.rawValue + "\n") }
        return SHA256.hexString(Array(h.finalize()))
    }
}
