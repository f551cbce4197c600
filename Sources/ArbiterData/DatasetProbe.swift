import ArbiterCore
import Foundation

/// Guesses a dataset's kind from a file or folder, for `arbiter data inspect FILE`.
public enum DatasetProbe {
    /// The kind of the data at `url`:
    /// a CSV whose header has `DILEMMA` and `RUBRIC` is `morebench_csv`; JSONL (or a folder of it)
    /// whose first record has ToMBench's bilingual keys is `tombench_jsonl`; any other CSV or JSONL
    /// is `tom_table`. Throws ``DataError`` when the path is missing or holds neither.
    public static func detectKind(at url: URL) throws -> DatasetKind {
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDir) else {
            throw DataError(.fileNotFound, "path does not exist", context: url.path)
        }
        if isDir.boolValue {
            let names = ((try? FileManager.default.contentsOfDirectory(atPath: url.path)) ?? []).filter { !$0.hasPrefix(".") }.sorted()
            if let first = names.first(where: { $0.lowercased().hasSuffix(".jsonl") }) {
                return try detectKind(at: url.appendingPathComponent(first))
            }
            if let first = names.first(where: { $0.lowercased().hasSuffix(".csv") }) {
                return try detectKind(at: url.appendingPathComponent(first))
            }
            throw DataError(.unsupportedFormat, "the folder holds no .jsonl or .csv files", context: url.path)
        }
        switch url.pathExtension.lowercased() {
        case "csv":
            var csv = CSVReader(lines: try LineReader(url: url))
            let header = try TableHeader.read(&csv, file: url.path)
            if header.index(of: "DILEMMA") != nil && header.index(of: "RUBRIC") != nil { return .morebenchCSV }
            return .tomTable
        case "jsonl", "ndjson":
            var lines = try LineReader(url: url)
            while let line = try lines.nextLine() {
                if OptionLabel.trimmed(line).isEmpty { continue }
                if case .success(let object) = JSONLine.object(line),
                    object[ToMBenchReader.answerKey] != nil || (object["STORY"] != nil && object["故事"] != nil)
                {
                    return .tombenchJSONL
                }
                return .tomTable
            }
            return .tomTable
        default:
            throw DataError(.unsupportedFormat, "cannot tell the dataset kind from the extension .\(url.pathExtension); pass --kind", context: url.path)
        }
    }
}
