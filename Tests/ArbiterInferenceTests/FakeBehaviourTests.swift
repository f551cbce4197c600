import ArbiterCore
import ArbiterTesting
import Foundation
import Testing

@testable import ArbiterInference

/// The fake server acting as a multiple-choice policy and as an LLM judge, through the real client.
@Suite("Fake server behaviours")
struct FakeBehaviourTests {
    static let question = """
        Story: Sam puts the ball in the basket and leaves. Anne moves it to the box.
        Question: Where will Sam look for the ball?
        A. basket
        B. box
        C. garden
        Answer with <Answer>X</Answer>.
        """

    static func generate(
        _ behaviour: FakeBehaviour, _ call: InferenceCall, shape: FakeInferenceServer.LogprobsShape = .completions
    ) async throws -> InferenceResponse {
        try await FakeInferenceServer.withServer(.init(completionsLogprobs: shape, behaviour: behaviour)) { server in
            try await InferenceClientTests.withClient([server]) { client in
                try await client.generate(call, endpoint: 0, timeout: .seconds(5))
            }
        }
    }

    static func chat(_ text: String, n: Int = 1, maxTokens: Int = 256, seed: UInt64 = 7, stream: Bool = false) -> InferenceCall {
        InferenceCall(
            api: .chat, model: "m", input: .chat([ChatMessage(role: "user", content: text)]), n: n,
            sampling: SamplingParams(maxTokens: maxTokens), seed: seed, stream: stream)
    }

    /// The letter inside `open … close` outside `<think>`, if any.
    static func answer(_ text: String, style: String) -> String? {
        let outside = text.components(separatedBy: "</think>").last ?? ""
        let (open, close) = style == "double_brackets" ? ("[[", "]]") : ("<Answer>", "</Answer>")
        guard let a = outside.range(of: open), let b = outside.range(of: close, range: a.upperBound..<outside.endIndex) else {
            return nil
        }
        return String(outside[a.upperBound..<b.lowerBound])
    }

    @Test(arguments: ["answer_tag", "double_brackets"])
    func multipleChoiceAnswersALetterAmongTheOptions(_ style: String) async throws {
        let call = Self.chat(Self.question, n: 64)
        let response = try await Self.generate(.multipleChoice(style: style), call)
        #expect(response.choices.count == 64)
        var parsed = 0
        var letters = Set<String>()
        for choice in response.choices {
            #expect(choice.text.hasPrefix("<think>"))
            #expect(choice.text.contains("</think>"))
            #expect(choice.tokenIDs?.count == choice.completionLogprobs?.count)
            #expect(choice.tokens?.joined() == choice.text)
            #expect(choice.tokenIDs?.allSatisfy { $0 >= 1000 && $0 < FakeModel.vocabulary } == true)
            #expect(choice.finishReason == .stop)
            if let letter = Self.answer(choice.text, style: style) {
                #expect(["A", "B", "C"].contains(letter))
                letters.insert(letter)
                parsed += 1
            }
        }
        // About 1 in 16 is malformed: some fail, most parse, and several letters occur.
        #expect(parsed >= 48 && parsed < 64)
        #expect(letters.count >= 2)
        #expect(FakeModel.optionCount(in: Self.question) == 3)
        #expect(FakeModel.optionCount(in: "no options here") == 4)
    }

    @Test func multipleChoiceIsDeterministicAndConsistentAcrossShapes() async throws {
        let behaviour = FakeBehaviour.multipleChoice(style: "answer_tag")
        let call = Self.chat(Self.question, n: 4)
        let first = try await Self.generate(behaviour, call)
        let again = try await Self.generate(behaviour, call)
        #expect(first.choices.map(\.text) == again.choices.map(\.text))
        #expect(first.choices.map(\.tokenIDs) == again.choices.map(\.tokenIDs))
        #expect(first.choices.map(\.completionLogprobs) == again.choices.map(\.completionLogprobs))

        var streamed = call
        streamed.stream = true
        let s = try await Self.generate(behaviour, streamed)
        #expect(s.choices.map(\.text) == first.choices.map(\.text))
        #expect(s.choices.map(\.tokenIDs) == first.choices.map(\.tokenIDs))
        #expect(s.choices.map(\.completionLogprobs) == first.choices.map(\.completionLogprobs))

        // Completions: the token texts, ids and offsets match the model's sample, in both logprob shapes.
        let text = InferenceCall(
            api: .completions, model: "m", input: .text(Self.question), n: 2, sampling: SamplingParams(maxTokens: 256), seed: 3)
        for shape in [FakeInferenceServer.LogprobsShape.completions, .chat] {
            let r = try await Self.generate(behaviour, text, shape: shape)
            for (i, choice) in r.choices.enumerated() {
                let expected = FakeModel.sample(
                    behaviour, prompt: FakeModel.tokenize(Self.question), text: Self.question, seed: 3, index: i, maxTokens: 256)
                #expect(choice.text == expected.text)
                #expect(choice.tokens == expected.tokens)
                #expect(choice.tokenIDs == expected.tokenIDs)
                #expect(choice.tokenIDs == expected.tokens.map(FakeModel.tokenID))
                #expect(choice.completionLogprobs == expected.logprobs)
                if shape == .completions {
                    let offsets = try #require(choice.textOffsets)
                    var at = 0
                    let want = expected.tokens.map { t -> Int in
                        defer { at += t.count }
                        return at
                    }
                    #expect(offsets == want)
                }
            }
        }
    }

