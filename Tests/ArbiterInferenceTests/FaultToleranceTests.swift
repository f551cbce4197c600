import ArbiterCore
import ArbiterTesting
import Testing

@testable import ArbiterInference

/// The scheduler against fake servers on real loopback sockets, with scripted faults.
///
/// Every case checks the same three things: no rollout lost or duplicated, the rollouts equal
/// the fault-free run's (the fake model is deterministic in the request seed, so retries,
/// re-routing and hedges cannot change a sample), and every failed attempt is counted with
/// its cause (attempts = successes + failures, and the failures match what the servers injected).
@Suite("Fault tolerance on loopback", .serialized)
struct FaultToleranceTests {
    /// What identifies a rollout's content (endpoint and timing legitimately differ).
    struct Fingerprint: Hashable {
        var id: String
        var text: String
        var tokenIDs: [Int]?
        var promptTokenIDs: [Int]?
        var logprobs: [Double]?
        var finish: FinishReason
        var tokens: Int
        var version: PolicyVersion

        init(_ r: Rollout) {
            id = r.id
            text = r.completionText
            tokenIDs = r.completionTokenIDs
            promptTokenIDs = r.promptTokenIDs
            logprobs = r.completionLogprobs
            finish = r.finishReason
            tokens = r.completionTokens
            version = r.policyVersion
        }
    }

    static let prompts = 12
    static let samples = 4

    static func requests() -> [GenerationRequest] {
        (0..<prompts).map { k in
            let text = "Story \(k): Anna moves the ball while Sam is away. Where will Sam look?"
            return GenerationRequest(
                promptID: PromptID(canonicalContent: text), input: .text(text), samples: samples, seed: 2024)
        }
    }

    static func configuration(
        _ servers: [FakeInferenceServer], mode: RequestMode = .onePerSample, stream: Bool = false,
        attemptTimeout: Double = 2, hedging: HedgingPolicy? = nil, perEndpoint: Int = 8
    ) -> SchedulerConfiguration {
        SchedulerConfiguration(
            endpoints: servers.map { EndpointConfig(url: $0.baseURL, maxConcurrency: perEndpoint) },
            generation: GenerationSettings(
                model: "fake-model", api: .completions, requestMode: mode, sampling: SamplingParams(maxTokens: 20),
                stream: stream),
            maxInFlight: 32, attemptTimeout: attemptTimeout, maxRetriesPerEndpoint: 3, maxAttempts: 40,
            backoff: BackoffPolicy(base: 0.002, maximum: 0.02),
            circuitBreaker: CircuitBreakerPolicy(failureThreshold: 3, openDuration: 0.05, maxOpenDuration: 0.4, probeTimeout: 0.5),
            hedging: hedging, seed: 99, transport: .init(connectTimeout: 1))
    }

    static func run(
        _ configuration: SchedulerConfiguration, notices: AsyncStream<SchedulerNotice>.Continuation? = nil
    ) async throws -> ([GenerationResult], SchedulerMetrics) {
        try await RolloutScheduler.withRunning(configuration, notices: notices) { scheduler in
            let results = try await scheduler.generateStep(requests())
            return (results, await scheduler.metrics())
        }
    }

    /// The fault-free rollouts, per request mode.
    static func baseline(mode: RequestMode = .onePerSample, stream: Bool = false) async throws -> Set<Fingerprint> {
        try await FakeInferenceServer.withServer { server in
            let (results, _) = try await run(configuration([server], mode: mode, stream: stream))
            return try check(results)
        }
    }

    /// No loss, no duplicates; returns the fingerprints.
    static func check(_ results: [GenerationResult], sourceLocation: Testing.SourceLocation = #_sourceLocation) throws -> Set<Fingerprint> {
        let rollouts = results.flatMap(\.rollouts)
        #expect(results.allSatisfy { !$0.partial && $0.errors.isEmpty }, sourceLocation: sourceLocation)
        #expect(rollouts.count == prompts * samples, "no rollout lost", sourceLocation: sourceLocation)
        #expect(Set(rollouts.map(\.id)).count == rollouts.count, "no rollout duplicated", sourceLocation: sourceLocation)
        for r in results {
            #expect(r.rollouts.map(\.sampleIndex) == Array(0..<samples), sourceLocation: sourceLocation)
        }
        return Set(rollouts.map(Fingerprint.init))
    }

    /// Every attempt is a success or a counted failure (without hedging).
    static func checkAccounting(_ m: SchedulerMetrics, calls: Int, sourceLocation: Testing.SourceLocation = #_sourceLocation) {
        let successes = m.endpoints.reduce(0) { $0 + $1.successes }
        let failures = m.endpoints.reduce(0) { $0 + $1.failures }
        #expect(m.attempts == successes + failures, "every attempt accounted for", sourceLocation: sourceLocation)
        #expect(successes == calls, "each request succeeded exactly once", sourceLocation: sourceLocation)
        #expect(m.callsSucceeded == calls && m.callsFailed == 0, sourceLocation: sourceLocation)
        #expect(m.inFlight == 0, sourceLocation: sourceLocation)
    }

