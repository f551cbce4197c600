import ArbiterCore
import ArbiterRewards
import Testing

@Suite("Social-R1 trajectory rewards")
struct SocialR1Tests {
    static let good = """
        <think>Xiaoming saw the cabbage go into the handbag and left before it was moved. \
        He does not know it is in the briefcase. The question asks where he will look. \
        So he will look in the handbag.</think>
        <Answer>B</Answer>
        """

    static let structureAnswer =
        #"{"cue_encoding": "yes", "cue_interpretation": "yes", "goal_clarification": "yes", "response_generation": "yes", "in_order": "yes"}"#
    static let contentAnswer =
        #"{"steps": [{"step": 1, "grounded": "yes"}, {"step": 2, "grounded": "yes"}, {"step": 3, "grounded": "yes"}, {"step": 4, "grounded": "no"}]}"#

    static func judges(_ backend: any JudgeBackend, maxRetries: Int = 1) throws -> (ProcessJudge, ProcessJudge) {
        let config = Fixture.judge(maxRetries: maxRetries)
        return (
            try ProcessJudge(
                component: "structure", template: Fixture.template("social-r1/structure.yaml"), config: config, backend: backend),
            try ProcessJudge(component: "content", template: Fixture.template("social-r1/content.yaml"), config: config, backend: backend)
        )
    }

    static func scripted(structure: String = structureAnswer, content: String = contentAnswer) -> ScriptedJudgeBackend {
        ScriptedJudgeBackend { $0.subjects == ["structure"] ? structure : content }
    }

    // Gold is original option 1 (Handbag); identity order, so the gold letter is B.
    static func item() throws -> MultipleChoiceItem { try Fixture.item(gold: 1) }

    @Test func formatRule() {
        func valid(_ s: String) -> Bool { FormatCheck(completion: s, style: .answerTag, optionCount: 4).valid }
        #expect(valid(Self.good))
        #expect(valid("reasoning opened by the template</think><Answer>B</Answer>"))
        #expect(!valid("<Answer>B</Answer>"))
        #expect(!valid("<Answer>B</Answer><think>late</think>"))
        #expect(!valid("<think>a</think><think>b</think><Answer>B</Answer>"))
        #expect(!valid("<think>never closed <Answer>B</Answer>"))
        #expect(!valid("<think>  </think><Answer>B</Answer>"))
        #expect(!valid("<think>x</think><Answer>Q</Answer>"))
        #expect(!valid("<think>x</think></think><Answer>B</Answer>"))
        let f = FormatCheck(completion: "<think>x</think>B", style: .answerTag, optionCount: 4)
        #expect(f.value == 0 && f.problems == ["answer: no_tag"])
    }

    @Test func lengthRewardShapeAndPenalties() {
        let config = LengthRewardConfig(
            target: 6, floor: 4, ceiling: 8, repetitionPenalty: 0.5, hesitationPenalty: 0.1, hesitationTokens: ["wait", "hold on"])
        #expect(LengthRewardResult(reasoning: "", config: config).value == 0)
        #expect(LengthRewardResult(reasoning: "one two", config: config).value == 0.5)
        #expect(LengthRewardResult(reasoning: "a b c d e f", config: config).value == 1)
        #expect(LengthRewardResult(reasoning: "x", tokens: 12, config: config).value == 0.5)
        #expect(LengthRewardResult(reasoning: "x", tokens: 16, config: config).value == 0)
        let hesitant = LengthRewardResult(reasoning: "Wait, the bag. Hold on: the box moved.", config: config)
        #expect(hesitant.hesitations == 2)
        #expect(abs(hesitant.value - 0.8) < 1e-12)
        let repetitive = LengthRewardResult(reasoning: "he went home he went home he went home", config: config)
        #expect(repetitive.repetition > 0.5)
        #expect(repetitive.value < 0.75)
    }

