import ArbiterCore

/// Reads a MoReBench public/theory CSV (`DILEMMA, DILEMMA_SOURCE, DILEMMA_TYPE, THEORY, RUBRIC,
/// ROLE_DOMAIN, CONTEXT`, any order) into rubric prompts. The id is derived from the content.
struct MoReBenchReader: RowReader {
    /// The required columns, in MoReBench's order.
    static let columns = ["DILEMMA", "DILEMMA_SOURCE", "DILEMMA_TYPE", "THEORY", "RUBRIC", "ROLE_DOMAIN", "CONTEXT"]

    private var csv: CSVReader
    private let file: String
    private let dataset: String
    private let evalOnly: Bool
    private let index: [String: Int]
    private let width: Int

    /// Reads the header; throws ``DataError`` naming the first missing column.
    init(lines: LineReader, file: String, dataset: String, evalOnly: Bool) throws {
        csv = CSVReader(lines: lines)
        self.file = file
        self.dataset = dataset
        self.evalOnly = evalOnly
        let header = try TableHeader.read(&csv, file: file)
        var index: [String: Int] = [:]
        for column in Self.columns {
            guard let i = header.index(of: column) else {
                throw DataError(
                    .missingColumn,
                    "required column \(column) is missing (header: \(header.names.joined(separator: ", ")))",
                    context: "\(file):\(header.line)")
            }
            index[column] = i
        }
        self.index = index
        width = header.names.count
    }

    mutating func next() throws -> RowOutcome? {
        while true {
            let record: CSVRecord
            do {
                guard let r = try csv.nextRecord() else { return nil }
                record = r
            } catch let failure as CSVReader.Failure {
                return .rejected(SourceLocation(file: file, line: failure.line), "malformed CSV: \(failure.message)")
            }
            if record.isBlank { continue }
            return parse(record)
        }
    }

    private func parse(_ record: CSVRecord) -> RowOutcome {
        let location = SourceLocation(file: file, line: record.line)
        guard record.fields.count == width else {
            return .rejected(location, "has \(record.fields.count) fields, the header has \(width)")
        }
        func field(_ name: String) -> String { OptionLabel.trimmed(record.fields[index[name]!]) }
        let dilemma = field("DILEMMA")
        guard !dilemma.isEmpty else { return .rejected(location, "DILEMMA is empty") }
        let criteria: [RubricCriterion]
        var notes: [DataNote] = []
        switch MoReBenchRubric.criteria(record.fields[index["RUBRIC"]!]) {
        case .failure(let p): return .rejected(location, p.reason)
        case .success(let parsed):
            criteria = parsed.criteria
            notes = parsed.warnings.map { DataNote(location: location, kind: $0.0, message: $0.1) }
        }
        let scenario = RubricScenario(
            dilemma: dilemma, dilemmaSource: field("DILEMMA_SOURCE"), dilemmaType: field("DILEMMA_TYPE"),
            theory: field("THEORY"), roleDomain: field("ROLE_DOMAIN"), context: field("CONTEXT"),
            criteria: criteria, source: location, evalOnly: evalOnly)
        let prompt = Prompt(id: PromptID(canonicalContent: scenario.canonicalContent), dataset: dataset, payload: .rubric(scenario))
        return RowOutcome(location: location, result: .success(prompt), notes: notes)
    }
}
