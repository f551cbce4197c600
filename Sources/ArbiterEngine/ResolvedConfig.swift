import ArbiterCore
import Foundation

/// The configuration as a run records it: every path absolute, encoded as canonical JSON (which is
/// also YAML) so `arbiter resume` rebuilds exactly the configuration the run started with.
public enum ResolvedConfig {
    /// `config` with every file path resolved against `base` (the config file's folder).
    public static func resolvingPaths(_ config: RunConfig, base: URL) -> RunConfig {
        func abs(_ p: String) -> String {
            let expanded = (p as NSString).expandingTildeInPath
            if expanded.hasPrefix("/") { return URL(fileURLWithPath: expanded).standardized.path }
            return base.appendingPathComponent(expanded).standardized.path
        }
        var c = config
        c.run.store = abs(c.run.store)
        c.run.outputDir = abs(c.run.outputDir)
        c.dataset.path = abs(c.dataset.path)
        c.evalDatasets = c.evalDatasets.map {
            var d = $0
            d.path = abs(d.path)
            return d
        }
        if var judge = c.judge {
            judge.rubric = abs(judge.rubric)
            c.judge = judge
        }
        c.rewards.structureRubric = c.rewards.structureRubric.map(abs)
        c.rewards.contentRubric = c.rewards.contentRubric.map(abs)
        return c
    }

    /// Canonical JSON (sorted keys) of a configuration.
    public static func encode(_ config: RunConfig) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(config), as: UTF8.self)
    }

    /// Decodes a configuration a run recorded.
    ///
    /// - Throws: ``EngineError/Code/cannotResume`` when the text is not a configuration.
    public static func decode(_ text: String, runID: String) throws -> RunConfig {
        do {
            return try JSONDecoder().decode(RunConfig.self, from: Data(text.utf8))
        } catch {
            throw EngineError(.cannotResume, "the recorded configuration cannot be read: \(error)", context: "run \(runID)")
        }
    }

    /// The hash recorded with a run: SHA-256 of the canonical text.
    public static func hash(_ text: String) -> String { SHA256.hex(text) }
}
