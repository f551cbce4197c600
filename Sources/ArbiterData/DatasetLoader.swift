import ArbiterCore
import Foundation

/// Loads datasets described by a ``DatasetConfig``: MoReBench CSV, ToMBench JSONL, multiple-choice tables.
public enum DatasetLoader {
    /// Reads the whole dataset. Every row ends up a prompt or a rejection; notes record quirks.
    ///
    /// Relative paths resolve against `base` (the config file's folder). Throws ``DataError`` for a
    /// missing file, a missing column, an invalid configuration, or (strict mode) the first bad row.
    public static func load(_ config: DatasetConfig, relativeTo base: URL) throws -> LoadedDataset {
        var reader = try reader(config, relativeTo: base)
        var prompts: [Prompt] = []
        var rejected: [RejectedRow] = []
        var notes: [DataNote] = []
        while let outcome = try reader.next() {
            switch outcome.result {
            case .success(let p): prompts.append(p)
            case .failure(let r): rejected.append(r)
            }
            notes.append(contentsOf: outcome.notes)
        }
        return LoadedDataset(name: reader.name, kind: config.kind, prompts: prompts, rejected: rejected, notes: notes, rowsRead: reader.rowsRead)
    }

    /// A streaming reader over the dataset (see ``DatasetReader``). Checks the configuration and
    /// that the files exist; files are opened as they are reached.
    public static func reader(_ config: DatasetConfig, relativeTo base: URL) throws -> DatasetReader {
        if config.kind == .tombenchJSONL, !ToMBenchReader.languages.contains(config.language) {
            throw DataError(.invalidConfig, "ToMBench has en and zh fields; language \(config.language) is not one of them", context: config.path)
        }
        if config.kind == .tomTable, let columns = config.columns, columns.options.count < 2 {
            throw DataError(.invalidConfig, "columns.options must name at least 2 option columns", context: config.path)
        }
        if let limit = config.limit, limit < 0 {
            throw DataError(.invalidConfig, "limit must not be negative", context: config.path)
        }
        let root = resolve(config.path, relativeTo: base)
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: root.path, isDirectory: &isDir) else {
            throw DataError(.fileNotFound, "dataset path does not exist (resolved to \(root.path))", context: config.path)
        }
        var files: [URL]
        var display: [String]
        if isDir.boolValue {
            let extensions = folderExtensions(config)
            let names: [String]
            do {
                names = try FileManager.default.contentsOfDirectory(atPath: root.path)
            } catch {
                throw DataError(.unreadable, "cannot list the folder: \(error.localizedDescription)", context: config.path)
            }
            let picked = names.filter { name in
                !name.hasPrefix(".") && extensions.contains((name as NSString).pathExtension.lowercased())
            }.sorted()
            guard !picked.isEmpty else {
                throw DataError(
                    .fileNotFound,
                    "the folder holds no \(extensions.sorted().map { "*.\($0)" }.joined(separator: " or ")) files",
                    context: config.path)
            }
            files = picked.map { root.appendingPathComponent($0) }
            let prefix = config.path.hasSuffix("/") ? config.path : config.path + "/"
            display = picked.map { prefix + $0 }
        } else {
            files = [root]
            display = [config.path]
        }
        let name = config.name ?? defaultName(config.path)
        return DatasetReader(name: name, config: config, files: files, displayPaths: display)
    }

    /// `path` resolved against `base` unless absolute (`~` is expanded).
    public static func resolve(_ path: String, relativeTo base: URL) -> URL {
        let expanded = (path as NSString).expandingTildeInPath
        if expanded.hasPrefix("/") { return URL(fileURLWithPath: expanded).standardized }
        return base.appendingPathComponent(expanded).standardized
    }

    /// The table format implied by a file's extension.
    static func tableFormat(of url: URL) -> TableFormat? {
        switch url.pathExtension.lowercased() {
        case "csv": .csv
        case "jsonl", "ndjson": .jsonl
        default: nil
        }
    }

    private static func folderExtensions(_ config: DatasetConfig) -> Set<String> {
        switch config.kind {
        case .tombenchJSONL: ["jsonl"]
        case .morebenchCSV: ["csv"]
        case .tomTable:
            switch config.format {
            case .csv?: ["csv"]
            case .jsonl?: ["jsonl", "ndjson"]
            case nil: ["csv", "jsonl", "ndjson"]
            }
        }
    }

    private static func defaultName(_ path: String) -> String {
        let trimmed = path.hasSuffix("/") ? String(path.dropLast()) : path
        let last = (trimmed as NSString).lastPathComponent
        let stem = (last as NSString).deletingPathExtension
        return stem.isEmpty ? last : stem
    }
}
