import ArbiterCore

/// A multiple-choice item rendered for one rollout, with the stored permutation.
public struct MultipleChoicePrompt: Sendable, Hashable, Codable {
    /// The prompt text (story, question, lettered options, answer-format instructions).
    public var text: String
    /// The option order shown.
    public var permutation: OptionPermutation
    /// Option texts in displayed order, prefixes stripped.
    public var displayedOptions: [String]
    /// The gold option's displayed position.
    public var goldDisplayedIndex: Int
    /// The gold option's displayed letter.
    public var goldLetter: String

    /// Renders an item: story, question, options lettered in `permutation` order, and the
    /// instructions for `style`, in the item's language (`zh` gets Chinese labels and
    /// instructions; anything else English).
    public init(item: MultipleChoiceItem, permutation: OptionPermutation, style: AnswerStyle) {
        let options = permutation.apply(OptionText.clean(item.options))
        self.permutation = permutation
        self.displayedOptions = options
        self.goldDisplayedIndex = permutation.displayedIndex(ofOriginal: item.goldIndex)
        self.goldLetter = Self.letter(goldDisplayedIndex)
        let zh = item.language == "zh"
        var t = Self.storyAndQuestion(item)
        t += zh ? "\n\n选项：\n" : "\n\nOptions:\n"
        t += Self.optionLines(options)
        t += "\n\n" + Self.instructions(style: style, optionCount: options.count, chinese: zh)
        self.text = t
    }

    /// The letter of a displayed position (`0` → `A`).
    public static func letter(_ index: Int) -> String {
        String(Character(Unicode.Scalar(UInt8(65 + index))))
    }

    /// `"A. text\nB. text"`.
    public static func optionLines(_ options: [String]) -> String {
        options.enumerated().map { "\(letter($0.offset)). \($0.element)" }.joined(separator: "\n")
    }

    /// `"A, B, C or D"` (`"A or B"` for two options).
    static func letterList(_ count: Int, chinese: Bool) -> String {
        let letters = (0..<count).map(letter)
        guard letters.count > 1 else { return letters.joined() }
        return letters.dropLast().joined(separator: chinese ? "、" : ", ") + (chinese ? " 或 " : " or ") + letters.last!
    }

    /// The story and question block.
    static func storyAndQuestion(_ item: MultipleChoiceItem) -> String {
        item.language == "zh"
            ? "故事：\n\(item.story.trimmingWhitespace())\n\n问题：\(item.question.trimmingWhitespace())"
            : "Story:\n\(item.story.trimmingWhitespace())\n\nQuestion: \(item.question.trimmingWhitespace())"
    }

    /// The answer-format instructions.
    public static func instructions(style: AnswerStyle, optionCount: Int, chinese: Bool = false) -> String {
        let letters = letterList(optionCount, chinese: chinese)
        switch (style, chinese) {
        case (.answerTag, false):
            return
                "Think step by step inside <think></think>. Then give only the letter of the correct option (\(letters)) inside <Answer></Answer>."
        case (.answerTag, true):
            return "请先在 <think></think> 中逐步思考，然后只在 <Answer></Answer> 中给出正确选项的字母（\(letters)）。"
        case (.doubleBrackets, false):
            return "Choose the most likely option. Output only its letter (\(letters)) in double square brackets, like [[X]]."
        case (.doubleBrackets, true):
            return "请选择最可能的选项，只输出其字母（\(letters)），格式为 [[X]]。"
        }
    }
}

/// The verdict on one multiple-choice completion, mapped back to the original option order.
public struct MultipleChoiceVerification: Sendable, Hashable, Codable {
    /// The extracted answer (displayed space).
    public var extraction: AnswerExtraction
    /// The permutation the rollout was shown.
    public var permutation: OptionPermutation
    /// The predicted option in original order (nil unless the parse is `ok`).
    public var predictedOriginalIndex: Int?
    /// The gold option in original order.
    public var goldOriginalIndex: Int
    /// Whether the prediction is the gold option. A parse failure is never correct.
    public var correct: Bool

    /// Verifies a completion against an item shown in `permutation` order.
    public init(completion: String, item: MultipleChoiceItem, permutation: OptionPermutation, style: AnswerStyle) {
        let extraction = AnswerExtraction.extract(completion, style: style, optionCount: item.options.count)
        self.extraction = extraction
        self.permutation = permutation
        self.goldOriginalIndex = item.goldIndex
        self.predictedOriginalIndex = extraction.index.map { permutation.originalIndex(ofDisplayed: $0) }
        self.correct = predictedOriginalIndex == item.goldIndex
    }

    /// The gold option's displayed letter.
    public var goldLetter: String { MultipleChoicePrompt.letter(permutation.displayedIndex(ofOriginal: goldOriginalIndex)) }

    /// The predicted displayed letter (nil unless the parse is `ok`).
    public var predictedLetter: String? { extraction.index.map(MultipleChoicePrompt.letter) }
}
