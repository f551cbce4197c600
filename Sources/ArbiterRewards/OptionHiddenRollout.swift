import ArbiterCore

/// "Think first, match later": the policy reasons without seeing the options, then the options
/// are appended after its `</think>` and it continues (completions API, raw prefix).
///
/// Pure text logic; sending the two requests is the inference client's job.
public enum OptionHiddenRollout {
    /// The phase-1 prompt: story and question, no options, and the instruction to think first.
    public static func phase1Prompt(_ item: MultipleChoiceItem, style: AnswerStyle) -> String {
        let zh = item.language == "zh"
        let instruction =
            zh
            ? "请先在 <think></think> 中逐步思考。思考结束（</think>）后才会给出选项。"
            : "Think step by step inside <think></think>. The answer options will be shown after you finish thinking (after </think>)."
        return MultipleChoicePrompt.storyAndQuestion(item) + "\n\n" + instruction
    }

    /// The continuation of a phase-1 generation, or nil when the phase-1 text has no `</think>`
    /// (the rollout cannot continue and fails the format check).
    ///
    /// - Parameters:
    ///   - rawPrompt: the exact raw text phase 1 was generated from (chat template applied).
    ///   - phase1Text: the phase-1 generation; everything after its first `</think>` is dropped.
    public static func continuation(
        rawPrompt: String, phase1Text: String, item: MultipleChoiceItem, permutation: OptionPermutation, style: AnswerStyle
    ) -> OptionHiddenContinuation? {
        let split = ThinkSplit(phase1Text)
        guard let end = split.firstCloseEnd else { return nil }
        let thinking = String(String.UnicodeScalarView(Array(phase1Text.unicodeScalars)[0..<end]))
        let zh = item.language == "zh"
        let options = permutation.apply(OptionText.clean(item.options))
        var block = zh ? "\n\n选项：\n" : "\n\nOptions:\n"
        block += MultipleChoicePrompt.optionLines(options)
        block += "\n\n"
        let letters = MultipleChoicePrompt.letterList(options.count, chinese: zh)
        switch (style, zh) {
        case (.answerTag, false):
            block += "Give only the letter of the option that matches your reasoning (\(letters)) inside <Answer></Answer>.\n"
        case (.answerTag, true): block += "只在 <Answer></Answer> 中给出与你的推理相符的选项字母（\(letters)）。\n"
        case (.doubleBrackets, false):
            block += "Output only the letter of the option that matches your reasoning (\(letters)), like [[X]].\n"
        case (.doubleBrackets, true): block += "只输出与你的推理相符的选项字母（\(letters)），格式为 [[X]]。\n"
        }
        return OptionHiddenContinuation(rawPrompt: rawPrompt, thinking: thinking, optionsBlock: block, permutation: permutation)
    }
}

/// Phase 2 of an option-hidden rollout.
public struct OptionHiddenContinuation: Sendable, Hashable, Codable {
    /// The phase-1 raw prompt.
    public var rawPrompt: String
    /// The phase-1 text up to and including the first `</think>`.
    public var thinking: String
    /// The options and answer instruction appended after `</think>`.
    public var optionsBlock: String
    /// The option order shown.
    public var permutation: OptionPermutation

    /// The raw prefix to send to the completions API for phase 2.
    public var prefix: String { rawPrompt + thinking + optionsBlock }

    /// The whole transcript after the prompt: thinking, the inserted options block, the phase-2 text.
    public func transcript(phase2Text: String) -> String { thinking + optionsBlock + phase2Text }

    /// What the policy generated: the thinking and the phase-2 text, without the inserted block
    /// (whose instructions quote the answer syntax). Verify and score this text.
    public func generatedText(phase2Text: String) -> String { thinking + phase2Text }
}
