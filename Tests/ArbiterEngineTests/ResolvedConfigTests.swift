import ArbiterCore
@testable import ArbiterEngine
import Foundation
import Testing

@Suite("Resolved configuration")
struct ResolvedConfigTests {
    static let base = URL(fileURLWithPath: "/srv/arbiter/configs", isDirectory: true)

    static func config() -> RunConfig {
        RunConfig(
            run: RunSection(
                name: "resolved", mode: .train, seed: 0xFEDC_BA98_7654_3210, steps: 12, epochs: 3, store: "runs/arbiter.sqlite",
                outputDir: "../reports"),
            dataset: DatasetConfig(
                name: "hard", kind: .tomTable, path: "data/./tom_hard.csv", split: "train", format: .csv,
                columns: ColumnMapping(options: ["A", "B", "C"], answer: "GOLD", ability: "SKILL", id: "ID"), limit: 50),
            evalDatasets: [
                DatasetConfig(kind: .tombenchJSONL, path: "/data/tombench/", evalOnly: true, language: "zh"),
                DatasetConfig(kind: .morebenchCSV, path: "../shared/morebench.csv"),
            ],
            policy: PolicyConfig(
                model: "qwen", api: .completions,
                endpoints: [EndpointConfig(url: "http://10.0.0.1:8000", maxConcurrency: 32, apiKeyEnv: "KEY", requestsPerSecond: 2.5)],
                sampling: SamplingParams(temperature: 0.7, topP: 0.95, topK: 40, maxTokens: 777, stop: ["</s>", "\n\n"], seed: 11),
                groupSize: 6, promptsPerStep: 4, systemPrompt: "Think first.", stream: true, timeoutSeconds: 12.5),
            reference: ReferenceConfig(model: "ref", endpoints: [EndpointConfig(url: "http://10.0.0.2:8000")]),
            judge: JudgeConfig(
                model: "judge", endpoints: [EndpointConfig(url: "http://10.0.0.3:8000", tokensPerMinute: 1e6)], rubric: "rubrics/official.yaml",
                parser: .substring, aggregator: .paper, judgedText: .both, failurePolicy: .missing, floor: -1, callBudget: 1000),
            rewards: RewardConfig(
                preset: .plusContent,
                components: [
                    ComponentConfig(name: "outcome", weight: 1),
                    ComponentConfig(
                        name: "content", weight: 0.5, schedule: [SchedulePoint(step: 0, weight: 0), SchedulePoint(step: 10, weight: 0.5)],
                        requires: ["format"], gateThreshold: 0.9),
                ],
                missingPolicy: .renormalize, answer: AnswerFormatConfig(style: "double_brackets", shuffleOptions: false, hideOptions: true),
                length: LengthRewardConfig(target: 300, hesitationTokens: ["um"]), structureRubric: "/abs/structure.yaml",
                contentRubric: "rubrics/content.yaml"),
            advantage: AdvantageConfig(
                estimator: "gdpo",
                params: [
                    "weights": .list([.number(1), .number(0.25), .number(-0.5)]),
                    "epsilon": .number(1e-6),
                    "std": .string("batch"),
                    "normalize": .bool(true),
                    "mixed": .list([.string("a"), .number(2), .bool(false), .list([.number(0.1)])]),
                    "numeric_string": .string("1.5"),
                ]),
            sampling: SamplingControls(
                dynamicSampling: DynamicSamplingConfig(enabled: true, tolerance: 1e-4, policy: .replace, maxExtraBatches: 3),
                overlong: OverlongConfig(enabled: true, maxLength: 2048, buffer: 128, factor: 0.5), lengthPenalty: 0.1, clipMin: -1,
                clipMax: 1, scale: 0.3),
            staleness: StalenessConfig(mode: .async, maxStaleness: 2, stalePolicy: .importanceWeight),
            trainer: TrainerConfig(url: "http://10.0.0.4:9000", tokenEnv: "TRAINER_TOKEN", timeoutSeconds: 30, maxPendingBatches: 2))
    }

    @Test func relativePathsResolveAgainstTheBaseAbsoluteOnesStay() {
        let resolved = ResolvedConfig.resolvingPaths(Self.config(), base: Self.base)
        #expect(resolved.run.store == "/srv/arbiter/configs/runs/arbiter.sqlite")
        #expect(resolved.run.outputDir == "/srv/arbiter/reports")
        #expect(resolved.dataset.path == "/srv/arbiter/configs/data/tom_hard.csv")
        #expect(resolved.evalDatasets.map(\.path) == ["/data/tombench", "/srv/arbiter/shared/morebench.csv"])
        #expect(resolved.judge?.rubric == "/srv/arbiter/configs/rubrics/official.yaml")
        #expect(resolved.rewards.structureRubric == "/abs/structure.yaml")
        #expect(resolved.rewards.contentRubric == "/srv/arbiter/configs/rubrics/content.yaml")
    }

