import ArbiterConfig
import ArbiterCore
import ArbiterData
import ArbiterInference
import ArbiterNumerics
import ArbiterRewards
import ArbiterStore
import ArbiterTrainer
import Foundation
import Logging
import ServiceLifecycle

/// Builds everything one run needs from its plan: the schedulers (policy, judge, reference), the
/// reward pipeline, the trainer client with its outbox, status poller and version relay, and the
/// engine. The executable puts ``services`` in a `ServiceGroup`; ``shutdown()`` releases the rest.
public struct RunAssembly: Sendable {
    /// The engine (last in ``services``, so it stops first).
    public let engine: RunEngine
    /// Long-running parts in start order.
    public let services: [any Service]
    /// The policy's scheduler.
    public let policy: RolloutScheduler
    /// The outbox, for train runs.
    public let outbox: BatchOutbox?
    let trainerClient: TrainerClient?

    /// Wires a run.
    ///
    /// - Parameters:
    ///   - plan: what to run.
    ///   - store: the reward log.
    ///   - outboxDirectory: where the outbox keeps unacknowledged batches (train runs).
    ///   - environment: where secrets named by `*_env` keys are read.
    public static func make(
        plan: RunPlan, store: any RewardStore, outboxDirectory: URL, progress: ProgressReporter,
        environment: [String: String] = ProcessInfo.processInfo.environment, logger: Logger = Logger(label: "arbiter.run")
    ) async throws -> RunAssembly {
        let config = plan.config
        let training = config.run.mode == .train
        var services: [any Service] = []
        var trainerClient: TrainerClient?
        var tracker: PolicyVersionTracker?
        var outbox: BatchOutbox?
        var initialVersion: PolicyVersion = 0
        if training {
            guard let trainer = config.trainer else {
                throw EngineError(.invalidInput, "a train run needs a `trainer` section (or use `arbiter eval`)", context: "trainer")
            }
            let client = try TrainerClient(configuration: .init(trainer, environment: environment))
            trainerClient = client
            do {
                initialVersion = try await client.status().policyVersion
            } catch {
                logger.warning("trainer status unreadable at start; assuming policy version 0", metadata: ["error": "\(error)"])
            }
        }
        do {
            var policyConfig = SchedulerConfiguration(
                policy: config.policy, staleness: training ? config.staleness : nil, initialVersion: initialVersion, seed: config.run.seed)
            policyConfig.generation.sampling.logprobs = config.policy.sampling.logprobs
            let noticeLog = SchedulerNoticeLog(store: store, runID: plan.runID, progress: progress, logger: logger)
            services.append(noticeLog)
            let policy = try RolloutScheduler(configuration: policyConfig, logger: logger, role: "policy", notices: noticeLog.continuation)
            services.append(policy)
            var schedulers = [policy]
            var judgeBackend: (any JudgeBackend)?
            if let judge = config.judge {
                let scheduler = try RolloutScheduler(
                    configuration: SchedulerConfiguration(judge: judge, seed: config.run.seed), logger: logger, role: "judge",
                    notices: noticeLog.continuation)
                services.append(scheduler)
                schedulers.append(scheduler)
                judgeBackend = SchedulerJudgeBackend(scheduler: scheduler, api: judge.api)
            }
            var reference: RolloutScheduler?
            if let ref = config.reference {
                let scheduler = try RolloutScheduler(
                    configuration: SchedulerConfiguration(reference: ref, seed: config.run.seed), logger: logger, role: "reference",
                    notices: noticeLog.continuation)
                services.append(scheduler)
                schedulers.append(scheduler)
                reference = scheduler
            }
            let pipeline = try RewardPipeline(config: config, judgeBackend: judgeBackend, reference: reference)
            if training, let client = trainerClient, let trainer = config.trainer {
                let versions = PolicyVersionTracker(initial: initialVersion)
                tracker = versions
                let durable = try FileOutboxStore(directory: outboxDirectory)
                let mirror = DeliveryMirror(inner: durable, rewardStore: store, runID: plan.runID, logger: logger)
                let box = BatchOutbox(store: mirror, transport: client, configuration: .init(trainer), tracker: versions, logger: logger)
                outbox = box
                services.append(box)
                services.append(TrainerStatusPoller(transport: client, tracker: versions, interval: .seconds(1), logger: logger))
                services.append(PolicyVersionRelay(tracker: versions, scheduler: policy))
            }
            let engine = try RunEngine(
                plan: plan, store: store, policy: policy, pipeline: pipeline, outbox: outbox, tracker: tracker, progress: progress,
                logger: logger, failpoint: environment["ARBITER_FAILPOINT"].flatMap(Failpoint.init),
                schedulers: schedulers)
            services.append(engine)
            return RunAssembly(engine: engine, services: services, policy: policy, outbox: outbox, trainerClient: trainerClient)
        } catch {
            try? await trainerClient?.shutdown()
            throw error
        }
    }

