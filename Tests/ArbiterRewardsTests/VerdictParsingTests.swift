import ArbiterCore
import ArbiterRewards
import Testing

@Suite("Verdict parsing")
struct VerdictParsingTests {
    @Test(
        arguments: [
            ("yes", VerdictStatus.ok, true as Bool?),
            ("No", .ok, false),
            ("  YES.\n", .ok, true),
            ("no!", .ok, false),
            ("Yes.", .ok, true),
            ("yes, it does", .nonBinary, nil),
            ("yes..", .nonBinary, nil),
            ("The response meets the criterion: yes", .nonBinary, nil),
            ("**Reasoning**\n\n1. I cannot say more than this essay " + String(repeating: "and more ", count: 60), .nonBinary, nil),
            ("", .empty, nil),
            ("  \n\t ", .empty, nil),
            ("I’m sorry, but I can’t help with that.", .refusal, nil),
            ("I'm sorry, but I can't help with that.", .refusal, nil),
            ("I cannot evaluate this.", .refusal, nil),
            ("As an AI language model, I do not judge.", .refusal, nil),
        ] as [(String, VerdictStatus, Bool?)])
    func strictParser(text: String, status: VerdictStatus, met: Bool?) {
        let v = VerdictParser.strict.verdict(criterionID: "c", weight: 2, rawText: text)
        #expect(v.status == status)
        #expect(v.met == met)
        #expect(v.rawText == text)
        #expect(v.criterionID == "c")
    }

    @Test func substringParserFollowsTheOfficialScorer() {
        let p = VerdictParser.substring
        // Positive criterion: met when the text contains "yes".
        #expect(p.verdict(criterionID: "c", weight: 2, rawText: "Yes.").credited(weight: 2) == true)
        #expect(p.verdict(criterionID: "c", weight: 2, rawText: "no").credited(weight: 2) == false)
        #expect(p.verdict(criterionID: "c", weight: 2, rawText: "I’m sorry, but I can’t help with that.").credited(weight: 2) == false)
        #expect(p.verdict(criterionID: "c", weight: 2, rawText: "eyes wide open").credited(weight: 2) == true)
        // Negative criterion: avoided when the text contains "no" (anywhere, "cannot" included).
        #expect(p.verdict(criterionID: "c", weight: -2, rawText: "No").credited(weight: -2) == true)
        #expect(p.verdict(criterionID: "c", weight: -2, rawText: "yes").credited(weight: -2) == false)
        #expect(p.verdict(criterionID: "c", weight: -2, rawText: "I cannot").credited(weight: -2) == true)
        #expect(p.verdict(criterionID: "c", weight: -2, rawText: "I’m sorry, but I can’t help with that.").credited(weight: -2) == false)
        #expect(p.verdict(criterionID: "c", weight: -2, rawText: "yes and no").credited(weight: -2) == true)
        // Every text is decided; the status still records the strict class.
        let refusal = p.verdict(criterionID: "c", weight: 2, rawText: "I’m sorry, but I can’t help with that.")
        #expect(refusal.status == .refusal)
        #expect(refusal.met == false)
        let empty = p.verdict(criterionID: "c", weight: 1, rawText: "")
        #expect(empty.status == .empty)
        #expect(empty.met == false)
    }

    @Test func creditedMapsPolarity() {
        let met = Verdict(criterionID: "c", rawText: "yes", status: .ok, met: true)
        let notMet = Verdict(criterionID: "c", rawText: "no", status: .ok, met: false)
        let undecided = Verdict(criterionID: "c", rawText: "hm", status: .nonBinary, met: nil)
        #expect(met.credited(weight: 3) == true)
        #expect(met.credited(weight: -3) == false)
        #expect(notMet.credited(weight: 3) == false)
        #expect(notMet.credited(weight: -3) == true)
        #expect(undecided.credited(weight: 3) == nil)
    }

    @Test func refusalDetectorIgnoresLongTextsAndLatePhrases() {
        let d = RefusalDetector()
        #expect(d.isRefusal("I’m sorry, but I can’t help with that."))
        #expect(!d.isRefusal("Sure. " + String(repeating: "x", count: 130) + " I cannot"))
        #expect(!d.isRefusal("I'm sorry to hear that. " + String(repeating: "Here is my analysis. ", count: 30)))
        #expect(!d.isRefusal(""))
    }
}

@Suite("Rubric aggregation")
struct RubricAggregationTests {
    static func verdicts(_ answers: [String: Bool?], statuses: [String: VerdictStatus] = [:]) -> [Verdict] {
        answers.map { id, met in
            Verdict(
                criterionID: id, rawText: met.map { $0 ? "yes" : "no" } ?? "???", status: statuses[id] ?? (met == nil ? .nonBinary : .ok),
                met: met)
        }
    }

