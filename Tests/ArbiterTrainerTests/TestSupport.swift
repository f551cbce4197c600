import ArbiterCore
import ArbiterTesting
import ArbiterTrainer
import Foundation
import Logging
import ServiceLifecycle
import Testing

/// Batches for tests: deterministic, with the nullable fields exercised both ways.
enum TestBatches {
    static func batch(step: Int, samples count: Int = 2, runID: String = "run-test", policyVersion: Int = 0) -> Batch {
        let promptID = PromptID(canonicalContent: "prompt \(runID) \(step)")
        let samples = (0..<count).map { i -> BatchSample in
            let truncated = i % 3 == 2
            let rollout = Rollout(
                id: "\(promptID.rawValue)/\(i)", promptID: promptID, sampleIndex: i, endpoint: "http://127.0.0.1:8000",
                policyVersion: PolicyVersion(policyVersion), promptText: "Is it fair to \(step)?",
                completionText: "Answer \(i) with \"quotes\" / slashes and ünïcödé", promptTokenIDs: [1, 2, 3],
                completionTokenIDs: i == 1 ? nil : [4, 5, 6 + i], completionLogprobs: [-0.5, -1.25, -0.125],
                finishReason: truncated ? .length : .stop, completionTokens: 3)
            let reward: RewardVector =
                i == 1
                ? RewardVector(components: [RewardComponent(name: "judge", value: nil, weight: 1)])
                : RewardVector(components: [
                    RewardComponent(name: "format", value: 1, weight: 0.2),
                    RewardComponent(name: "judge", value: Double(i) * 0.25, weight: 0.8),
                ])
            return BatchSample(
                sample: ScoredRollout(rollout: rollout, reward: reward, refLogprobMean: i == 0 ? -0.75 : nil),
                groupID: "\(runID)/\(step)/\(promptID.rawValue)", advantage: i == 1 ? 0 : (i == 0 ? -0.5 : 0.5),
                flowTarget: i == 0 ? 0.125 : nil)
        }
        return Batch(
            id: Batch.makeID(runID: runID, step: step, sampleIDs: samples.map(\.sample.rollout.id)), runID: runID, step: step,
            estimator: "grpo", estimatorParams: ["eps": "1e-06", "normalize_std": "true"], samples: samples,
            provenance: Provenance(
                configHash: "cfg-\(runID)", templateHashes: ["rubric": "abc123"], judgeModels: ["rubric": "judge-7b"],
                rewardWeights: ["format": 0.2, "judge": 0.8], datasets: ["morebench-public"]))
    }

    static func payload(step: Int, runID: String = "run-test") throws -> BatchPayload {
        try BatchPayload(batch: batch(step: step, runID: runID))
    }
}

/// Fails a test that would otherwise hang.
func withTimeout<R: Sendable>(
    _ timeout: Duration = .seconds(20), sourceLocation: Testing.SourceLocation = #_sourceLocation,
    _ body: @Sendable @escaping () async throws -> R
) async throws -> R {
    try await withThrowingTaskGroup(of: R?.self) { group in
        group.addTask { try await body() }
        group.addTask {
            try await Task.sleep(for: timeout)
            return nil
        }
        defer { group.cancelAll() }
        guard let first = try await group.next(), let result = first else {
            Issue.record("timed out after \(timeout)", sourceLocation: sourceLocation)
            throw CancellationError()
        }
        return result
    }
}

/// Polls `condition` until it holds or `timeout` passes; returns whether it held.
@discardableResult
func eventually(
    _ timeout: Duration = .seconds(10), sourceLocation: Testing.SourceLocation = #_sourceLocation,
    _ condition: () async throws -> Bool
) async rethrows -> Bool {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if try await condition() { return true }
        try? await Task.sleep(for: .milliseconds(10))
    }
    let held = try await condition()
    if !held { Issue.record("condition did not hold within \(timeout)", sourceLocation: sourceLocation) }
    return held
}

/// Runs services in a `ServiceGroup` for the duration of `body`, then shuts them down gracefully.
func withServices<R: Sendable>(_ services: [any Service], _ body: () async throws -> R) async throws -> R {
    var logger = Logger(label: "test.services")
    logger.logLevel = .critical
    let group = ServiceGroup(services: services, gracefulShutdownSignals: [], logger: logger)
    return try await withThrowingTaskGroup(of: Void.self) { tasks in
        tasks.addTask { try await group.run() }
        do {
            let result = try await body()
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
            return result
        } catch {
            await group.triggerGracefulShutdown()
            tasks.cancelAll()
            throw error
        }
    }
}

/// A quiet logger (set ARBITER_TEST_LOG=debug to see the outbox's logs).
func testLogger(_ label: String) -> Logger {
    var logger = Logger(label: label)
    logger.logLevel = ProcessInfo.processInfo.environment["ARBITER_TEST_LOG"].flatMap(Logger.Level.init(rawValue:)) ?? .critical
    return logger
}

/// Retry schedule for loopback tests: fast.
let fastRetry = RetryPolicy(initialBackoff: .milliseconds(20), maxBackoff: .milliseconds(100), jitter: 0)

/// A port nothing listens on (bound once by a reference trainer, then released).
func freePort() async throws -> Int {
    try await withReferenceTrainer { trainer in try await trainer.waitUntilRunning() }
}

extension BatchOutbox {
    /// A test outbox over a reference trainer URL.
    static func make(
        url: String, store: any OutboxStore = InMemoryOutboxStore(), client: TrainerClient, maxPending: Int = 4,
        tracker: PolicyVersionTracker? = nil
    ) -> BatchOutbox {
        BatchOutbox(
            store: store, transport: client, configuration: .init(maxPendingBatches: maxPending, retry: fastRetry), tracker: tracker,
            logger: testLogger("test.outbox"))
    }
}

func makeClient(_ url: String, token: String? = nil, timeout: Duration = .seconds(5), gzipMinBytes: Int = 0) throws -> TrainerClient {
    try TrainerClient(
        configuration: .init(
            baseURL: url, bearerToken: token, requestTimeout: timeout, connectTimeout: .seconds(2), gzipMinBytes: gzipMinBytes),
        logger: testLogger("test.client"))
}
