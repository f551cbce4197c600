import ArbiterCore

/// The answer syntax a multiple-choice prompt asks for (``ArbiterCore/AnswerFormatConfig/style``).
public enum AnswerStyle: String, Sendable, Hashable, Codable, CaseIterable {
    /// `<think>…</think><Answer>X</Answer>`; the tag matches case-insensitively.
    case answerTag = "answer_tag"
    /// ToMBench's `[[X]]`.
    case doubleBrackets = "double_brackets"

    /// The style named by a config.
    ///
    /// - Throws: ``RewardsError`` (`invalid_config`) for an unknown style.
    public init(config: AnswerFormatConfig) throws {
        guard let s = AnswerStyle(rawValue: config.style) else {
            throw RewardsError(
                .invalidConfig,
                "unknown answer style `\(config.style)` (known: \(AnswerStyle.allCases.map(\.rawValue).joined(separator: ", ")))",
                context: "rewards.answer.style")
        }
        self = s
    }

    /// The answer as the style writes it, e.g. `<Answer>B</Answer>` or `[[B]]`.
    public func written(_ letter: String) -> String {
        switch self {
        case .answerTag: "<Answer>\(letter)</Answer>"
        case .doubleBrackets: "[[\(letter)]]"
        }
    }
}

/// How extracting the answer letter went. There is no fallback letter: anything but `ok`
/// is a wrong answer for the outcome reward and a format failure.
public enum AnswerParseStatus: String, Sendable, Hashable, Codable, CaseIterable {
    /// Exactly one answer outside `<think>`, a single letter addressing an option.
    case ok
    /// No answer in the expected syntax.
    case noTag = "no_tag"
    /// More than one answer (several tags, or several letters in one).
    case multipleAnswers = "multiple_answers"
    /// The only answers are inside `<think>` (a draft, not a final answer).
    case answerInsideThink = "answer_inside_think"
    /// The answer is not a letter (`<Answer>Backpack</Answer>`, `[[AB]]`).
    case invalidLetter = "invalid_letter"
    /// A letter beyond the item's options (`D` for a 2-option item).
    case letterOutOfRange = "letter_out_of_range"
}

/// The extracted answer of a completion, in displayed (possibly shuffled) option space.
public struct AnswerExtraction: Sendable, Hashable, Codable {
    /// Parse status.
    public var status: AnswerParseStatus
    /// The upper-case letter read (set for `ok` and `letter_out_of_range`).
    public var letter: String?
    /// The displayed option index (set for `ok` only).
    public var index: Int?
    /// The raw content of the answer(s) found, for audit.
    public var raw: [String]

    /// Creates an extraction.
    public init(status: AnswerParseStatus, letter: String? = nil, index: Int? = nil, raw: [String] = []) {
        self.status = status
        self.letter = letter
        self.index = index
        self.raw = raw
    }

    /// Reads the answer of a completion for an item with `optionCount` options.
    ///
    /// Answers inside `<think>` sections are ignored when one exists outside. The content may be
    /// a bare letter (`B`, lower case accepted), `(B)`, or a letter followed by `.`, `)`, `:`,
    /// `、` or `．` and the option text (`B. Handbag`); markdown `*` around it is ignored.
    public static func extract(_ completion: String, style: AnswerStyle, optionCount: Int) -> AnswerExtraction {
        let split = ThinkSplit(completion)
        let outside = contents(in: split.outside, style: style)
        if outside.isEmpty {
            let inside = split.sections.flatMap { contents(in: $0, style: style) }
            return AnswerExtraction(status: inside.isEmpty ? .noTag : .answerInsideThink, raw: inside)
        }
        guard outside.count == 1 else { return AnswerExtraction(status: .multipleAnswers, raw: outside) }
        let raw = outside[0]
        switch parseLetter(raw) {
        case .multiple:
            return AnswerExtraction(status: .multipleAnswers, raw: outside)
        case .invalid:
            return AnswerExtraction(status: .invalidLetter, raw: outside)
        case .letter(let index):
            let letter = String(Character(Unicode.Scalar(UInt8(65 + index))))
            guard index < optionCount else { return AnswerExtraction(status: .letterOutOfRange, letter: letter, raw: outside) }
            return AnswerExtraction(status: .ok, letter: letter, index: index, raw: outside)
        }
    }

    /// The contents of every complete answer construct in `text`, in order.
    static func contents(in text: String, style: AnswerStyle) -> [String] {
        let (open, close): (String, String) = style == .answerTag ? ("<answer>", "</answer>") : ("[[", "]]")
        let s = Array(text.unicodeScalars)
        let o = Array(open.unicodeScalars)
        let c = Array(close.unicodeScalars)
        var out: [String] = []
        var pos = 0
        while let start = ThinkSplit.find(o, in: s, from: pos) {
            guard let end = ThinkSplit.find(c, in: s, from: start + o.count) else { break }
            out.append(String(String.UnicodeScalarView(s[(start + o.count)..<end])))
            pos = end + c.count
        }
        return out
    }

    enum LetterParse: Equatable {
        case letter(Int)
        case multiple
        case invalid
    }

    /// Reads the letter of an answer's content.
    static func parseLetter(_ raw: String) -> LetterParse {
        let t = raw.filter { $0 != "*" }.trimmingWhitespace()
        let scalars = Array(t.unicodeScalars)
        func letterIndex(_ u: Unicode.Scalar) -> Int? {
            if ("A"..."Z").contains(u) { return Int(u.value) - 65 }
            if ("a"..."z").contains(u) { return Int(u.value) - 97 }
            return nil
        }
        var body = scalars[...]
        if body.first == "(", let close = body.firstIndex(of: ")"), close == body.startIndex + 2 {
            // "(B)" possibly followed by text
            if let i = letterIndex(body[body.startIndex + 1]) {
                let rest = body[(close + 1)...]
                if rest.isEmpty || rest.first.map({ $0 == " " || $0 == "." }) == true { return .letter(i) }
            }
        }
        if body.count == 1, let i = letterIndex(body.first!) { return .letter(i) }
        if body.count >= 2, let i = letterIndex(body.first!) {
            let sep = body[body.startIndex + 1]
            if ".)．、:：".unicodeScalars.contains(sep) { return .letter(i) }
        }
        // Several single letters separated by commas, slashes, "and", "or": more than one answer.
        body = scalars[...]
        let tokens = String(String.UnicodeScalarView(body)).split(whereSeparator: { ",/;&、，".contains($0) || $0.isWhitespace })
            .map { $0.trimmingCharacters(".()") }
            .filter { !$0.isEmpty && $0.lowercased() != "and" && $0.lowercased() != "or" }
        if tokens.count >= 2, tokens.allSatisfy({ $0.unicodeScalars.count == 1 && letterIndex($0.unicodeScalars.first!) != nil }) {
            return .multiple
        }
        return .invalid
    }
}

extension Substring {
    /// The substring without the given leading and trailing characters.
    func trimmingCharacters(_ set: String) -> String {
        var s = self
        while let f = s.first, set.contains(f) { s.removeFirst() }
        while let l = s.last, set.contains(l) { s.removeLast() }
        return String(s)
    }
}