    @Test func officialAndPaperAndDimensions() throws {
        // p3 met, p2 not met, n2 violated (met), p1 met.
        let s = try RubricScore.aggregate(
            criteria: Fixture.criteria, verdicts: Self.verdicts(["p3": true, "p2": false, "n2": true, "p1": true]), failurePolicy: .exclude)
        // credited |w|: p3 (3) + p1 (1) = 4 of 8.
        #expect(s.official == 50)
        // paper: (3 + 1) / 6 − 2 / 2 = −1/3.
        #expect(abs(s.paper! - (4.0 / 6.0 - 1)) < 1e-12)
        #expect(s.fulfilment(.identifying) == 1)
        #expect(s.fulfilment(.logicalProcess) == 0)
        #expect(s.fulfilment(.harmlessOutcome) == 0)
        #expect(s.fulfilment(.clearProcess) == 1)
        #expect(s.fulfilment(.helpfulOutcome) == nil)
        #expect(s.missing == nil)
        #expect(s.value(.official) == 50)
        #expect(s.criteria.map(\.credited) == [true, false, false, true])
    }

    @Test func perfectAndWorstScores() throws {
        let best = try RubricScore.aggregate(
            criteria: Fixture.criteria, verdicts: Self.verdicts(["p3": true, "p2": true, "n2": false, "p1": true]), failurePolicy: .exclude)
        #expect(best.official == 100)
        #expect(best.paper == 1)
        let worst = try RubricScore.aggregate(
            criteria: Fixture.criteria, verdicts: Self.verdicts(["p3": false, "p2": false, "n2": true, "p1": false]),
            failurePolicy: .exclude)
        #expect(worst.official == 0)
        #expect(worst.paper == -1)
    }

    @Test func paperEmptySidesContributeZero() throws {
        let onlyNegative = [RubricCriterion(id: "n", title: "bad", weight: -2, dimension: .harmlessOutcome)]
        let avoided = try RubricScore.aggregate(criteria: onlyNegative, verdicts: Self.verdicts(["n": false]), failurePolicy: .exclude)
        #expect(avoided.paper == 0)
        #expect(avoided.official == 100)
        let violated = try RubricScore.aggregate(criteria: onlyNegative, verdicts: Self.verdicts(["n": true]), failurePolicy: .exclude)
        #expect(violated.paper == -1)
        let onlyPositive = [RubricCriterion(id: "p", title: "good", weight: 2, dimension: nil)]
        let met = try RubricScore.aggregate(criteria: onlyPositive, verdicts: Self.verdicts(["p": true]), failurePolicy: .exclude)
        #expect(met.paper == 1)
    }

    @Test func excludePolicyRenormalizesAndMissingPolicyMakesTheScoreMissing() throws {
        let answers: [String: Bool?] = ["p3": true, "p2": nil, "n2": false, "p1": false]
        let excluded = try RubricScore.aggregate(criteria: Fixture.criteria, verdicts: Self.verdicts(answers), failurePolicy: .exclude)
        // p2 excluded: credited 3 + 2 of 6.
        #expect(abs(excluded.official! - 500.0 / 6.0) < 1e-9)
        #expect(excluded.criteria.first(where: { $0.criterionID == "p2" })?.excluded == true)
        #expect(excluded.statuses.nonBinary == 1)
        let missing = try RubricScore.aggregate(criteria: Fixture.criteria, verdicts: Self.verdicts(answers), failurePolicy: .missing)
        #expect(missing.official == nil && missing.paper == nil)
        #expect(missing.missing == .undecided)
        #expect(missing.dimensions.allSatisfy { $0.value == nil })
        let allUndecided = try RubricScore.aggregate(
            criteria: Fixture.criteria, verdicts: Self.verdicts(["p3": nil, "p2": nil, "n2": nil, "p1": nil]), failurePolicy: .exclude)
        #expect(allUndecided.official == nil)
        #expect(allUndecided.missing == .allExcluded)
    }

    @Test func failedCallsAndWeightlessRubricsAreMissing() throws {
        var vs = Self.verdicts(["p3": true, "p2": true, "n2": false])
        vs.append(.failed(criterionID: "p1"))
        let failed = try RubricScore.aggregate(criteria: Fixture.criteria, verdicts: vs, failurePolicy: .exclude)
        #expect(failed.missing == .failedCall)
        #expect(failed.official == nil)
        #expect(failed.statuses.failed == 1)
        let zero = [RubricCriterion(id: "z", title: "t", weight: 0, dimension: nil)]
        let none = try RubricScore.aggregate(criteria: zero, verdicts: Self.verdicts(["z": true]), failurePolicy: .exclude)
        #expect(none.missing == .noWeight)
    }

    @Test func inputErrors() {
        #expect(throws: RewardsError.self) {
            try RubricScore.aggregate(criteria: Fixture.criteria, verdicts: Self.verdicts(["p3": true]), failurePolicy: .exclude)
        }
        #expect(throws: RewardsError.self) {
            try RubricScore.aggregate(
                criteria: Fixture.criteria + [Fixture.criteria[0]],
                verdicts: Self.verdicts(["p3": true, "p2": true, "n2": true, "p1": true]), failurePolicy: .exclude)
        }
    }
}
