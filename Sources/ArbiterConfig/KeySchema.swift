import ArbiterCore
import Foundation

/// The set of keys a configuration may contain, derived from the config types themselves.
///
/// It is built by encoding an exemplar `RunConfig` with every optional field present, so it
/// cannot drift from the `Codable` types: a key the types do not know is a typo.
indirect enum KeySchema: Sendable {
    /// A mapping with known keys.
    case object([String: KeySchema])
    /// A sequence whose elements follow one schema.
    case array(KeySchema)
    /// A mapping with free-form keys (estimator params).
    case freeMap
    /// A scalar.
    case scalar
    /// A boolean scalar: only `true` or `false` are accepted.
    case boolean

    /// Paths (dotted) whose keys are user-defined.
    static let freeMaps: Set<String> = ["advantage.params"]

    /// The schema of `RunConfig`.
    static let runConfig: KeySchema = {
        let data = (try? JSONEncoder().encode(RunConfig.schemaExemplar)) ?? Data("{}".utf8)
        let object = (try? JSONSerialization.jsonObject(with: data)) ?? [String: Any]()
        return build(object, path: "")
    }()

    private static func build(_ value: Any, path: String) -> KeySchema {
        if freeMaps.contains(path) { return .freeMap }
        if let dict = value as? [String: Any] {
            var keys: [String: KeySchema] = [:]
            for (k, v) in dict { keys[k] = build(v, path: path.isEmpty ? k : "\(path).\(k)") }
            return .object(keys)
        }
        if let arr = value as? [Any] {
            return .array(arr.first.map { build($0, path: path) } ?? .scalar)
        }
        if let n = value as? NSNumber, String(cString: n.objCType) == "c" { return .boolean }
        return .scalar
    }
}

extension RunConfig {
    /// A configuration with every optional field set, used to derive the key schema.
    static var schemaExemplar: RunConfig {
        let endpoint = EndpointConfig(url: "http://x", maxConcurrency: 1, apiKeyEnv: "K", requestsPerSecond: 1, tokensPerMinute: 1)
        let sampling = SamplingParams(topK: 1, stop: ["x"], seed: 1, grammar: "x")
        let dataset = DatasetConfig(
            name: "x", kind: .tomTable, path: "x", format: .csv,
            columns: ColumnMapping(ability: "x", id: "x"), limit: 1)
        return RunConfig(
            run: RunSection(name: "x", epochs: 1, postgresURLEnv: "X"),
            dataset: dataset,
            evalDatasets: [dataset],
            policy: PolicyConfig(model: "x", endpoints: [endpoint], sampling: sampling, systemPrompt: "x", promptTemplate: "x"),
            reference: ReferenceConfig(model: "x", endpoints: [endpoint]),
            judge: JudgeConfig(model: "x", endpoints: [endpoint], rubric: "x", sampling: sampling, callBudget: 1),
            rewards: RewardConfig(
                preset: .full,
                components: [ComponentConfig(name: "x", schedule: [SchedulePoint(step: 0, weight: 1)], requires: ["x"])],
                structureRubric: "x", contentRubric: "x"),
            advantage: AdvantageConfig(estimator: "grpo", params: ["x": .number(1)]),
            sampling: SamplingControls(clipMin: 0, clipMax: 1),
            staleness: StalenessConfig(),
            trainer: TrainerConfig(url: "http://x", tokenEnv: "X")
        )
    }
}
