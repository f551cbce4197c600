import ArbiterConfig
import ArbiterCore
import ArbiterData
import ArgumentParser
import Foundation

/// `arbiter data`: inspect datasets.
struct DataCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "data",
        abstract: "Inspect datasets.",
        subcommands: [Inspect.self, GenerateToM.self]
    )

    /// `arbiter data generate-tom`: write the project's own theory-of-mind training set.
    struct GenerateToM: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "generate-tom",
            abstract: "Write a templated theory-of-mind training set (false belief, second-order belief, unexpected contents) as JSONL.",
            discussion: "Deterministic in --seed; the columns match `kind: tom_table` with id/story/question/option_a..option_d/answer/ability."
        )

        @Option(help: "Number of items.")
        var count = 64

        @Option(help: "Seed.")
        var seed: UInt64 = 0

        @Option(help: "Output file (default: standard output).")
        var out: String?

        func run() async throws {
            guard count > 0 else { throw ValidationError("--count must be positive") }
            let text = ToMStoryGenerator(seed: seed).jsonLines(count: count)
            if let out {
                let url = URL(fileURLWithPath: out)
                try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
                try text.write(to: url, atomically: true, encoding: .utf8)
            } else {
                print(text, terminator: "")
            }
        }
    }

    /// `arbiter data inspect FILE|FOLDER|CONFIG`: load a dataset and print its summary.
    struct Inspect: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "inspect",
            abstract: "Load a dataset and summarize it: counts, categories, every rejected row and note.",
            discussion: """
                FILE is a dataset file or folder. The kind is detected unless --kind is given: a CSV whose \
                header has DILEMMA and RUBRIC is morebench_csv; JSONL (or a folder of it) with ToMBench's \
                bilingual keys is tombench_jsonl; any other CSV or JSONL is tom_table with the default \
                columns (STORY, QUESTION, OPTION-A..D, ANSWER, ABILITY). Exits 0 when the data could be \
                read, even with rejected rows; non-zero on a hard error (missing file or column, strict-mode \
                bad row).
                """
        )

        @Argument(help: "A dataset file or folder (.csv, .jsonl), or a run config (.yaml).")
        var path: String

        @Option(help: "Dataset kind: morebench_csv, tombench_jsonl or tom_table (default: detected).")
        var kind: String?

        @Option(help: "Language of bilingual data: en or zh.")
        var language: String = "en"

        @Option(help: "Table format for tom_table: csv or jsonl (default: from the extension).")
        var format: String?

        @Option(help: "Read at most this many items.")
        var limit: Int?

        @Flag(help: "Stop at the first bad row with an error.")
        var strict = false

        @Flag(help: "Print the summary as JSON.")
        var json = false

        func run() async throws {
            var stderr = StandardError()
            let ext = (path as NSString).pathExtension.lowercased()
            if ext == "yaml" || ext == "yml" {
                try inspectRunConfig()
                return
            }
            do {
                let config = try datasetConfig()
                let summary = try DataCommand.inspect(config: config, base: URL(fileURLWithPath: FileManager.default.currentDirectoryPath))
                print(json ? try summary.jsonString() : summary.render(), terminator: json ? "\n" : "")
            } catch let error as DataError {
                print("arbiter data inspect: error: \(error)", to: &stderr)
                throw ExitCode(1)
            }
        }

        /// Inspects the `dataset` and every `eval_datasets` entry of a run config.
        private func inspectRunConfig() throws {
            var stderr = StandardError()
            let url = URL(fileURLWithPath: path)
            let (loaded, issues) = ConfigLoader.check(url)
            guard let loaded else {
                for issue in issues { print(issue, to: &stderr) }
                throw ExitCode(1)
            }
            var datasets = [loaded.config.dataset] + loaded.config.evalDatasets
            if let limit { datasets = datasets.map { var d = $0; d.limit = limit; return d } }
            if strict { datasets = datasets.map { var d = $0; d.strict = true; return d } }
            var failed = false
            for (i, dataset) in datasets.enumerated() {
                let field = i == 0 ? "dataset" : "eval_datasets[\(i - 1)]"
                do {
                    let summary = try DataCommand.inspect(config: dataset, base: loaded.baseDirectory)
                    if json {
                        print(try summary.jsonString())
                    } else {
                        print("== \(path): \(field)")
                        print(summary.render(), terminator: "")
                    }
                } catch let error as DataError {
                    print("arbiter data inspect: \(path): \(field): error: \(error)", to: &stderr)
                    failed = true
                }
            }
            if failed { throw ExitCode(1) }
        }

        private func datasetConfig() throws -> DatasetConfig {
            let detected: DatasetKind
            if let kind {
                guard let k = DatasetKind(rawValue: kind) else {
                    throw DataError(.invalidConfig, "unknown --kind \(kind); use one of \(DatasetKind.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                detected = k
            } else {
                detected = try DatasetProbe.detectKind(at: URL(fileURLWithPath: path))
            }
            var tableFormat: TableFormat?
            if let format {
                guard let f = TableFormat(rawValue: format) else {
                    throw DataError(.invalidConfig, "unknown --format \(format); use csv or jsonl")
                }
                tableFormat = f
            }
            return DatasetConfig(
                kind: detected, path: path, split: "inspect", strict: strict, language: language, format: tableFormat,
                limit: limit)
        }
    }

    /// Loads the dataset `config` describes (relative paths against `base`, the config file's
    /// folder) and summarizes it. The entry point for inspecting the `dataset` and
    /// `eval_datasets` of a run config once ArbiterConfig decodes it.
    ///
    /// Throws `DataError` on a hard error (missing file or column, strict-mode bad row).
    static func inspect(config: DatasetConfig, base: URL) throws -> DatasetSummary {
        DatasetSummary(try DatasetLoader.load(config, relativeTo: base))
    }
}
