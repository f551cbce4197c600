import ArbiterCore

/// Reads a multiple-choice table (`tom_table`: ToMBench-Hard or any MC set) from CSV or JSONL,
/// with column names from a ``ColumnMapping``.
///
/// The answer cell may be a letter (`B`), a letter with text (`B. the box`), or the text of an
/// option. Rows with fewer than 2 options, an empty story or question, or an answer that maps
/// to no option are rejected with the reason.
struct TableReader: RowReader {
    private enum Source {
        case csv(CSVReader, index: [String: Int], width: Int)
        case jsonl(LineReader)
    }

    private var source: Source
    private let file: String
    private let dataset: String
    private let columns: ColumnMapping
    private let language: String
    private let evalOnly: Bool
    /// Notes about the file as a whole (e.g. an absent optional column), emitted with the first row.
    private var pendingNotes: [DataNote] = []

    init(
        lines: LineReader, format: TableFormat, file: String, dataset: String, columns: ColumnMapping,
        language: String, evalOnly: Bool
    ) throws {
        self.file = file
        self.dataset = dataset
        self.columns = columns
        self.language = language
        self.evalOnly = evalOnly
        switch format {
        case .jsonl:
            source = .jsonl(lines)
        case .csv:
            var csv = CSVReader(lines: lines)
            let header = try TableHeader.read(&csv, file: file)
            var index: [String: Int] = [:]
            let required: [(String, String)] =
                [(columns.story, "story"), (columns.question, "question"), (columns.answer, "answer")]
                + columns.options.enumerated().map { ($0.element, "option \(OptionLabel.letter($0.offset))") }
                + (columns.id.map { [($0, "id")] } ?? [])
            for (name, role) in required {
                guard let i = header.index(of: name) else {
                    throw DataError(
                        .missingColumn,
                        "\(role) column \(name) is missing (header: \(header.names.joined(separator: ", ")))",
                        context: "\(file):\(header.line)")
                }
                index[name] = i
            }
            if let ability = columns.ability {
                if let i = header.index(of: ability) {
                    index[ability] = i
                } else {
                    pendingNotes.append(DataNote(
                        location: SourceLocation(file: file, line: header.line), kind: "missing_column",
                        message: "ability column \(ability) is absent; items carry no ability labels"))
                }
            }
            source = .csv(csv, index: index, width: header.names.count)
        }
    }

    mutating func next() throws -> RowOutcome? {
        var outcome: RowOutcome?
        switch source {
        case .jsonl(var lines):
            while let line = try lines.nextLine() {
                if OptionLabel.trimmed(line).isEmpty { continue }
                outcome = parseJSON(line, at: SourceLocation(file: file, line: lines.lineNumber))
                break
            }
            source = .jsonl(lines)
        case .csv(var csv, let index, let width):
            while true {
                do {
                    guard let record = try csv.nextRecord() else { break }
                    if record.isBlank { continue }
                    outcome = parseCSV(record, index: index, width: width)
                } catch let failure as CSVReader.Failure {
                    outcome = .rejected(SourceLocation(file: file, line: failure.line), "malformed CSV: \(failure.message)")
                }
                break
            }
            source = .csv(csv, index: index, width: width)
        }
        if var o = outcome, !pendingNotes.isEmpty {
            o.notes = pendingNotes + o.notes
            pendingNotes = []
            return o
        }
        return outcome
    }

    private struct Cells {
        var story: String?
        var question: String?
        var options: [String?]
        var answer: String?
        var ability: String?
        var id: String?
    }

    private func parseCSV(_ record: CSVRecord, index: [String: Int], width: Int) -> RowOutcome {
        let location = SourceLocation(file: file, line: record.line)
        guard record.fields.count == width else {
            return .rejected(location, "has \(record.fields.count) fields, the header has \(width)")
        }
        func cell(_ name: String?) -> String? {
            guard let name, let i = index[name] else { return nil }
            let t = OptionLabel.trimmed(record.fields[i])
            return t.isEmpty ? nil : t
        }
        let cells = Cells(
            story: cell(columns.story), question: cell(columns.question), options: columns.options.map { cell($0) },
            answer: cell(columns.answer), ability: cell(columns.ability), id: cell(columns.id))
        return build(cells, at: location)
    }

