import ArbiterCore
import ArbiterData
import ArbiterRewards
import ArbiterTesting
import Foundation
import Testing

@Suite("ToMBench verifier")
struct ToMBenchVerifierTests {
    @Test(
        arguments: [
            ("<think>It moved.</think><Answer>B</Answer>", AnswerStyle.answerTag, AnswerParseStatus.ok, "B" as String?),
            ("<think>x</think>\n<answer> c </answer>", .answerTag, .ok, "C"),
            ("<think>x</think><ANSWER>(D)</ANSWER>", .answerTag, .ok, "D"),
            ("<think>x</think><Answer>A. Backpack</Answer>", .answerTag, .ok, "A"),
            ("<think>x</think><Answer>**B**</Answer>", .answerTag, .ok, "B"),
            ("<think>x</think>The answer is B.", .answerTag, .noTag, nil),
            ("<think>x</think><Answer>B", .answerTag, .noTag, nil),
            ("<think>x</think><Answer>A</Answer><Answer>B</Answer>", .answerTag, .multipleAnswers, nil),
            ("<think>x</think><Answer>A</Answer> again <Answer>A</Answer>", .answerTag, .multipleAnswers, nil),
            ("<think>x</think><Answer>A, C</Answer>", .answerTag, .multipleAnswers, nil),
            ("<think>x</think><Answer>B and D</Answer>", .answerTag, .multipleAnswers, nil),
            ("<think>Maybe <Answer>B</Answer>?</think>So it is B.", .answerTag, .answerInsideThink, nil),
            ("<think>Maybe <Answer>B</Answer>?</think><Answer>C</Answer>", .answerTag, .ok, "C"),
            ("<think>x</think><Answer>Backpack</Answer>", .answerTag, .invalidLetter, nil),
            ("<think>x</think><Answer>AB</Answer>", .answerTag, .invalidLetter, nil),
            ("<think>x</think><Answer></Answer>", .answerTag, .invalidLetter, nil),
            ("<think>x</think><Answer>E</Answer>", .answerTag, .letterOutOfRange, "E"),
            ("[[B]]", .doubleBrackets, .ok, "B"),
            ("<think>x</think> so [[ a ]]", .doubleBrackets, .ok, "A"),
            ("B", .doubleBrackets, .noTag, nil),
            ("[[A]] or [[B]]", .doubleBrackets, .multipleAnswers, nil),
            ("<think>[[A]]</think>", .doubleBrackets, .answerInsideThink, nil),
            ("[[Handbag]]", .doubleBrackets, .invalidLetter, nil),
            ("[[Z]]", .doubleBrackets, .letterOutOfRange, "Z"),
            ("<Answer>B</Answer>", .doubleBrackets, .noTag, nil),
        ] as [(String, AnswerStyle, AnswerParseStatus, String?)])
    func answerExtraction(text: String, style: AnswerStyle, status: AnswerParseStatus, letter: String?) {
        let e = AnswerExtraction.extract(text, style: style, optionCount: 4)
        #expect(e.status == status, "\(text)")
        #expect(e.letter == letter)
        #expect((e.index != nil) == (status == .ok))
    }