    @Test func processJudgeParsing() throws {
        let stages = ["a", "b", "c", "d"]
        #expect(
            ProcessJudge.parseStages(#"{"a": "yes", "b": "yes", "c": "no", "d": true, "in_order": "yes"}"#, stages: stages)?.score == 0.75)
        #expect(
            ProcessJudge.parseStages(#"Sure: {"a": "yes", "b": "yes", "c": "yes", "d": "yes", "in_order": "no"}"#, stages: stages)?.score
                == 0.5)
        #expect(ProcessJudge.parseStages(#"{"a": "yes", "b": "yes", "c": "yes", "in_order": "yes"}"#, stages: stages) == nil)
        #expect(ProcessJudge.parseStages(#"{"a": "mostly", "b": "yes", "c": "yes", "d": "yes", "in_order": "yes"}"#, stages: stages) == nil)
        #expect(ProcessJudge.parseStages(#"{"a": 1, "b": "yes", "c": "yes", "d": "yes", "in_order": "yes"}"#, stages: stages) == nil)
        #expect(ProcessJudge.parseSteps(Self.contentAnswer)?.score == 0.75)
        #expect(ProcessJudge.parseSteps(#"{"steps": []}"#) == nil)
        #expect(ProcessJudge.parseSteps(#"{"steps": [{"step": 1, "grounded": "partly"}]}"#) == nil)
        #expect(ProcessJudge.parseSteps("no json here") == nil)
    }

    @Test func fullPresetScoresEveryComponent() async throws {
        let backend = Self.scripted()
        let (s, c) = try Self.judges(backend)
        let scorer = try SocialR1Scorer(rewards: RewardConfig(preset: .full), structure: s, content: c)
        let r = await scorer.score(
            completion: Self.good, item: try Self.item(), permutation: .identity(4), step: 0, session: JudgeSession())
        #expect(r.reward.components.map(\.name) == ["format", "outcome", "structure", "content", "length"])
        #expect(r.reward["format"] == 1)
        #expect(r.reward["outcome"] == 1)
        #expect(r.reward["structure"] == 1)
        #expect(r.reward["content"] == 0.75)
        let length = try #require(r.reward["length"])
        #expect(length > 0 && length <= 1)
        #expect(r.reward.total == 1 + 1 + 1 + 0.75 + length)
        #expect(r.judgements.count == 2)
        #expect(r.judgements.allSatisfy { $0.status == .ok && $0.calls == 1 })
        let requests = await backend.requests
        #expect(requests.first { $0.subjects == ["structure"] }?.lastUserText.contains("He does not know it is in the briefcase.") == true)
        #expect(requests.first { $0.subjects == ["content"] }?.lastUserText.contains("Xiaoming puts the cabbage in the handbag") == true)
    }

    @Test func parseFailureIsAWrongAnswerAndAFormatFailureAndGatesProcessRewards() async throws {
        let backend = Self.scripted()
        let (s, c) = try Self.judges(backend)
        let scorer = try SocialR1Scorer(rewards: RewardConfig(preset: .full), structure: s, content: c)
        let r = await scorer.score(
            completion: "<think>He will look in the handbag.</think> The answer is B.", item: try Self.item(), permutation: .identity(4),
            step: 0, session: JudgeSession())
        #expect(r.verification.extraction.status == .noTag)
        #expect(r.reward["format"] == 0)
        #expect(r.reward["outcome"] == 0)
        // structure, content and length require format: gated to 0, no judge calls.
        #expect(r.reward["structure"] == 0 && r.reward["content"] == 0 && r.reward["length"] == 0)
        #expect(r.gated == ["structure", "content", "length"])
        #expect(await backend.callCount == 0)
        #expect(r.reward.total == 0)
    }

    @Test func wrongAnswerWithValidFormatStillEarnsProcessRewards() async throws {
        let (s, c) = try Self.judges(Self.scripted())
        let scorer = try SocialR1Scorer(rewards: RewardConfig(preset: .plusStructure), structure: s, content: c)
        let wrong = Self.good.replacingOccurrences(of: "<Answer>B</Answer>", with: "<Answer>C</Answer>")
        let r = await scorer.score(completion: wrong, item: try Self.item(), permutation: .identity(4), step: 0, session: JudgeSession())
        #expect(r.reward.components.map(\.name) == ["format", "outcome", "structure"])
        #expect(r.reward["format"] == 1 && r.reward["outcome"] == 0 && r.reward["structure"] == 1)
    }

    @Test func failedOrUnreadableJudgeCallsAreMissingNeverZero() async throws {
        let failing = ScriptedJudgeBackend { request in
            if request.subjects == ["structure"] { throw JudgeBackendFailure("timeout") }
            return "The reasoning is well grounded overall."
        }
        let (s, c) = try Self.judges(failing, maxRetries: 1)
        let config = RewardConfig(preset: .full, missingPolicy: .missingTotal)
        let scorer = try SocialR1Scorer(rewards: config, structure: s, content: c)
        let r = await scorer.score(
            completion: Self.good, item: try Self.item(), permutation: .identity(4), step: 0, session: JudgeSession())
        #expect(r.reward.components.first { $0.name == "structure" }?.value == nil)
        #expect(r.reward.components.first { $0.name == "content" }?.value == nil)
        #expect(r.reward.total == nil)
        let structure = try #require(r.judgements.first { $0.component == "structure" })
        #expect(structure.status == .failed && structure.failure == "timeout" && structure.calls == 1)
        let content = try #require(r.judgements.first { $0.component == "content" })
        #expect(content.status == .nonBinary && content.calls == 2 && content.earlierAnswers.count == 1)
        // Renormalizing over what is left instead.
        let renorm = try SocialR1Scorer(rewards: RewardConfig(preset: .full, missingPolicy: .renormalize), structure: s, content: c)
        let r2 = await renorm.score(
            completion: Self.good, item: try Self.item(), permutation: .identity(4), step: 0, session: JudgeSession())
        let total = try #require(r2.reward.total)
        #expect(abs(total - (2 + r2.reward["length"]!) * 5 / 3) < 1e-12)
        // A spent budget is a missing component too.
        let (s2, c2) = try Self.judges(Self.scripted())
        let budgeted = try SocialR1Scorer(rewards: RewardConfig(preset: .plusStructure), structure: s2, content: c2)
        let r3 = await budgeted.score(
            completion: Self.good, item: try Self.item(), permutation: .identity(4), step: 0, session: JudgeSession(callBudget: 0))
        #expect(r3.reward.components.first { $0.name == "structure" }?.value == nil)
        #expect(r3.judgements.first?.failure == "judge-call budget spent")
    }

    @Test func curriculumWeightsAtStepBoundaries() async throws {
        let schedule = [SchedulePoint(step: 0, weight: 0), SchedulePoint(step: 20, weight: 0.5), SchedulePoint(step: 80, weight: 0.25)]
        let rewards = RewardConfig(components: [
            ComponentConfig(name: "format", weight: 0.5),
            ComponentConfig(name: "outcome", weight: 1),
            ComponentConfig(name: "structure", schedule: schedule, requires: ["format"]),
        ])
        let backend = Self.scripted()
        let (s, c) = try Self.judges(backend)
        let scorer = try SocialR1Scorer(rewards: rewards, structure: s, content: c)
        let session = JudgeSession()
        var weights: [Int: Double] = [:]
        for step in [0, 10, 19, 20, 21, 50, 79, 80, 81, 500] {
            let r = await scorer.score(
                completion: Self.good, item: try Self.item(), permutation: .identity(4), step: step, session: session)
            weights[step] = r.reward.components.first { $0.name == "structure" }!.weight
            #expect(r.reward.components[0].weight == 0.5 && r.reward.components[1].weight == 1)
            if step == 0 {
                // Weight 0: not judged, value missing but the total is unaffected.
                #expect(r.skipped == ["structure"])
                #expect(r.reward.components[2].value == nil)
                #expect(r.reward.total == 1.5)
            } else {
                #expect(r.reward["structure"] == 1)
            }
        }
        #expect(weights[0] == 0 && weights[10] == 0.25 && weights[19] == 0.475 && weights[20] == 0.5)
        #expect(
            weights[21]! < 0.5 && weights[50] == 0.375 && weights[79]! > 0.25 && weights[80] == 0.25 && weights[81] == 0.25
                && weights[500] == 0.25)
        // The same judged trace is judged once; later steps hit the cache.
        #expect(await backend.callCount == 1)
        #expect(await session.stats.cacheHits == 8)
    }

