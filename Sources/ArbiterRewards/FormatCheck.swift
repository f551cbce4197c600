import ArbiterCore

/// Social-R1's `format` rule: the completion is `<think>reasoning</think>` followed by exactly one
/// parseable answer in the configured style.
///
/// Valid when: exactly one think section, opened in the completion (or opened by the chat
/// template, i.e. the completion starts inside it) and closed; nothing but whitespace before it;
/// non-empty reasoning; no stray `</think>`; and the answer extraction is `ok` (one answer, outside
/// the think section, a letter addressing an option). Value 1 when valid, else 0.
public struct FormatCheck: Sendable, Hashable, Codable {
    /// Whether the format is valid.
    public var valid: Bool
    /// What is wrong (empty when valid).
    public var problems: [String]

    /// The component value: 1 or 0.
    public var value: Double { valid ? 1 : 0 }

    /// Checks a completion.
    public init(completion: String, style: AnswerStyle, optionCount: Int) {
        let split = ThinkSplit(completion)
        var problems: [String] = []
        let sections = split.openTags + (split.openedInPrompt ? 1 : 0)
        if sections == 0 { problems.append("no <think> section") }
        if sections > 1 { problems.append("more than one <think> section") }
        if split.unclosed { problems.append("<think> is never closed") }
        if split.strayCloseTags > 0 { problems.append("stray </think>") }
        if split.openTags > 0, !split.openedInPrompt {
            let before = completion.lowercased().components(separatedBy: "<think>").first ?? ""
            if !before.trimmingWhitespace().isEmpty { problems.append("text before <think>") }
        }
        if sections >= 1, split.reasoning.trimmingWhitespace().isEmpty { problems.append("empty reasoning") }
        let extraction = AnswerExtraction.extract(completion, style: style, optionCount: optionCount)
        if extraction.status != .ok { problems.append("answer: \(extraction.status.rawValue)") }
        self.problems = problems
        self.valid = problems.isEmpty
    }
}

/// The `length` (information density) component's details.
public struct LengthRewardResult: Sendable, Hashable, Codable {
    /// The component value in [0, 1].
    public var value: Double
    /// Length used (tokens when given, else words of the reasoning).
    public var length: Int
    /// The length shape before penalties.
    public var base: Double
    /// Repeated word-trigram fraction: 1 − distinct / total.
    public var repetition: Double
    /// Hesitation tokens found.
    public var hesitations: Int

    /// Scores a reasoning text.
    ///
    /// base = L / floor below `floor`, 1 on [floor, ceiling], then 1 − (L − ceiling) / ceiling down
    /// to 0 at 2 × ceiling (0 for L = 0); value = clamp(base − repetition_penalty · repetition −
    /// hesitation_penalty · hesitations, 0, 1). `target` lies inside the plateau and is not
    /// otherwise used. Words are lower-cased, edge punctuation stripped; a hesitation token may
    /// be several words (`hold on`).
    public init(reasoning: String, tokens: Int? = nil, config: LengthRewardConfig) {
        let words = Self.words(reasoning)
        let length = tokens ?? words.count
        let floor = max(1, config.floor)
        let ceiling = max(floor, config.ceiling)
        let base: Double
        if length <= 0 {
            base = 0
        } else if length < floor {
            base = Double(length) / Double(floor)
        } else if length <= ceiling {
            base = 1
        } else {
            base = max(0, 1 - Double(length - ceiling) / Double(ceiling))
        }
        var repetition = 0.0
        if words.count >= 3 {
            let grams = (0...(words.count - 3)).map { words[$0..<($0 + 3)].joined(separator: " ") }
            repetition = 1 - Double(Set(grams).count) / Double(grams.count)
        }
        var hesitations = 0
        for token in config.hesitationTokens {
            let t = Self.words(token)
            guard !t.isEmpty, t.count <= words.count else { continue }
            for i in 0...(words.count - t.count) where Array(words[i..<(i + t.count)]) == t { hesitations += 1 }
        }
        self.length = length
        self.base = base
        self.repetition = repetition
        self.hesitations = hesitations
        self.value = min(1, max(0, base - config.repetitionPenalty * repetition - config.hesitationPenalty * Double(hesitations)))
    }

    static func words(_ text: String) -> [String] {
        text.lowercased().split(whereSeparator: { $0.isWhitespace }).map { w in
            Substring(w).trimmingCharacters(where: { !($0.isLetter || $0.isNumber) })
        }.filter { !$0.isEmpty }
    }
}

extension Substring {
    /// The substring without leading and trailing characters matching `predicate`.
    func trimmingCharacters(where predicate: (Character) -> Bool) -> String {
        var s = self
        while let f = s.first, predicate(f) { s.removeFirst() }
        while let l = s.last, predicate(l) { s.removeLast() }
        return String(s)
    }
}