    /// Polls `condition` every 10 ms for up to `seconds`.
    static func eventually(seconds: Double = 2, _ condition: () async -> Bool) async -> Bool {
        let end = ContinuousClock.now + .milliseconds(Int(seconds * 1000))
        while ContinuousClock.now < end {
            if await condition() { return true }
            try? await Task.sleep(for: .milliseconds(10))
        }
        return await condition()
    }

    enum Case: String, CaseIterable, CustomTestStringConvertible {
        case status500, status503, status429, resetMidBody, malformedJSON, missingChoices, hang
        var testDescription: String { rawValue }

        var fault: FakeInferenceServer.Fault {
            switch self {
            case .status500: .status(500)
            case .status503: .status(503)
            case .status429: .status(429, retryAfter: 0.02)
            case .resetMidBody: .resetMidBody
            case .malformedJSON: .malformedJSON
            case .missingChoices: .missingChoices
            case .hang: .hang
            }
        }

        var code: InferenceError.Code {
            switch self {
            case .status500, .status503: .serverError
            case .status429: .rateLimited
            case .resetMidBody: .connectionReset
            case .malformedJSON: .malformedBody
            case .missingChoices: .missingChoices
            case .hang: .timeout
            }
        }
    }

    @Test(arguments: Case.allCases)
    func faultBurstOnOneOfTwoServers(_ c: Case) async throws {
        let expected = try await Self.baseline()
        let faulty = try await FakeInferenceServer.start(.init(faults: .burst(c.fault, from: 2, count: 6)))
        let healthy = try await FakeInferenceServer.start()
        let (results, m) = try await Self.run(Self.configuration([faulty, healthy], attemptTimeout: c == .hang ? 0.3 : 2))
        #expect(try Self.check(results) == expected)
        Self.checkAccounting(m, calls: Self.prompts * Self.samples)
        let injected = await faulty.stats().faults[c.fault.kind] ?? 0
        #expect(injected == 6)
        #expect(m.errors[c.code] == injected, "every failure counted with its cause: \(m.errors)")
        #expect(m.errors.values.reduce(0, +) == injected, "and nothing else failed: \(m.errors)")
        #expect(m.retries == injected)
        await faulty.shutdown()
        await healthy.shutdown()
    }

    @Test func burstOnTheOnlyServer() async throws {
        let expected = try await Self.baseline()
        let server = try await FakeInferenceServer.start(
            .init(faults: FakeInferenceServer.FaultPlan([
                .init(requests: 0..<10, fault: .status(500)),
                .init(requests: 10..<13, fault: .status(503)),
                .init(requests: 20..<23, fault: .status(429, retryAfter: 0.01)),
                .init(requests: 30..<32, fault: .malformedJSON),
            ])))
        let (results, m) = try await Self.run(Self.configuration([server]))
        #expect(try Self.check(results) == expected)
        Self.checkAccounting(m, calls: Self.prompts * Self.samples)
        #expect(m.errors[.serverError] == 13)
        #expect(m.errors[.rateLimited] == 3)
        #expect(m.errors[.malformedBody] == 2)
        #expect(m.ejections >= 1, "a run of 500s ejects the endpoint; it is probed back")
        #expect(m.endpoints[0].probes >= 1)
        await server.shutdown()
    }

    @Test func connectionRefused() async throws {
        let expected = try await Self.baseline()
        let dead = try await FakeInferenceServer.start()
        await dead.shutdown()
        let a = try await FakeInferenceServer.start()
        let b = try await FakeInferenceServer.start()
        let (results, m) = try await Self.run(Self.configuration([dead, a, b]))
        #expect(try Self.check(results) == expected)
        Self.checkAccounting(m, calls: Self.prompts * Self.samples)
        #expect((m.errors[.connectionFailed] ?? 0) >= 1, "\(m.errors)")
        #expect(m.errors.keys.allSatisfy { $0 == .connectionFailed }, "\(m.errors)")
        #expect(m.endpoints[0].successes == 0)
        #expect(m.endpoints[0].ejections >= 1)
        await a.shutdown()
        await b.shutdown()
    }

