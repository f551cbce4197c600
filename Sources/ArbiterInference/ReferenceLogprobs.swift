import ArbiterCore

/// Scores a finished completion under a reference model: the mean logprob of the completion's
/// tokens (ℓ_ref for FlowRL's trajectory balance and KL diagnostics).
///
/// Two wire methods, both one `/v1/completions` call with `max_tokens: 1` whose one generated
/// token is ignored:
/// - ``Method/echo``: `echo: true` with `logprobs`; the prompt-and-completion logprobs come back
///   in `choices[0].logprobs` (completions shape, first entry null). vLLM and SGLang.
/// - ``Method/promptLogprobs``: vLLM's `prompt_logprobs: 0`; the logprobs come back in
///   `prompt_logprobs` keyed by token id.
///
/// With the rollout's token ids, the prompt is sent as ids (`prompt + completion`) and the last
/// `completion.count` positions are the completion's, exactly. Without ids, the text is sent and
/// the completion's tokens are those whose `text_offset` is at or past the prompt's length.
public enum ReferenceLogprobs {
    /// How logprobs are requested.
    public enum Method: String, Sendable, Hashable, CaseIterable {
        case echo
        case promptLogprobs = "prompt_logprobs"
    }

    /// The scoring call for `rollout` under `model`.
    public static func call(for rollout: Rollout, model: String, method: Method = .echo) -> InferenceCall {
        let input: PromptInput
        if let p = rollout.promptTokenIDs, let c = rollout.completionTokenIDs {
            input = .tokens(p + c)
        } else {
            input = .text(rollout.promptText + rollout.completionText)
        }
        return InferenceCall(
            api: .completions, model: model, input: input, n: 1,
            sampling: SamplingParams(temperature: 0, topP: 1, maxTokens: 1, logprobs: method == .echo),
            seed: nil, stream: false, returnTokenIDs: true, echo: method == .echo,
            promptLogprobs: method == .promptLogprobs ? 0 : nil)
    }

    /// The mean logprob of `rollout`'s completion tokens in a response to ``call(for:model:method:)``.
    public static func mean(in response: InferenceResponse, for rollout: Rollout) throws(InferenceError) -> Double {
        let values = try completionLogprobs(in: response, for: rollout)
        guard !values.isEmpty else {
            throw InferenceError(.invalidInput, "the completion has no tokens to score", context: rollout.id)
        }
        return values.reduce(0, +) / Double(values.count)
    }

    /// The per-token reference logprobs of `rollout`'s completion.
    public static func completionLogprobs(in response: InferenceResponse, for rollout: Rollout) throws(InferenceError)
        -> [Double]
    {
        let byIDs = rollout.promptTokenIDs != nil && rollout.completionTokenIDs != nil
        let promptCount = rollout.promptTokenIDs?.count ?? 0
        let completionCount = rollout.completionTokenIDs?.count ?? 0
        if let prompt = response.promptLogprobs, byIDs {
            return try slice(prompt, from: promptCount, count: completionCount, rollout: rollout)
        }
        guard let choice = response.choices.first, let logprobs = choice.logprobs else {
            throw InferenceError(.missingChoices, "no echoed logprobs or prompt_logprobs in the response", context: rollout.id)
        }
        if byIDs {
            return try slice(logprobs, from: promptCount, count: completionCount, rollout: rollout)
        }
        guard let offsets = choice.textOffsets, offsets.count == logprobs.count else {
            throw InferenceError(.malformedBody, "echoed logprobs without text offsets", context: rollout.id)
        }
        let start = rollout.promptText.count
        let end = start + rollout.completionText.count
        var out: [Double] = []
        for (offset, lp) in zip(offsets, logprobs) where offset >= start && offset < end {
            guard let lp else {
                throw InferenceError(.malformedBody, "null logprob inside the completion", context: rollout.id)
            }
            out.append(lp)
        }
        return out
    }

    private static func slice(_ values: [Double?], from start: Int, count: Int, rollout: Rollout) throws(InferenceError)
        -> [Double]
    {
        guard start + count <= values.count else {
            throw InferenceError(
                .malformedBody, "expected at least \(start + count) prompt logprobs, got \(values.count)", context: rollout.id)
        }
        var out: [Double] = []
        out.reserveCapacity(count)
        for v in values[start..<(start + count)] {
            guard let v else { throw InferenceError(.malformedBody, "null logprob inside the completion", context: rollout.id) }
            out.append(v)
        }
        return out
    }
}

extension RolloutScheduler {
    /// The mean logprob of `rollout`'s completion under this scheduler's model (configure the
    /// scheduler with ``SchedulerConfiguration/init(reference:seed:)``), through the same fault
    /// tolerance as every other call.
    public nonisolated func referenceLogprobMean(of rollout: Rollout, method: ReferenceLogprobs.Method = .echo)
        async throws(InferenceError) -> Double
    {
        let call = ReferenceLogprobs.call(for: rollout, model: configuration.generation.model, method: method)
        let response = try await complete(call)
        return try ReferenceLogprobs.mean(in: response, for: rollout)
    }
}