    @Test func onlyPathsChange() {
        let original = Self.config()
        var resolved = ResolvedConfig.resolvingPaths(original, base: Self.base)
        resolved.run.store = original.run.store
        resolved.run.outputDir = original.run.outputDir
        resolved.dataset.path = original.dataset.path
        resolved.evalDatasets = original.evalDatasets
        resolved.judge?.rubric = original.judge!.rubric
        resolved.rewards.structureRubric = original.rewards.structureRubric
        resolved.rewards.contentRubric = original.rewards.contentRubric
        #expect(resolved == original)
    }

    @Test func resolvingIsIdempotentAndIndependentOfTheBaseOnceAbsolute() {
        let once = ResolvedConfig.resolvingPaths(Self.config(), base: Self.base)
        #expect(ResolvedConfig.resolvingPaths(once, base: Self.base) == once)
        #expect(ResolvedConfig.resolvingPaths(once, base: URL(fileURLWithPath: "/elsewhere", isDirectory: true)) == once)
    }

    @Test func absentOptionalPathsStayAbsent() {
        var config = Self.config()
        config.judge = nil
        config.rewards.structureRubric = nil
        config.rewards.contentRubric = nil
        config.evalDatasets = []
        let resolved = ResolvedConfig.resolvingPaths(config, base: Self.base)
        #expect(resolved.judge == nil)
        #expect(resolved.rewards.structureRubric == nil)
        #expect(resolved.rewards.contentRubric == nil)
        #expect(resolved.evalDatasets.isEmpty)
    }

    @Test func encodeThenDecodeRoundTrips() throws {
        let config = ResolvedConfig.resolvingPaths(Self.config(), base: Self.base)
        let text = try ResolvedConfig.encode(config)
        let decoded = try ResolvedConfig.decode(text, runID: "r1")
        #expect(decoded == config)
        #expect(decoded.run.seed == 0xFEDC_BA98_7654_3210)
        #expect(decoded.advantage.params["weights"]?.numbers == [1, 0.25, -0.5])
        #expect(decoded.advantage.params["numeric_string"] == .string("1.5"))
        #expect(decoded.advantage.params["normalize"] == .bool(true))
        // The text is canonical: re-encoding the decoded value gives the same text, hence the same hash.
        let again = try ResolvedConfig.encode(decoded)
        #expect(again == text)
        #expect(ResolvedConfig.hash(again) == ResolvedConfig.hash(text))
    }

    @Test func aMinimalConfigRoundTripsToo() throws {
        let config = RunConfig(
            run: RunSection(name: "min"), dataset: DatasetConfig(kind: .morebenchCSV, path: "/d.csv"),
            policy: PolicyConfig(model: "m", endpoints: [EndpointConfig(url: "http://h:1")]))
        let decoded = try ResolvedConfig.decode(try ResolvedConfig.encode(config), runID: "r2")
        #expect(decoded == config)
        #expect(decoded.judge == nil && decoded.trainer == nil && decoded.reference == nil)
    }

    /// A table without an ability column (`ability: nil`, written `ability: null` in YAML) keeps it
    /// nil through the recorded configuration: nil encodes as an explicit null, and only an absent
    /// key takes the default `ABILITY`.
    @Test func aTableWithoutAnAbilityColumnRoundTrips() throws {
        var config = Self.config()
        config.dataset.columns = ColumnMapping(ability: nil)
        let decoded = try ResolvedConfig.decode(try ResolvedConfig.encode(config), runID: "r3")
        #expect(decoded.dataset.columns?.ability == nil)
        #expect(decoded == config)
    }

    @Test func encodedTextSortsKeysAndKeepsSlashes() throws {
        let text = try ResolvedConfig.encode(ResolvedConfig.resolvingPaths(Self.config(), base: Self.base))
        #expect(text.contains("/srv/arbiter/configs/runs/arbiter.sqlite"))
        #expect(!text.contains("\\/"))
        let keys = ["\"advantage\"", "\"dataset\"", "\"eval_datasets\"", "\"judge\"", "\"policy\"", "\"reference\"", "\"rewards\"", "\"run\""]
        let positions = keys.compactMap { text.range(of: $0)?.lowerBound }
        #expect(positions.count == keys.count)
        #expect(positions == positions.sorted())
    }

    @Test func undecodableTextCannotResume() {
        for text in ["", "not json", "{\"run\": {\"name\": \"x\"}}"] {
            let error = #expect(throws: EngineError.self) { try ResolvedConfig.decode(text, runID: "r9") }
            #expect(error?.code == .cannotResume)
            #expect(error?.context == "run r9")
        }
    }

    @Test func hashIsSHA256OfTheText() throws {
        #expect(ResolvedConfig.hash("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        let text = try ResolvedConfig.encode(Self.config())
        #expect(ResolvedConfig.hash(text) == ResolvedConfig.hash(String(text)))
        #expect(ResolvedConfig.hash(text).count == 64)
        #expect(ResolvedConfig.hash(text) != ResolvedConfig.hash(text + " "))
        var other = Self.config()
        other.run.seed += 1
        #expect(ResolvedConfig.hash(try ResolvedConfig.encode(other)) != ResolvedConfig.hash(text))
    }
}