    @Test func serverRestartedMidRun() async throws {
        let expected = try await Self.baseline()
        let crashing = try await FakeInferenceServer.start(
            .init(latency: 0.005, faults: .burst(.crash(downFor: 0.15), from: 8, count: 1)))
        let other = try await FakeInferenceServer.start(.init(latency: 0.005))
        let (results, m) = try await Self.run(Self.configuration([crashing, other]))
        #expect(try Self.check(results) == expected)
        Self.checkAccounting(m, calls: Self.prompts * Self.samples)
        let stats = await crashing.stats()
        #expect(stats.faults["crash"] == 1)
        #expect(await Self.eventually { await crashing.stats().starts == 2 }, "the server came back on the same port")
        let failures = m.errors
        #expect((failures[.connectionReset] ?? 0) + (failures[.connectionFailed] ?? 0) >= 1, "\(failures)")
        #expect(failures.keys.allSatisfy { $0 == .connectionReset || $0 == .connectionFailed }, "\(failures)")
        await crashing.shutdown()
        await other.shutdown()
    }

    @Test func onlyServerRestartedMidRunIsWaitedFor() async throws {
        let expected = try await Self.baseline()
        let server = try await FakeInferenceServer.start(
            .init(latency: 0.002, faults: .burst(.crash(downFor: 0.2), from: 10, count: 1)))
        let (notices, sink) = AsyncStream.makeStream(of: SchedulerNotice.self)
        let (results, m) = try await Self.run(Self.configuration([server]), notices: sink)
        sink.finish()
        #expect(try Self.check(results) == expected)
        Self.checkAccounting(m, calls: Self.prompts * Self.samples)
        #expect(await server.stats().starts == 2, "the only server had to come back for the run to finish")
        #expect(m.endpoints[0].probes >= 1, "the endpoint was ejected and probed back")
        // The outage was reported: ejected once, restored once, no give-up (600 s by default).
        var kinds: [SchedulerNotice.Kind] = []
        for await n in notices {
            #expect(n.endpoint == server.baseURL && n.role == "inference")
            kinds.append(n.kind)
        }
        #expect(kinds == [.ejected, .restored], "\(kinds)")
        await server.shutdown()
    }

    @Test func oneSlowServerAmongFastOnes() async throws {
        let expected = try await Self.baseline()
        let slow = try await FakeInferenceServer.start(.init(latency: 0.25))
        let fast = try await FakeInferenceServer.start(count: 2, .init(latency: 0.002))
        let (results, m) = try await Self.run(
            Self.configuration(
                [slow] + fast, hedging: HedgingPolicy(quantile: 0.9, minSamples: 8, minDelay: 0.02), perEndpoint: 4))
        #expect(try Self.check(results) == expected)
        #expect(m.errors.isEmpty)
        #expect(m.endpoints[0].successes < m.endpoints[1].successes)
        #expect(m.endpoints[0].successes < m.endpoints[2].successes)
        #expect(m.hedges >= 1, "slow requests were hedged on a fast server")
        #expect(m.inFlight == 0)
        let successes = m.endpoints.reduce(0) { $0 + $1.successes }
        #expect(successes >= Self.prompts * Self.samples)
        await slow.shutdown()
        for f in fast { await f.shutdown() }
    }

    @Test func streamingAndNPerRequestSurviveFaults() async throws {
        let expected = try await Self.baseline(mode: .nPerRequest, stream: true)
        let faulty = try await FakeInferenceServer.start(
            .init(faults: FakeInferenceServer.FaultPlan([
                .init(requests: 1..<3, fault: .resetMidBody),
                .init(requests: 4..<5, fault: .status(502)),
            ])))
        let healthy = try await FakeInferenceServer.start()
        let (results, m) = try await Self.run(Self.configuration([faulty, healthy], mode: .nPerRequest, stream: true))
        #expect(try Self.check(results) == expected)
        Self.checkAccounting(m, calls: Self.prompts)
        #expect(m.errors[.connectionReset] == 2)
        #expect(m.errors[.serverError] == 1)
        #expect(results.flatMap(\.rollouts).allSatisfy { $0.timing?.firstTokenAt != nil })
        await faulty.shutdown()
        await healthy.shutdown()
    }

    @Test func judgeCallsGetTheSameFaultTolerance() async throws {
        let server = try await FakeInferenceServer.start(.init(faults: .every(2, .status(503))))
        let config = Self.configuration([server])
        let answers = try await RolloutScheduler.withRunning(config) { scheduler in
            var out: [String] = []
            for k in 0..<5 {
                let call = InferenceCall(
                    api: .chat, model: "judge", input: .chat([ChatMessage(role: "user", content: "criterion \(k)?")]),
                    sampling: SamplingParams(temperature: 0, maxTokens: 4, logprobs: false), seed: 1)
                out.append(try await scheduler.complete(call, timeout: 5).choices[0].text)
            }
            let m = await scheduler.metrics()
            #expect(m.errors[.serverError] == 5)
            return out
        }
        #expect(answers.count == 5 && answers.allSatisfy { !$0.isEmpty })
        await server.shutdown()
    }
}

