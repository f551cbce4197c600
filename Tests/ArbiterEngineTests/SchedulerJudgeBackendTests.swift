import ArbiterCore
import ArbiterEngine
import ArbiterInference
import ArbiterRewards
import ArbiterTesting
import Foundation
import Testing

/// Rubric judging through the scheduler against a fake OpenAI-compatible server on loopback.
///
/// The fake model never answers a clean yes/no, so every verdict that reached the judge is
/// `non_binary`; a verdict whose call was lost would be `failed`. That difference is what
/// shows the judge calls got the scheduler's fault tolerance.
@Suite("Judge calls through the scheduler")
struct SchedulerJudgeBackendTests {
    static let criteria = [
        RubricCriterion(id: "c1", title: "Identifies the tension.", weight: 3, dimension: .identifying),
        RubricCriterion(id: "c2", title: "Gives a recommendation.", weight: 2, dimension: .helpfulOutcome),
        RubricCriterion(id: "c3", title: "Blames someone else.", weight: -2, dimension: .harmlessOutcome),
    ]

    static func judgeConfig(_ urls: [String], retries: Int, policy: VerdictFailurePolicy) -> JudgeConfig {
        JudgeConfig(
            model: "judge", endpoints: urls.map { EndpointConfig(url: $0, maxConcurrency: 4) },
            rubric: "rubrics/morebench/official.yaml", parser: .strict, maxRetries: retries, failurePolicy: policy,
            sampling: SamplingParams(temperature: 0, maxTokens: 4, seed: 1, logprobs: false))
    }

    static func template() throws -> JudgeTemplate {
        try JudgeTemplate.load(path: "rubrics/morebench/official.yaml", relativeTo: SharedFixtures.packageRoot)
    }

    @Test func verdictsSurviveServerErrorsAndRetriesReachTheJudge() async throws {
        let server = try await FakeInferenceServer.start(.init(faults: .every(2, .status(503))))
        let config = Self.judgeConfig([server.baseURL], retries: 1, policy: .missing)
        var schedConfig = SchedulerConfiguration(judge: config)
        schedConfig.attemptTimeout = 5
        let judgement = try await RolloutScheduler.withRunning(schedConfig) { scheduler in
            let judge = try RubricJudge(
                template: try Self.template(), config: config, backend: SchedulerJudgeBackend(scheduler: scheduler, api: .chat, timeout: 10))
            let j = try await judge.judge(
                completion: "<think>hmm</think>I would tell her now.", truncated: false, criteria: Self.criteria,
                session: JudgeSession())
            let m = await scheduler.metrics()
            #expect(m.errors[.serverError, default: 0] >= 1)
            return j
        }
        await server.shutdown()
        #expect(judgement.verdicts.count == Self.criteria.count)
        #expect(judgement.verdicts.allSatisfy { $0.verdict.status == .nonBinary })
        // One retry per non-binary verdict: two calls each.
        #expect(judgement.verdicts.allSatisfy { $0.calls == 2 })
        // Under the `missing` policy an undecided verdict makes the reward missing, never 0.
        #expect(judgement.reward == nil)
        #expect(judgement.templateHash == (try Self.template()).hash)
    }

    @Test func anUnreachableJudgeYieldsFailedVerdictsNotZeros() async throws {
        // A port nothing listens on: every attempt is refused until the deadline.
        let server = try await FakeInferenceServer.start()
        let url = server.baseURL
        await server.shutdown()
        let config = Self.judgeConfig([url], retries: 0, policy: .exclude)
        var schedConfig = SchedulerConfiguration(judge: config)
        schedConfig.attemptTimeout = 1
        let judgement = try await RolloutScheduler.withRunning(schedConfig) { scheduler in
            let judge = try RubricJudge(
                template: try Self.template(), config: config, backend: SchedulerJudgeBackend(scheduler: scheduler, api: .chat, timeout: 1.5))
            return try await judge.judge(completion: "An answer.", truncated: false, criteria: Self.criteria, session: JudgeSession())
        }
        #expect(judgement.verdicts.allSatisfy { $0.verdict.status == .failed })
        #expect(judgement.reward == nil)
    }
}
