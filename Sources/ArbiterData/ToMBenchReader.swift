import ArbiterCore

/// Reads one ToMBench JSONL file (bilingual records) into multiple-choice prompts of one language.
///
/// Handles the quirks listed in the data's SOURCE.md: keys with an embedded newline
/// (`"答案\nANSWER"`), bare `NaN` for missing options, letter prefixes on options, the gold label
/// `"A. "`, ability labels with case variants, trailing spaces and compound labels. Always eval-only.
struct ToMBenchReader: RowReader {
    /// The field names of one language.
    struct Keys {
        var story: String
        var question: String
        var options: [String]

        static let en = Keys(story: "STORY", question: "QUESTION", options: ["OPTION-A", "OPTION-B", "OPTION-C", "OPTION-D"])
        static let zh = Keys(story: "故事", question: "问题", options: ["选项A", "选项B", "选项C", "选项D"])
    }

    static let answerKey = "答案\nANSWER"
    static let abilityKey = "能力\nABILITY"
    static let languages = ["en", "zh"]

    private var lines: LineReader
    private let file: String
    private let dataset: String
    private let language: String
    private let keys: Keys
    private let otherKeys: Keys

    init(lines: LineReader, file: String, dataset: String, language: String) {
        self.lines = lines
        self.file = file
        self.dataset = dataset
        self.language = language
        keys = language == "zh" ? .zh : .en
        otherKeys = language == "zh" ? .en : .zh
    }

    mutating func next() throws -> RowOutcome? {
        while let line = try lines.nextLine() {
            if OptionLabel.trimmed(line).isEmpty { continue }
            let location = SourceLocation(file: file, line: lines.lineNumber)
            return parse(line, at: location)
        }
        return nil
    }

    private func parse(_ line: String, at location: SourceLocation) -> RowOutcome {
        let object: [String: Any]
        switch JSONLine.object(line) {
        case .success(let o): object = o
        case .failure(let p): return .rejected(location, p.reason)
        }
        func text(_ key: String, _ what: String) -> Result<String, RowProblem> {
            switch JSONLine.cell(object, key) {
            case .missing: return .failure(RowProblem("missing key \(quoted(key)) (\(what))"))
            case .null: return .failure(RowProblem("\(what) (\(quoted(key))) is null"))
            case .structured: return .failure(RowProblem("\(what) (\(quoted(key))) is not a string"))
            case .text(let s):
                let t = OptionLabel.trimmed(s)
                return t.isEmpty ? .failure(RowProblem("\(what) (\(quoted(key))) is empty")) : .success(t)
            }
        }
        let story: String
        let question: String
        let answerRaw: String
        do throws(RowProblem) {
            story = try text(keys.story, "story").get()
            question = try text(keys.question, "question").get()
            answerRaw = try text(Self.answerKey, "answer").get()
        } catch {
            return .rejected(location, error.reason)
        }
        var cells: [String?] = []
        for key in keys.options {
            switch JSONLine.cell(object, key) {
            case .missing: return .rejected(location, "missing key \(quoted(key)) (option)")
            case .structured: return .rejected(location, "option \(quoted(key)) is not a string")
            case .null: cells.append(nil)
            case .text(let s): cells.append(s)
            }
        }
        let options: [String]
        switch ChoiceBuilder.options(cells, names: keys.options, allowGaps: false) {
        case .success(let o): options = o.texts
        case .failure(let p): return .rejected(location, p.reason)
        }
        guard let gold = OptionLabel.letterIndex(answerRaw) else {
            return .rejected(location, "answer \(quoted(answerRaw)) is not an option letter")
        }
        guard gold < options.count else {
            return .rejected(location, "answer \(OptionLabel.letter(gold)) does not address one of the \(options.count) options")
        }
        var notes = ChoiceBuilder.optionNotes(options, at: location)
        if case .text(let exact) = JSONLine.cell(object, Self.answerKey), exact != OptionLabel.letter(gold) {
            notes.append(DataNote(location: location, kind: "answer_normalized", message: "gold label \(quoted(exact)) normalized to \(OptionLabel.letter(gold))"))
        }
        let otherCount = otherKeys.options.filter { key in
            if case .text(let s) = JSONLine.cell(object, key) { return !OptionLabel.stripPrefix(s).isEmpty }
            return false
        }.count
        if otherCount != options.count {
            let counts = language == "zh" ? "zh has \(options.count), en has \(otherCount)" : "en has \(options.count), zh has \(otherCount)"
            notes.append(DataNote(
                location: location, kind: "language_mismatch",
                message: "the zh and en versions disagree: \(counts) options; the two versions are not translations of each other, only the \(language) fields were used"))
        }
        var rawAbility: String?
        if case .text(let a) = JSONLine.cell(object, Self.abilityKey) { rawAbility = a }
        let result = ChoiceBuilder.prompt(
            dataset: dataset, story: story, question: question, options: options, goldIndex: gold, language: language,
            rawAbility: rawAbility, source: location, evalOnly: true)
        switch result {
        case .success(let p): return RowOutcome(location: location, result: .success(p), notes: notes)
        case .failure(let problem): return .rejected(location, problem.reason, notes: notes)
        }
    }

    private func quoted(_ s: String) -> String {
        "\"" + s.replacingOccurrences(of: "\n", with: "\\n") + "\""
    }
}