    private func parseJSON(_ line: String, at location: SourceLocation) -> RowOutcome {
        let object: [String: Any]
        switch JSONLine.object(line) {
        case .success(let o): object = o
        case .failure(let p): return .rejected(location, p.reason)
        }
        func cell(_ name: String?) -> Result<String?, RowProblem> {
            guard let name else { return .success(nil) }
            switch JSONLine.cell(object, name) {
            case .missing, .null: return .success(nil)
            case .structured: return .failure(RowProblem("\(name) is not a string"))
            case .text(let s):
                let t = OptionLabel.trimmed(s)
                return .success(t.isEmpty ? nil : t)
            }
        }
        do throws(RowProblem) {
            let cells = Cells(
                story: try cell(columns.story).get(), question: try cell(columns.question).get(),
                options: try columns.options.map { name throws(RowProblem) in try cell(name).get() },
                answer: try cell(columns.answer).get(), ability: try cell(columns.ability).get(),
                id: try cell(columns.id).get())
            return build(cells, at: location)
        } catch {
            return .rejected(location, error.reason)
        }
    }

    private func build(_ cells: Cells, at location: SourceLocation) -> RowOutcome {
        guard let story = cells.story else { return .rejected(location, "story (\(columns.story)) is empty") }
        guard let question = cells.question else { return .rejected(location, "question (\(columns.question)) is empty") }
        if columns.id != nil, cells.id == nil {
            return .rejected(location, "id (\(columns.id!)) is empty")
        }
        let options: ChoiceBuilder.Options
        switch ChoiceBuilder.options(cells.options, names: columns.options, allowGaps: true) {
        case .success(let o): options = o
        case .failure(let p): return .rejected(location, p.reason)
        }
        guard let answer = cells.answer else { return .rejected(location, "answer (\(columns.answer)) is empty") }
        var notes = ChoiceBuilder.optionNotes(options.texts, at: location)
        let gold: Int
        switch resolve(answer, options) {
        case .failure(let p): return .rejected(location, p.reason, notes: notes)
        case .success(let resolved):
            gold = resolved.index
            if let note = resolved.note { notes.append(DataNote(location: location, kind: note.0, message: note.1)) }
        }
        let result = ChoiceBuilder.prompt(
            dataset: dataset, story: story, question: question, options: options.texts, goldIndex: gold,
            language: language, rawAbility: cells.ability, source: location, evalOnly: evalOnly,
            id: cells.id.map { PromptID($0) })
        switch result {
        case .success(let p): return RowOutcome(location: location, result: .success(p), notes: notes)
        case .failure(let problem): return .rejected(location, problem.reason, notes: notes)
        }
    }

    /// Maps an answer cell to an option index: a letter, `"B. text"`, or an option's text.
    private func resolve(_ answer: String, _ options: ChoiceBuilder.Options) -> Result<(index: Int, note: (String, String)?), RowProblem> {
        let columnCount = columns.options.count
        func byColumn(_ column: Int) -> Result<Int, RowProblem> {
            guard column < columnCount else {
                return .failure(RowProblem("answer \(quoted(answer)) names option \(OptionLabel.letter(column)) but there are only \(columnCount) option columns"))
            }
            guard let i = options.columnToOption[column] else {
                return .failure(RowProblem("answer \(quoted(answer)) names option \(OptionLabel.letter(column)) (\(columns.options[column])), which is empty"))
            }
            return .success(i)
        }
        if let letter = OptionLabel.letterIndex(answer) {
            return byColumn(letter).map { ($0, nil) }
        }
        func unique(_ matches: [Int]) -> Result<(index: Int, note: (String, String)?), RowProblem>? {
            guard !matches.isEmpty else { return nil }
            guard matches.count == 1 else {
                return .failure(RowProblem("answer \(quoted(answer)) matches \(matches.count) options (\(matches.map(OptionLabel.letter).joined(separator: ", ")))"))
            }
            return .success((matches[0], nil))
        }
        if let found = unique(options.texts.indices.filter({ options.texts[$0] == answer })) { return found }
        if let (letter, text) = OptionLabel.letterAndText(answer), letter < columnCount {
            switch byColumn(letter) {
            case .failure(let p): return .failure(p)
            case .success(let i):
                if !text.isEmpty, text.lowercased() != options.texts[i].lowercased() {
                    return .success((i, ("answer_text_mismatch", "answer \(quoted(answer)) names \(OptionLabel.letter(letter)), whose text is \(quoted(options.texts[i]))")))
                }
                return .success((i, nil))
            }
        }
        let folded = OptionLabel.stripPrefix(answer).lowercased()
        if let found = unique(options.texts.indices.filter({ options.texts[$0].lowercased() == folded })) { return found }
        return .failure(RowProblem("answer \(quoted(answer)) is neither an option letter nor the text of an option"))
    }

    private func quoted(_ s: String) -> String { "\"\(s)\"" }
}
