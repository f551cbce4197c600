import ArbiterCore

/// The result of scoring one Social-R1 rollout.
public struct SocialR1Result: Sendable, Hashable, Codable {
    /// The components (config order, weights at the step) and the total under the missing policy.
    public var reward: RewardVector
    /// The verifier's verdict (original option space).
    public var verification: MultipleChoiceVerification
    /// The format check.
    public var format: FormatCheck
    /// The length component's details.
    public var length: LengthRewardResult
    /// Judge results of the process components that were judged.
    public var judgements: [ProcessJudgement]
    /// Components set to 0 because a `requires` gate failed.
    public var gated: [String]
    /// Judge components not judged because their weight at the step is 0 (value nil).
    public var skipped: [String]
}

/// Social-R1's multi-dimensional trajectory reward.
///
/// Components (each a ``ArbiterCore/RewardComponent`` with its weight at the step):
/// - `format`: ``FormatCheck`` (1 or 0).
/// - `outcome`: 1 when the verified answer is the gold option, else 0. A parse failure is a
///   wrong answer (0) — it is the policy's output, not a failed measurement — and `format` is 0 too.
/// - `structure`, `content`: ``ProcessJudge`` scores in [0, 1]; a failed, denied or unreadable
///   judge call makes the value nil (missing), never 0. Empty reasoning scores 0 without a call.
///   When the component's weight at the step is 0 no call is made and the value is nil.
/// - `length`: ``LengthRewardResult`` on the reasoning (the `<think>` text, or the whole
///   completion without one).
///
/// Gating: a component with `requires` is 0 (and not judged) when any required component is
/// below `gate_threshold`, and nil when a required component is missing. Components are computed
/// in dependency order; `requires` may name any of the five components.
public struct SocialR1Scorer: Sendable {
    /// The component names this scorer knows.
    public static let componentNames = ["format", "outcome", "structure", "content", "length"]

    /// The reward settings (components, missing policy, answer style, length).
    public var rewards: RewardConfig
    /// The answer style.
    public var style: AnswerStyle
    /// The structure judge (needed when `structure` is enabled).
    public var structure: ProcessJudge?
    /// The content judge (needed when `content` is enabled).
    public var content: ProcessJudge?
    /// Components in evaluation (dependency) order.
    let evaluationOrder: [String]

    /// Creates a scorer.
    ///
    /// - Throws: ``RewardsError`` (`invalid_config`) for unknown or repeated component names,
    ///   unknown or cyclic `requires`, an unknown answer style, or an enabled judge component
    ///   without its judge.
    public init(rewards: RewardConfig, structure: ProcessJudge? = nil, content: ProcessJudge? = nil) throws {
        let components = rewards.effectiveComponents
        var seen = Set<String>()
        for (i, c) in components.enumerated() {
            let ctx = "rewards.components[\(i)]"
            guard Self.componentNames.contains(c.name) else {
                throw RewardsError(
                    .invalidConfig, "unknown Social-R1 component `\(c.name)` (known: \(Self.componentNames.joined(separator: ", ")))",
                    context: ctx)
            }
            guard seen.insert(c.name).inserted else {
                throw RewardsError(.invalidConfig, "component `\(c.name)` is listed twice", context: ctx)
            }
            for r in c.requires where !Self.componentNames.contains(r) || r == c.name {
                throw RewardsError(.invalidConfig, "`\(c.name)` requires unknown component `\(r)`", context: ctx)
            }
        }
        if seen.contains("structure"), structure == nil {
            throw RewardsError(
                .invalidConfig, "the `structure` component needs a judge and the structure template (`rewards.structure_rubric`)")
        }
        if seen.contains("content"), content == nil {
            throw RewardsError(.invalidConfig, "the `content` component needs a judge and the content template (`rewards.content_rubric`)")
        }
        // Dependency order over the five names (requires of components not listed are empty).
        var requires: [String: [String]] = [:]
        for c in components { requires[c.name] = c.requires }
        var order: [String] = []
        var state: [String: Int] = [:]
        func visit(_ n: String, _ path: [String]) throws {
            if state[n] == 2 { return }
            if state[n] == 1 {
                throw RewardsError(
                    .invalidConfig, "cyclic `requires`: \((path + [n]).joined(separator: " -> "))", context: "rewards.components")
            }
            state[n] = 1
            for r in requires[n] ?? [] { try visit(r, path + [n]) }
            state[n] = 2
            order.append(n)
        }
        for n in Self.componentNames { try visit(n, []) }
        self.rewards = rewards
        self.style = try AnswerStyle(config: rewards.answer)
        self.structure = structure
        self.content = content
        self.evaluationOrder = order
    }

