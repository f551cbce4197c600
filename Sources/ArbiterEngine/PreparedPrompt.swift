import ArbiterCore
import ArbiterInference
import ArbiterRewards

/// A dataset item rendered for generation in one step: what is sent, and what scoring needs.
public struct PreparedPrompt: Sendable {
    /// Where it was drawn.
    public var draw: PromptDraw
    /// The item.
    public var prompt: Prompt
    /// What the policy is sent.
    public var input: PromptInput
    /// For a multiple-choice item: the rendered question with the option order shown.
    public var choice: MultipleChoicePrompt?

    /// Renders `prompt` for the policy.
    ///
    /// Multiple-choice items are shuffled per group (all n samples of a prompt share one prompt
    /// text, which `n_per_request` needs and keeps prefix caching useful) with the seeded
    /// permutation of (run seed, epoch, prompt id); the order is recorded through the prompt text
    /// and the stored permutation-dependent indices. MoReBench scenarios are sent as the dilemma.
    public init(prompt: Prompt, draw: PromptDraw, config: RunConfig, style: AnswerStyle) {
        self.draw = draw
        self.prompt = prompt
        let text: String
        switch prompt.payload {
        case .multipleChoice(let item):
            let count = item.options.count
            let permutation =
                config.rewards.answer.shuffleOptions
                ? OptionPermutation.seeded(
                    count: count, runSeed: config.run.seed &+ UInt64(draw.epoch) &* 0x9E37_79B9_7F4A_7C15, promptID: prompt.id,
                    sampleIndex: 0)
                : .identity(count)
            let rendered = MultipleChoicePrompt(item: item, permutation: permutation, style: style)
            choice = rendered
            text = rendered.text
        case .rubric(let scenario):
            choice = nil
            text = scenario.dilemma
        }
        switch config.policy.api {
        case .chat:
            input = .chat([ChatMessage(role: "user", content: text)])
        case .completions:
            if let template = config.policy.promptTemplate {
                input = .text(
                    template.replacingOccurrences(of: "{system}", with: config.policy.systemPrompt ?? "")
                        .replacingOccurrences(of: "{prompt}", with: text))
            } else {
                let system = config.policy.systemPrompt.map { $0 + "\n\n" } ?? ""
                input = .text(system + text)
            }
        }
    }
}
