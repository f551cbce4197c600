import ArbiterCore
import Foundation

/// The streaming API: reads a dataset row by row, file by file, without holding it in memory.
///
/// Each call to ``next()`` returns one row's ``RowOutcome`` (a prompt or a rejection, plus notes).
/// A row whose content repeats an earlier row's (same prompt id) is rejected as a duplicate.
/// In `strict` mode the first rejected row throws ``DataError`` (`bad_row`) instead. With a
/// `limit`, reading stops after that many prompts. Create one with ``DatasetLoader/reader(_:relativeTo:)``.
/// It is `Sendable`, so it can be moved into the task that drains it; copies share open file
/// handles, so read through one copy only.
public struct DatasetReader: Sendable {
    /// The dataset name.
    public let name: String
    /// The format.
    public let kind: DatasetKind
    /// The files read, in order.
    public let files: [URL]
    /// Data rows read so far.
    public private(set) var rowsRead = 0
    /// Prompts produced so far.
    public private(set) var loadedCount = 0

    private let config: DatasetConfig
    private let displayPaths: [String]
    private var fileIndex = 0
    private var current: (any RowReader)?
    private var seen: [PromptID: SourceLocation] = [:]

    init(name: String, config: DatasetConfig, files: [URL], displayPaths: [String]) {
        self.name = name
        kind = config.kind
        self.config = config
        self.files = files
        self.displayPaths = displayPaths
    }

    /// The next row's outcome, or nil when every file is read (or the `limit` is reached).
    ///
    /// Throws ``DataError`` for an unreadable file, a missing column, or (strict mode) a bad row.
    public mutating func next() throws -> RowOutcome? {
        if let limit = config.limit, loadedCount >= limit { return nil }
        while true {
            if current == nil {
                guard fileIndex < files.count else { return nil }
                current = try open(fileIndex)
                fileIndex += 1
            }
            guard var outcome = try current!.next() else {
                current = nil
                continue
            }
            rowsRead += 1
            if case .success(let prompt) = outcome.result {
                if let first = seen[prompt.id] {
                    outcome.result = .failure(RejectedRow(
                        location: outcome.location,
                        reason: "duplicate item: same content (id \(prompt.id)) as \(first)"))
                } else {
                    seen[prompt.id] = outcome.location
                }
            }
            switch outcome.result {
            case .success:
                loadedCount += 1
            case .failure(let rejected):
                if config.strict {
                    throw DataError(.badRow, "\(rejected.reason) (strict mode stops at the first bad row)", context: rejected.location.description)
                }
            }
            return outcome
        }
    }

    private func open(_ k: Int) throws -> any RowReader {
        let url = files[k]
        let file = displayPaths[k]
        let lines = try LineReader(url: url)
        switch config.kind {
        case .tombenchJSONL:
            return ToMBenchReader(lines: lines, file: file, dataset: name, language: config.language)
        case .morebenchCSV:
            return try MoReBenchReader(lines: lines, file: file, dataset: name, evalOnly: config.isEvalOnly)
        case .tomTable:
            guard let format = config.format ?? DatasetLoader.tableFormat(of: url) else {
                throw DataError(.unsupportedFormat, "cannot tell the table format from the extension; set format: csv or jsonl", context: file)
            }
            return try TableReader(
                lines: lines, format: format, file: file, dataset: name, columns: config.columns ?? ColumnMapping(),
                language: config.language, evalOnly: config.isEvalOnly)
        }
    }
}
