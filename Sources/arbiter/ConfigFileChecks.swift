import ArbiterConfig
import ArbiterCore
import ArbiterData
import Foundation

/// Checks of the files a config points to, beyond their existence: each dataset is loaded,
/// a hard error (missing column, unreadable file) is an error, rejected rows are warnings.
enum ConfigFileChecks {
    static func check(_ loaded: LoadedConfig) -> [ConfigIssue] {
        var issues: [ConfigIssue] = []
        let datasets = [("dataset", loaded.config.dataset)]
            + loaded.config.evalDatasets.enumerated().map { ("eval_datasets[\($0.offset)]", $0.element) }
        for (field, dataset) in datasets {
            guard FileManager.default.fileExists(atPath: loaded.resolve(dataset.path).path) else { continue }
            do {
                let data = try DatasetLoader.load(dataset, relativeTo: loaded.baseDirectory)
                if data.prompts.isEmpty {
                    issues.append(ConfigIssue(
                        file: loaded.displayPath, line: nil, column: nil, field: "\(field).path",
                        message: "the dataset loads no items (\(data.rejected.count) rejected rows)"))
                }
                for row in data.rejected.prefix(20) {
                    issues.append(ConfigIssue(
                        file: loaded.displayPath, line: nil, column: nil, field: "\(field).path",
                        message: "\(row.location): row rejected: \(row.reason)", severity: .warning))
                }
                if data.rejected.count > 20 {
                    issues.append(ConfigIssue(
                        file: loaded.displayPath, line: nil, column: nil, field: "\(field).path",
                        message: "\(data.rejected.count - 20) more rejected rows (see `arbiter data inspect`)", severity: .warning))
                }
            } catch {
                issues.append(ConfigIssue(
                    file: loaded.displayPath, line: nil, column: nil, field: "\(field).path", message: "\(error)"))
            }
        }
        return issues
    }
}