    @Test func gateThresholdAndMissingRequirements() async throws {
        let (s, c) = try Self.judges(Self.scripted())
        // Content only when structure ≥ 0.9; structure scores 0.375 (3 of 4 stages, out of order).
        let rewards = RewardConfig(components: [
            ComponentConfig(name: "structure"),
            ComponentConfig(name: "content", requires: ["structure"], gateThreshold: 0.9),
        ])
        let halfStructure =
            #"{"cue_encoding": "yes", "cue_interpretation": "yes", "goal_clarification": "no", "response_generation": "yes", "in_order": "no"}"#
        let (s2, c2) = try Self.judges(Self.scripted(structure: halfStructure))
        let r = await (try SocialR1Scorer(rewards: rewards, structure: s2, content: c2)).score(
            completion: Self.good, item: try Self.item(), permutation: .identity(4), step: 0, session: JudgeSession())
        #expect(r.reward["structure"] == 0.375)
        #expect(r.reward["content"] == 0)
        #expect(r.gated == ["content"])
        let pass = await (try SocialR1Scorer(rewards: rewards, structure: s, content: c)).score(
            completion: Self.good, item: try Self.item(), permutation: .identity(4), step: 0, session: JudgeSession())
        #expect(pass.reward["content"] == 0.75)
        // A missing requirement makes the gated component missing too.
        let broken = ScriptedJudgeBackend { _ in throw JudgeBackendFailure("down") }
        let (s3, c3) = try Self.judges(broken)
        let miss = await (try SocialR1Scorer(rewards: rewards, structure: s3, content: c3)).score(
            completion: Self.good, item: try Self.item(), permutation: .identity(4), step: 0, session: JudgeSession())
        #expect(miss.reward.components.allSatisfy { $0.value == nil })
        #expect(await broken.callCount == 1)
    }