    /// Releases what the services do not own (the trainer's HTTP client).
    public func shutdown() async {
        try? await trainerClient?.shutdown()
    }
}

/// Builds run plans: new runs from a loaded config file, resumed runs from the reward log.
public enum RunPlanner {
    /// Loads the dataset a configuration names.
    ///
    /// - Throws: ``EngineError/Code/invalidInput`` naming the dataset file when it cannot be read
    ///   or yields no prompt, or when a train run points at eval-only data.
    public static func loadDataset(_ config: RunConfig) throws -> (name: String, prompts: [Prompt], rejected: Int) {
        let loaded: LoadedDataset
        do {
            loaded = try DatasetLoader.load(config.dataset, relativeTo: URL(fileURLWithPath: "/"))
        } catch {
            throw EngineError(.invalidInput, "\(error)", context: config.dataset.path)
        }
        guard !loaded.prompts.isEmpty else {
            throw EngineError(.invalidInput, "the dataset has no usable item (\(loaded.rejected.count) rejected)", context: config.dataset.path)
        }
        if config.run.mode == .train, config.dataset.isEvalOnly {
            throw EngineError(
                .invalidInput, "this dataset is eval-only; train on another dataset or use `arbiter eval`", context: "dataset")
        }
        return (loaded.name, loaded.prompts, loaded.rejected.count)
    }

    /// A plan for a new run of a loaded configuration.
    public static func newRun(
        _ loaded: LoadedConfig, runID: String, runGroup: String? = nil, mode: RunMode? = nil, estimator: String? = nil,
        codeVersion: String
    ) throws -> RunPlan {
        var config = ResolvedConfig.resolvingPaths(loaded.config, base: loaded.baseDirectory)
        if let mode { config.run.mode = mode }
        if let estimator, estimator != config.advantage.estimator {
            config.advantage = AdvantageConfig(estimator: estimator, params: Self.params(config.advantage.params, for: estimator))
        }
        let text = try ResolvedConfig.encode(config)
        let dataset = try loadDataset(config)
        return RunPlan(
            runID: runID, runGroup: runGroup, config: config, configText: text, configHash: ResolvedConfig.hash(text),
            datasetName: dataset.name, prompts: dataset.prompts, resume: false, codeVersion: codeVersion,
            startDetails: [
                "config_path": loaded.url.path, "config_file_hash": loaded.hash, "estimator": config.advantage.estimator,
            ])
    }

    /// The parameters of `params` that `estimator` accepts (a comparison run reuses the shared ones).
    static func params(_ params: [String: ConfigValue], for estimator: String) -> [String: ConfigValue] {
        let accepted = Set(AdvantageEstimator.parameterNames[estimator] ?? [])
        return params.filter { accepted.contains($0.key) }
    }

    /// A plan that continues `runID` from the reward log.
    ///
    /// - Throws: ``EngineError/Code/cannotResume`` for an unknown or finished run, a configuration
    ///   whose recorded hash does not match, or a dataset or judge template that changed since.
    public static func resume(runID: String, store: any RewardStore, codeVersion: String) async throws -> RunPlan {
        guard let record = try await store.run(runID) else {
            throw EngineError(.cannotResume, "no run '\(runID)' in this store", context: "run")
        }
        guard record.status == .running else {
            throw EngineError(.cannotResume, "run '\(runID)' is \(record.status.rawValue); only an unfinished run can be resumed", context: "run")
        }
        guard ResolvedConfig.hash(record.configYAML) == record.configHash else {
            throw EngineError(.cannotResume, "the recorded configuration does not match its hash", context: "run \(runID)")
        }
        let config = try ResolvedConfig.decode(record.configYAML, runID: runID)
        let dataset = try loadDataset(config)
        let events = try await store.events(runID: runID, limit: nil)
        if let start = events.first(where: { $0.source == "engine" && $0.message == "run started" }), let details = start.details {
            let recorded = JSONTextFields.parse(details)
            if let fingerprint = recorded["dataset_fingerprint"], fingerprint != RunEngine.datasetFingerprint(dataset.prompts) {
                throw EngineError(
                    .cannotResume, "the dataset changed since the run started (prompt ids differ); resuming would skip or repeat prompts",
                    context: config.dataset.path)
            }
        }
        return RunPlan(
            runID: runID, runGroup: record.runGroup, config: config, configText: record.configYAML, configHash: record.configHash,
            datasetName: dataset.name, prompts: dataset.prompts, resume: true, codeVersion: codeVersion, startDetails: [:])
    }
}

/// Reads the flat string objects the engine writes into event details.
enum JSONTextFields {
    static func parse(_ text: String) -> [String: String] {
        guard let object = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any] else { return [:] }
        return object.compactMapValues { $0 as? String }
    }
}
