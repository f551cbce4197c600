import ArbiterCore
import ArbiterInference
import ArbiterRewards

/// Runs judge calls through a ``ArbiterInference/RolloutScheduler``, so judges get the same
/// routing, retries, circuit breaking and rate limits as rollouts.
///
/// A call the scheduler finally gives up on throws; the rewards module records it as a
/// failed verdict (a missing criterion or component, never a 0).
public struct SchedulerJudgeBackend: JudgeBackend {
    /// The judge's scheduler (built from ``ArbiterInference/SchedulerConfiguration/init(judge:seed:)``).
    public let scheduler: RolloutScheduler
    /// Chat or completions, as the judge config says.
    public let api: InferenceAPI
    /// Overall deadline of one judge call, seconds (nil: the scheduler's request deadline).
    public let timeout: Double?

    /// Creates a backend.
    public init(scheduler: RolloutScheduler, api: InferenceAPI, timeout: Double? = nil) {
        self.scheduler = scheduler
        self.api = api
        self.timeout = timeout
    }

    public func complete(_ request: JudgeRequest) async throws -> JudgeResponse {
        let input: PromptInput
        switch api {
        case .chat:
            input = .chat(request.messages)
        case .completions:
            input = .text(request.messages.map(\.content).joined(separator: "\n\n"))
        }
        let call = InferenceCall(
            api: api, model: request.model, input: input, sampling: request.sampling, seed: request.sampling.seed,
            returnTokenIDs: false)
        let response: InferenceResponse
        do {
            response = try await scheduler.complete(call, timeout: timeout)
        } catch {
            throw JudgeBackendFailure("judge call failed: \(error)")
        }
        guard let choice = response.choices.first else {
            throw JudgeBackendFailure("judge answer has no choices")
        }
        return JudgeResponse(
            text: choice.text, finishReason: choice.finishReason, inputTokens: response.usage?.promptTokens,
            outputTokens: response.usage?.completionTokens)
    }
}