    /// Scores one rollout.
    ///
    /// - Parameters:
    ///   - completion: the policy's generated text (for option-hidden rollouts,
    ///     ``OptionHiddenContinuation/generatedText(phase2Text:)``).
    ///   - item: the item; `permutation` the option order the rollout was shown.
    ///   - step: the training step (weights follow the curriculum).
    ///   - reasoningTokens: the reasoning length in tokens, when known (else words are counted).
    public func score(
        completion: String, item: MultipleChoiceItem, permutation: OptionPermutation, step: Int, reasoningTokens: Int? = nil,
        session: JudgeSession
    ) async -> SocialR1Result {
        let verification = MultipleChoiceVerification(completion: completion, item: item, permutation: permutation, style: style)
        let format = FormatCheck(completion: completion, style: style, optionCount: item.options.count)
        let split = ThinkSplit(completion)
        let reasoning = split.sections.isEmpty ? completion.trimmingWhitespace() : split.reasoning.trimmingWhitespace()
        let length = LengthRewardResult(reasoning: reasoning, tokens: reasoningTokens, config: rewards.length)
        let configs = rewards.effectiveComponents
        let byName = Dictionary(uniqueKeysWithValues: configs.map { ($0.name, $0) })
        let displayed = permutation.apply(OptionText.clean(item.options))
        let values = [
            "story": item.story.trimmingWhitespace(), "question": item.question.trimmingWhitespace(),
            "options": MultipleChoicePrompt.optionLines(displayed), "reasoning": reasoning,
            "answer": split.outside.trimmingWhitespace(), "response": completion.trimmingWhitespace(),
        ]

        var computed: [String: Double?] = [:]
        var gated: [String] = []
        var skipped: [String] = []
        var judgements: [ProcessJudgement] = []
        for name in evaluationOrder {
            let cfg = byName[name]
            if let cfg, !cfg.requires.isEmpty {
                let required = cfg.requires.map { computed[$0] ?? nil }
                if required.contains(where: { $0 == nil }) {
                    computed[name] = .some(nil)
                    continue
                }
                if required.contains(where: { $0! < cfg.gateThreshold }) {
                    computed[name] = 0
                    gated.append(name)
                    continue
                }
            }
            switch name {
            case "format": computed[name] = format.value
            case "outcome": computed[name] = verification.correct ? 1 : 0
            case "length": computed[name] = length.value
            default:
                guard let cfg, let judge = name == "structure" ? structure : content else {
                    computed[name] = .some(nil)
                    continue
                }
                if cfg.weight(atStep: step) == 0 {
                    computed[name] = .some(nil)
                    skipped.append(name)
                } else if reasoning.isEmpty {
                    computed[name] = 0
                } else {
                    let j = await judge.judge(values: values, session: session)
                    judgements.append(j)
                    computed[name] = .some(j.value)
                }
            }
        }
        let components = configs.map { RewardComponent(name: $0.name, value: computed[$0.name] ?? nil, weight: $0.weight(atStep: step)) }
        return SocialR1Result(
            reward: RewardVector(components: components, missing: rewards.missingPolicy), verification: verification, format: format,
            length: length, judgements: judgements, gated: gated, skipped: skipped
        )
    }
}