    @Test func presetsAndConfigErrors() throws {
        #expect(RewardPreset.outcomeOnly.components.map(\.name) == ["outcome"])
        let (s, c) = try Self.judges(Self.scripted())
        #expect(throws: RewardsError.self) { try SocialR1Scorer(rewards: RewardConfig(preset: .full)) }
        #expect(throws: RewardsError.self) { try SocialR1Scorer(rewards: RewardConfig(components: [ComponentConfig(name: "vibes")])) }
        #expect(throws: RewardsError.self) {
            try SocialR1Scorer(rewards: RewardConfig(components: [ComponentConfig(name: "outcome"), ComponentConfig(name: "outcome")]))
        }
        #expect(throws: RewardsError.self) {
            try SocialR1Scorer(
                rewards: RewardConfig(components: [
                    ComponentConfig(name: "format", requires: ["length"]), ComponentConfig(name: "length", requires: ["format"]),
                ]))
        }
        #expect(throws: RewardsError.self) {
            try SocialR1Scorer(rewards: RewardConfig(preset: .outcomeOnly, answer: AnswerFormatConfig(style: "xml")))
        }
        #expect(throws: RewardsError.self) {
            try ProcessJudge(
                component: "structure", template: Fixture.template("morebench/official.yaml"), config: Fixture.judge(),
                backend: Self.scripted())
        }
        _ = try SocialR1Scorer(rewards: RewardConfig(preset: .full), structure: s, content: c)
    }

    @Test func outcomeOnlyWithDoubleBrackets() async throws {
        let scorer = try SocialR1Scorer(rewards: RewardConfig(preset: .outcomeOnly, answer: AnswerFormatConfig(style: "double_brackets")))
        let perm = try OptionPermutation(order: [1, 0, 2, 3])  // gold (original 1) shown as A
        let r = await scorer.score(
            completion: "<think>t</think>[[A]]", item: try Self.item(), permutation: perm, step: 0, session: JudgeSession())
        #expect(r.reward.components.map(\.name) == ["outcome"])
        #expect(r.reward.total == 1)
    }
}
