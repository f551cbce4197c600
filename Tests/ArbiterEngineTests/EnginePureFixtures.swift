import ArbiterCore
import ArbiterNumerics
@testable import ArbiterEngine
import ArbiterRewards
import ArbiterStore

/// Hand-built values for the pure parts of the run loop (schedule, step assembly, batches).
enum EnginePureFixtures {
    static let runID = "run-pure"

    static func config(seed: UInt64 = 7, shuffleOptions: Bool = true) -> RunConfig {
        RunConfig(
            run: RunSection(name: "pure", seed: seed),
            dataset: DatasetConfig(kind: .tomTable, path: "data/items.csv"),
            policy: PolicyConfig(model: "policy", endpoints: [EndpointConfig(url: "http://127.0.0.1:1")]),
            rewards: RewardConfig(answer: AnswerFormatConfig(shuffleOptions: shuffleOptions)))
    }

    static func choicePrompt(_ tag: String) throws -> Prompt {
        let item = try MultipleChoiceItem(
            story: "Story \(tag).", question: "What does \(tag) think?", options: ["yes", "no", "maybe", "later"],
            goldIndex: 1, language: "en", abilities: ["belief"], source: SourceLocation(file: "items.csv", line: 2),
            evalOnly: false)
        return Prompt(id: PromptID(canonicalContent: item.canonicalContent), dataset: "items", payload: .multipleChoice(item))
    }

    static func rubricPrompt(_ tag: String) -> Prompt {
        let scenario = RubricScenario(
            dilemma: "Dilemma \(tag): should she tell him?", dilemmaSource: "src", dilemmaType: "type", theory: "neutral",
            roleDomain: "domain", context: "ctx",
            criteria: [RubricCriterion(id: "c1", title: "Names the tension.", weight: 2, dimension: .identifying)],
            source: SourceLocation(file: "morebench.csv", line: 3), evalOnly: false)
        return Prompt(id: PromptID(canonicalContent: scenario.canonicalContent), dataset: "morebench", payload: .rubric(scenario))
    }

    static func prepared(_ prompt: Prompt, index: Int = 0, epoch: Int = 0, ordinal: Int = 0) -> PreparedPrompt {
        PreparedPrompt(
            prompt: prompt, draw: PromptDraw(index: index, promptID: prompt.id, epoch: epoch, ordinal: ordinal), config: config(),
            style: .answerTag)
    }

    static func rollout(_ promptID: PromptID, _ i: Int, tokens: Int = 10, logprobs: [Double]? = nil) -> Rollout {
        Rollout(
            id: "\(promptID.rawValue)/\(i)", promptID: promptID, sampleIndex: i, endpoint: "http://127.0.0.1:1",
            policyVersion: PolicyVersion(3), promptText: "prompt of \(promptID.rawValue)", completionText: "answer \(i)",
            promptTokenIDs: [1, 2, 3], completionTokenIDs: logprobs.map { Array(0..<$0.count) }, completionLogprobs: logprobs,
            finishReason: i % 3 == 2 ? .length : .stop, completionTokens: tokens)
    }

    static func reward(_ total: Double?) -> RewardVector {
        RewardVector(
            components: [RewardComponent(name: "outcome", value: total, weight: 1), RewardComponent(name: "format", value: 1, weight: 0)],
            total: total)
    }

    /// A group whose samples carry `rewards` (nil = missing); sample i gets ref logprob mean −0.1·(i+1).
    static func group(
        _ prepared: PreparedPrompt, step: Int = 1, rewards: [Double?], partial: Bool = false, withReference: Bool = true
    ) -> ScoredGroup {
        let samples = rewards.enumerated().map { i, r in
            let ref: Double? = withReference ? -0.1 * Double(i + 1) : nil
            var aggregates: [String: Double?] = ["correct": r == nil ? nil : (r! > 0.5 ? 1 : 0)]
            if withReference { aggregates["ref_logprob_mean"] = ref }
            return ScoredSample(
                rollout: rollout(prepared.prompt.id, i, tokens: 10 + 5 * i, logprobs: [-0.5, -0.25]), reward: reward(r),
                judgeCalls: [], parseStatus: r == nil ? "no_answer" : "ok", aggregates: aggregates, refLogprobMean: ref)
        }
        return ScoredGroup(
            prepared: prepared, groupID: StepAssembler.groupID(step: step, draw: prepared.draw), samples: samples, partial: partial)
    }

    static func grpo() throws -> AdvantageEstimator { try AdvantageEstimator(name: "grpo", params: [:]) }
}