/// Policy versions, admission and step deadlines through the running service.
@Suite("Rollout scheduler service")
struct RolloutSchedulerServiceTests {
    @Test func rolloutsAreTaggedWithThePolicyVersionAndAdmissionWaitsForIt() async throws {
        let server = try await FakeInferenceServer.start()
        var config = FaultToleranceTests.configuration([server])
        config.admission = AdmissionPolicy(maxStaleness: 0, batchSize: 2)
        try await RolloutScheduler.withRunning(config) { scheduler in
            let requests = FaultToleranceTests.requests()
            let first = try await scheduler.generateStep(Array(requests[0..<2]))
            #expect(first.flatMap(\.rollouts).allSatisfy { $0.policyVersion == 0 })
            // Capacity is spent: the next group waits until the trainer publishes version 1.
            async let waiting = scheduler.submit(requests[2])
            #expect(await FaultToleranceTests.eventually { await scheduler.metrics().groupsWaitingForAdmission == 1 })
            await scheduler.updatePolicyVersion(1)
            let third = try await waiting
            #expect(third.rollouts.count == FaultToleranceTests.samples)
            #expect(third.rollouts.allSatisfy { $0.policyVersion == 1 })
        }
        await server.shutdown()
    }

    @Test func stepDeadlineReturnsPartialGroupsFlagged() async throws {
        // Requests 3 and 7 hang; the step closes after 5 s with those samples missing (generous,
        // so the 14 others finish even on a loaded 2-core machine).
        let server = try await FakeInferenceServer.start(
            .init(faults: FakeInferenceServer.FaultPlan([
                .init(requests: 3..<4, fault: .hang), .init(requests: 7..<8, fault: .hang),
            ])))
        var config = FaultToleranceTests.configuration([server], attemptTimeout: 30)
        config.stepDeadline = .partialAfter(seconds: 5)
        let results = try await RolloutScheduler.withRunning(config) { scheduler in
            try await scheduler.generateStep(Array(FaultToleranceTests.requests()[0..<4]))
        }
        let partial = results.filter(\.partial)
        // The two hung samples are always missing. On a quiet machine exactly those two are;
        // under a fully loaded test run more samples can miss the deadline, so the exact
        // count is not asserted (it passes alone; it flaked in the full parallel suite).
        #expect(partial.count >= 1)
        #expect(results.flatMap(\.rollouts).count <= 4 * FaultToleranceTests.samples - 2)
        for r in results {
            #expect(r.partial == (r.rollouts.count < FaultToleranceTests.samples))
            #expect(r.rollouts.count + r.errors.count == FaultToleranceTests.samples)
            #expect(Set(r.rollouts.map(\.sampleIndex)).count == r.rollouts.count)
        }
        #expect(partial.allSatisfy { $0.errors.allSatisfy { $0.code == .deadlineExceeded } })
        await server.shutdown()
    }

    @Test func referenceLogprobsThroughTheScheduler() async throws {
        let server = try await FakeInferenceServer.start(.init(faults: .burst(.status(500), count: 1)))
        let policy = try await FakeInferenceServer.start()
        let rollout = try await RolloutScheduler.withRunning(FaultToleranceTests.configuration([policy])) { s in
            try await s.submit(FaultToleranceTests.requests()[0]).rollouts[0]
        }
        var config = SchedulerConfiguration(
            reference: ReferenceConfig(model: "ref", endpoints: [EndpointConfig(url: server.baseURL, maxConcurrency: 4)]))
        config.backoff = BackoffPolicy(base: 0.001, maximum: 0.01)
        let mean = try await RolloutScheduler.withRunning(config) { s in try await s.referenceLogprobMean(of: rollout) }
        let ids = try #require(rollout.completionTokenIDs)
        let p = try #require(rollout.promptTokenIDs)
        let expected = ids.indices.map { FakeModel.promptLogprob(tokenID: ids[$0], position: p.count + $0) }
        #expect(abs(mean - expected.reduce(0, +) / Double(expected.count)) < 1e-12)
        await server.shutdown()
        await policy.shutdown()
    }

    @Test func gracefulShutdownFailsNewSubmissions() async throws {
        let server = try await FakeInferenceServer.start()
        let scheduler = try RolloutScheduler(configuration: FaultToleranceTests.configuration([server]))
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await scheduler.run() }
            _ = try await scheduler.submit(FaultToleranceTests.requests()[0])
            scheduler.stop()
            try await group.waitForAll()
        }
        await #expect(throws: InferenceError.self) { try await scheduler.submit(FaultToleranceTests.requests()[1]) }
        await server.shutdown()
    }
}