    @Test func multipleChoiceRespectsMaxTokens() async throws {
        let r = try await Self.generate(.multipleChoice(style: "answer_tag"), Self.chat(Self.question, n: 3, maxTokens: 2))
        for choice in r.choices {
            #expect(choice.tokenIDs?.count == 2)
            #expect(choice.finishReason == .length)
            #expect(Self.answer(choice.text, style: "answer_tag") == nil)
        }
    }

    @Test func wordsStayTheDefault() async throws {
        #expect(FakeInferenceServer.Configuration().behaviour == .words)
        let prompt = FakeModel.tokenize("a b c")
        let words = FakeModel.sample(prompt: prompt, seed: 1, index: 0, maxTokens: 30)
        let same = FakeModel.sample(.words, prompt: prompt, text: "a b c", seed: 1, index: 0, maxTokens: 30)
        #expect(words == same)
        #expect(words.text == words.tokenIDs.map(FakeModel.tokenText).joined())
    }

    static let rubricPrompt = """
        Reasoning Response:<Answer>B</Answer> because honesty matters.

        Does the reasoning response meet the rubric criterion? Return yes or no only.


        Rubric Criterion:Mentions the duty to tell the truth.
        """

    @Test func judgeAnswersYesOrNoFromThePromptOnly() async throws {
        let r1 = try await Self.generate(.judge, Self.chat(Self.rubricPrompt, seed: 1))
        let r2 = try await Self.generate(.judge, Self.chat(Self.rubricPrompt, seed: 99))
        let verdict = r1.choices[0].text
        #expect(verdict == "Yes" || verdict == "No")
        #expect(r2.choices[0].text == verdict)
        #expect(r1.choices[0].tokenIDs?.count == r1.choices[0].completionLogprobs?.count)
        // Roughly 60% Yes over many criteria.
        var yes = 0
        for k in 0..<200 {
            let answer = FakeModel.judgeAnswer("user: Reasoning Response:r\nRubric Criterion:criterion \(k)")
            #expect(answer == "Yes" || answer == "No")
            if answer == "Yes" { yes += 1 }
        }
        #expect(yes > 90 && yes < 150)
    }

    @Test func judgeAnswersBatchedRubricsWithEveryCriterionID() async throws {
        let prompt = """
            Reasoning Response:some answer

            Below are rubric criteria, one JSON object per line with an "id" and a "criterion".
            For each criterion, decide whether the reasoning response meets it.

            Rubric Criteria:
            {"id": "c1", "criterion": "Mentions honesty"}
            {"id": "c-2", "criterion": "Weighs \\"harm\\""}
            {"id": "c3", "criterion": "Concludes"}

            Return a JSON list only, one object per criterion, using exactly the ids given and a verdict
            of "yes" or "no", for example:
            [{"id": "first-id", "verdict": "yes"}, {"id": "second-id", "verdict": "no"}]
            """
        let r = try await Self.generate(.judge, Self.chat(prompt))
        let text = r.choices[0].text
        let list = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [[String: String]])
        #expect(list.compactMap { $0["id"] } == ["c1", "c-2", "c3"])
        #expect(list.allSatisfy { ["yes", "no"].contains($0["verdict"] ?? "") })
    }

    @Test func judgeAnswersSocialR1StructureAndContent() async throws {
        let structure = """
            You are grading the structure of a reasoning trace written to answer a question about a story.

            Reasoning trace:
            <think>w1 w2 </think>

            Good social reasoning passes through four stages, in this order:
            1. cue_encoding: it picks out the relevant social cues.
            2. cue_interpretation: it interprets those cues.
            3. goal_clarification: it makes clear what the question asks.
            4. response_generation: it derives the answer.

            Then answer "in_order": "yes" if the stages it contains appear in the order above, "no" otherwise.
            Return a JSON object only.
            """
        let s = try await Self.generate(.judge, Self.chat(structure))
        let obj = try #require(try JSONSerialization.jsonObject(with: Data(s.choices[0].text.utf8)) as? [String: String])
        for key in FakeModel.defaultStages + ["in_order"] {
            #expect(["yes", "no"].contains(obj[key] ?? ""), "\(key)")
        }
        #expect(obj.count == 5)

        let custom = FakeModel.judgeAnswer("user: Stages:\n1. noticing: a\n2. acting: b\nin_order")
        let customObj = try #require(try JSONSerialization.jsonObject(with: Data(custom.utf8)) as? [String: String])
        #expect(Set(customObj.keys) == ["noticing", "acting", "in_order"])

        let content = """
            You are checking whether a reasoning trace stays grounded in a story.
            Return a JSON object only, in exactly this form, with one entry per step:
            {"steps": [{"step": 1, "grounded": "yes"}, {"step": 2, "grounded": "no"}]}
            """
        let c = try await Self.generate(.judge, Self.chat(content))
        let cObj = try #require(try JSONSerialization.jsonObject(with: Data(c.choices[0].text.utf8)) as? [String: Any])
        let steps = try #require(cObj["steps"] as? [[String: Any]])
        #expect((1...3).contains(steps.count))
        #expect(steps.allSatisfy { ["yes", "no"].contains($0["grounded"] as? String ?? "") })
        #expect(c.choices[0].tokens?.joined() ?? c.choices[0].text == c.choices[0].text)
        #expect(c.choices[0].tokenIDs?.count == c.choices[0].completionLogprobs?.count)
    }
}