    @Test func twoOptionItemsRejectLettersBeyondB() {
        #expect(
            AnswerExtraction.extract("<think>x</think><Answer>C</Answer>", style: .answerTag, optionCount: 2).status == .letterOutOfRange)
        #expect(AnswerExtraction.extract("<think>x</think><Answer>B</Answer>", style: .answerTag, optionCount: 2).index == 1)
    }

    @Test func answerStyleFromConfig() throws {
        #expect(try AnswerStyle(config: AnswerFormatConfig(style: "double_brackets")) == .doubleBrackets)
        #expect(throws: RewardsError.self) { try AnswerStyle(config: AnswerFormatConfig(style: "json")) }
    }

    @Test func splitMix64MatchesTheReferenceSequence() {
        var g = SplitMix64(seed: 1_234_567)
        #expect(
            (0..<5).map { _ in g.next() } == [
                6_457_827_717_110_365_317, 3_203_168_211_198_807_973, 9_817_491_932_198_370_423, 4_593_380_528_125_082_431,
                16_408_922_859_458_223_821,
            ])
        var h = SplitMix64(seed: 9)
        for n in 1...7 { #expect((0..<50).allSatisfy { _ in (0..<n).contains(h.nextBelow(n)) }) }
    }

    @Test func seededPermutationsAreDeterministicAndVaried() throws {
        let id = PromptID(canonicalContent: "item")
        let a = OptionPermutation.seeded(count: 4, runSeed: 7, promptID: id, sampleIndex: 3)
        let b = OptionPermutation.seeded(count: 4, runSeed: 7, promptID: id, sampleIndex: 3)
        #expect(a == b)
        #expect(a.order.sorted() == [0, 1, 2, 3])
        #expect(a.seed == SplitMix64.derivedSeed(runSeed: 7, promptID: id, sampleIndex: 3))
        // Over many samples every gold position occurs, roughly uniformly.
        var positions = [0, 0, 0, 0]
        for i in 0..<400 {
            positions[OptionPermutation.seeded(count: 4, runSeed: 7, promptID: id, sampleIndex: i).displayedIndex(ofOriginal: 0)] += 1
        }
        #expect(positions.allSatisfy { $0 > 60 })
        #expect(Set((0..<20).map { OptionPermutation.seeded(count: 4, runSeed: UInt64($0), promptID: id, sampleIndex: 0) }).count > 5)
        #expect(throws: RewardsError.self) { try OptionPermutation(order: [0, 0, 1]) }
        let p = try OptionPermutation(order: [2, 0, 1])
        #expect(p.apply(["a", "b", "c"]) == ["c", "a", "b"])
        #expect(p.originalIndex(ofDisplayed: 0) == 2 && p.displayedIndex(ofOriginal: 2) == 0)
    }

    @Test func letterPrefixesAreStrippedDefensively() {
        #expect(OptionText.clean(["A. Yes", "B．No", "C、Maybe", "D) Never"]) == ["Yes", "No", "Maybe", "Never"])
        #expect(OptionText.clean(["A.是", "B. 否"]) == ["是", "否"])
        // Only the option's own letter is stripped.
        #expect(OptionText.clean(["B. Yes", "A. No"]) == ["B. Yes", "A. No"])
        #expect(OptionText.clean(["A", "Because. It is"]) == ["A", "Because. It is"])
    }

    @Test func renderedPromptShowsShuffledLetteredOptionsAndInstructions() throws {
        let item = try Fixture.item(gold: 2, options: ["A. Backpack", "Handbag", "Briefcase", "Tote bag"])
        let perm = try OptionPermutation(order: [3, 2, 1, 0])
        let p = MultipleChoicePrompt(item: item, permutation: perm, style: .answerTag)
        #expect(p.displayedOptions == ["Tote bag", "Briefcase", "Handbag", "Backpack"])
        #expect(p.goldDisplayedIndex == 1 && p.goldLetter == "B")
        #expect(p.text.hasPrefix("Story:\nXiaoming puts"))
        #expect(p.text.contains("Question: Where will Xiaoming look for the cabbage?"))
        #expect(p.text.contains("Options:\nA. Tote bag\nB. Briefcase\nC. Handbag\nD. Backpack\n\n"))
        #expect(p.text.hasSuffix("inside <Answer></Answer>."))
        #expect(p.text.contains("(A, B, C or D)"))
        let two = try Fixture.item(gold: 0, options: ["Yes", "No"], language: "zh")
        let z = MultipleChoicePrompt(item: two, permutation: .identity(2), style: .doubleBrackets)
        #expect(z.text.contains("选项：\nA. Yes\nB. No"))
        #expect(z.text.contains("[[X]]"))
        #expect(z.text.contains("A 或 B"))
    }

    @Test func verificationMapsTheAnswerBackToGold() throws {
        let item = try Fixture.item(gold: 2)
        let perm = try OptionPermutation(order: [1, 2, 3, 0])  // gold (original 2) shown as B
        let right = MultipleChoiceVerification(
            completion: "<think>r</think><Answer>B</Answer>", item: item, permutation: perm, style: .answerTag)
        #expect(right.correct && right.predictedOriginalIndex == 2 && right.goldLetter == "B" && right.predictedLetter == "B")
        let unshuffledGold = MultipleChoiceVerification(
            completion: "<think>r</think><Answer>C</Answer>", item: item, permutation: perm, style: .answerTag)
        #expect(!unshuffledGold.correct && unshuffledGold.predictedOriginalIndex == 3)
        let malformed = MultipleChoiceVerification(completion: "<think>r</think>B", item: item, permutation: perm, style: .answerTag)
        #expect(!malformed.correct && malformed.predictedOriginalIndex == nil && malformed.extraction.status == .noTag)
    }

    @Test func majorityVoteAndTies() throws {
        let item = try Fixture.item(gold: 2)
        let eval = ToMBenchOfficialEval(runSeed: 3, style: .doubleBrackets)
        let id = PromptID(canonicalContent: item.canonicalContent)
        let prompts = eval.prompts(for: item, promptID: id)
        #expect(prompts.count == 5)
        #expect(ToMBenchOfficialEval.sampling().temperature == 0)
        func answer(_ p: MultipleChoicePrompt, original: Int) -> String {
            "[[\(MultipleChoicePrompt.letter(p.permutation.displayedIndex(ofOriginal: original)))]]"
        }
        // 3 gold, 1 other, 1 unparsed: gold wins.
        let won = eval.vote(
            item: item, prompts: prompts,
            completions: [
                answer(prompts[0], original: 2), answer(prompts[1], original: 2), answer(prompts[2], original: 0), "I think C",
                answer(prompts[4], original: 2),
            ])
        #expect(won.winner == 2 && won.correct && won.counts == [1, 0, 3, 0] && won.abstentions == 1 && !won.tie)
        // 2–2 tie (plus one abstention): no winner, wrong.
        let tied = eval.vote(
            item: item, prompts: prompts,
            completions: [
                answer(prompts[0], original: 2), answer(prompts[1], original: 1), answer(prompts[2], original: 2),
                answer(prompts[3], original: 1), "[[Q]]",
            ])
        #expect(tied.tie && tied.winner == nil && !tied.correct)
        // No parsed answer at all.
        let none = eval.vote(item: item, prompts: prompts, completions: Array(repeating: "", count: 5))
        #expect(none.winner == nil && !none.tie && !none.correct && none.abstentions == 5)
    }

    @Test func positionBiasReport() throws {
        let item = try Fixture.item(gold: 0)
        var report = PositionBiasReport()
        for i in 0..<8 {
            let perm = OptionPermutation.seeded(count: 4, runSeed: 1, promptID: PromptID("p"), sampleIndex: i)
            // A policy that always answers A.
            report.record(
                MultipleChoiceVerification(
                    completion: "<think>t</think><Answer>A</Answer>", item: item, permutation: perm, style: .answerTag))
        }
        report.record(MultipleChoiceVerification(completion: "nothing", item: item, permutation: .identity(4), style: .answerTag))
        #expect(report.total == 9)
        #expect(report.unparsed == 1)
        #expect(report.predicted == [8, 0, 0, 0])
        #expect(report.predictedShare == [1, 0, 0, 0])
        #expect(report.correctByGold == [report.gold[0] - 1, 0, 0, 0])
        #expect(report.totalVariation > 0.3)
        #expect(report.letters == ["A", "B", "C", "D"])
    }

    @Test func optionHiddenRolloutsRenderBothPhases() throws {
        let item = try Fixture.item(gold: 2)
        let phase1 = OptionHiddenRollout.phase1Prompt(item, style: .answerTag)
        #expect(!phase1.contains("Backpack"))
        #expect(phase1.contains("after you finish thinking"))
        let perm = try OptionPermutation(order: [2, 0, 1, 3])
        let c = try #require(
            OptionHiddenRollout.continuation(
                rawPrompt: "<|user|>\(phase1)<|assistant|>", phase1Text: "<think>He saw the handbag last.</think> trailing text",
                item: item, permutation: perm, style: .answerTag
            ))
        #expect(c.thinking == "<think>He saw the handbag last.</think>")
        #expect(c.prefix == "<|user|>\(phase1)<|assistant|><think>He saw the handbag last.</think>" + c.optionsBlock)
        #expect(c.optionsBlock.contains("Options:\nA. Briefcase\nB. Backpack\nC. Handbag\nD. Tote bag"))
        let generated = c.generatedText(phase2Text: "<Answer>A</Answer>")
        let v = MultipleChoiceVerification(completion: generated, item: item, permutation: perm, style: .answerTag)
        #expect(v.correct)
        #expect(FormatCheck(completion: generated, style: .answerTag, optionCount: 4).valid)
        #expect(c.transcript(phase2Text: "<Answer>A</Answer>").contains(c.optionsBlock))
        #expect(
            OptionHiddenRollout.continuation(
                rawPrompt: "p", phase1Text: "<think>never closed", item: item, permutation: perm, style: .answerTag) == nil)
    }

    /// Every ToMBench item, both languages: right, wrong, malformed and prefixed-option answers.
    @Test(.enabled(if: SharedFixtures.available("data"))) func everyToMBenchItemMapsBackToGold() throws {
        let folder = try #require(SharedFixtures.directory("data")).appendingPathComponent("tombench/data")
        var checked = 0
        for language in ["en", "zh"] {
            let loaded = try DatasetLoader.load(
                DatasetConfig(kind: .tombenchJSONL, path: folder.path, language: language), relativeTo: folder)
            #expect(loaded.prompts.count == 2860, "\(language): \(loaded.rejected.count) rejected")
            var twoOption = 0
            for prompt in loaded.prompts {
                guard case .multipleChoice(let item) = prompt.payload else {
                    Issue.record("not a multiple-choice item")
                    continue
                }
                let n = item.options.count
                #expect(n == 2 || n == 4)
                if n == 2 { twoOption += 1 }
                let sample = checked % 8
                let perm = OptionPermutation.seeded(count: n, runSeed: 42, promptID: prompt.id, sampleIndex: sample)
                #expect(perm == OptionPermutation.seeded(count: n, runSeed: 42, promptID: prompt.id, sampleIndex: sample))
                for style in AnswerStyle.allCases {
                    let rendered = MultipleChoicePrompt(item: item, permutation: perm, style: style)
                    #expect(rendered.displayedOptions[rendered.goldDisplayedIndex] == OptionText.clean(item.options)[item.goldIndex])
                    let gold = rendered.goldLetter
                    let wrong = MultipleChoicePrompt.letter((rendered.goldDisplayedIndex + 1) % n)
                    let right = MultipleChoiceVerification(
                        completion: "<think>r</think>" + style.written(gold), item: item, permutation: perm, style: style)
                    #expect(right.correct && right.extraction.status == .ok, "\(prompt.source)")
                    let bad = MultipleChoiceVerification(
                        completion: "<think>r</think>" + style.written(wrong), item: item, permutation: perm, style: style)
                    #expect(!bad.correct && bad.predictedOriginalIndex != nil)
                    let malformed = MultipleChoiceVerification(
                        completion: "<think>r</think>The answer is \(gold).", item: item, permutation: perm, style: style)
                    #expect(!malformed.correct && malformed.extraction.status == .noTag)
                    let outOfRange = MultipleChoiceVerification(
                        completion: style.written(MultipleChoicePrompt.letter(n)), item: item, permutation: perm, style: style)
                    #expect(outOfRange.extraction.status == .letterOutOfRange)
                }
                // Options that still carry letter prefixes render and verify the same.
                let prefixed = try MultipleChoiceItem(
                    story: item.story, question: item.question,
                    options: item.options.enumerated().map { "\(MultipleChoicePrompt.letter($0.offset)). \($0.element)" },
                    goldIndex: item.goldIndex, language: item.language, abilities: item.abilities, source: item.source, evalOnly: true
                )
                let a = MultipleChoicePrompt(item: item, permutation: perm, style: .answerTag)
                let b = MultipleChoicePrompt(item: prefixed, permutation: perm, style: .answerTag)
                #expect(a.displayedOptions == b.displayedOptions && a.goldLetter == b.goldLetter)
                checked += 1
            }
            #expect(twoOption > 400)
        }
        #expect(checked == 5720)
    }
}
