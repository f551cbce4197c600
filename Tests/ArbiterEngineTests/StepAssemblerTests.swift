import ArbiterCore
@testable import ArbiterEngine
import ArbiterInference
import ArbiterNumerics
import ArbiterRewards
import ArbiterStore
import Testing

@Suite("Step assembly")
struct StepAssemblerTests {
    typealias F = EnginePureFixtures

    /// Three groups: A (kept, mixed rewards), B (dropped: zero variance), C (kept, with a missing reward).
    static func groups() throws -> [ScoredGroup] {
        let a = F.prepared(try F.choicePrompt("a"), index: 4, epoch: 0, ordinal: 2)
        let b = F.prepared(try F.choicePrompt("b"), index: 1, epoch: 1, ordinal: 0)
        let c = F.prepared(F.rubricPrompt("c"), index: 0, epoch: 2, ordinal: 5)
        return [
            F.group(a, step: 3, rewards: [1, 0, 1, 0.25]),
            F.group(b, step: 3, rewards: [1, 1, 1]),
            F.group(c, step: 3, rewards: [0.5, nil, 1, 0], partial: true),
        ]
    }

    static func flatRewards(_ groups: [ScoredGroup]) -> (rewards: [Double], offsets: [Int]) {
        var rewards: [Double] = []
        var offsets = [0]
        for g in groups {
            rewards += g.samples.map { $0.reward.total ?? .nan }
            offsets.append(rewards.count)
        }
        return (rewards, offsets)
    }

    @Test func onlyKeptGroupsGetAdvantagesAndTheyAreGRPOsOverTheKeptGroups() throws {
        let groups = try Self.groups()
        let estimator = try F.grpo()
        let records = try StepAssembler.records(
            runID: F.runID, step: 3, groups: groups, keep: [true, false, true], estimator: estimator, shaping: nil,
            componentNames: ["outcome", "format"])
        #expect(records.count == 3)
        #expect(records[1].samples.allSatisfy { $0.advantage == nil })
        #expect(records[0].samples.allSatisfy { $0.advantage != nil })
        #expect(records[2].samples.allSatisfy { $0.advantage != nil })

        let (rewards, offsets) = Self.flatRewards([groups[0], groups[2]])
        let expected = try estimator.advantages(for: RewardBatch(rewards: rewards, groupOffsets: offsets))
        let got = (records[0].samples + records[2].samples).map { $0.advantage!.value }
        #expect(got.count == expected.count)
        for (g, e) in zip(got, expected) { #expect(abs(g - e) <= 1e-12) }
        // GRPO centres each group: a kept group's advantages sum to ~0 and follow the rewards' order.
        let a = records[0].samples.map { $0.advantage!.value }
        #expect(abs(a.reduce(0, +)) < 1e-9)
        #expect(a[0] > a[3] && a[3] > a[1])
        #expect(a[0] == a[2])

        let hash = StepAssembler.paramsHash(estimator)
        for s in records[0].samples + records[2].samples {
            #expect(s.advantage?.estimator == "grpo")
            #expect(s.advantage?.paramsHash == hash)
            #expect(s.advantage?.flowTarget == nil)
        }
    }

    @Test func aMissingRewardGetsAdvantageExactlyZero() throws {
        let records = try StepAssembler.records(
            runID: F.runID, step: 3, groups: try Self.groups(), keep: [true, true, true], estimator: try F.grpo(), shaping: nil,
            componentNames: [])
        let c = records[2].samples
        #expect(c[1].reward.total == nil)
        #expect(c[1].advantage?.value == 0)
        // The others are centred on the mean of the present rewards (0.5), so 0.5 itself gets 0 too,
        // but 1 and 0 do not.
        #expect(c[2].advantage!.value > 0)
        #expect(c[3].advantage!.value < 0)
        #expect(abs(c[2].advantage!.value + c[3].advantage!.value) < 1e-12)
    }

    @Test func droppingAGroupDoesNotChangeTheOthersAdvantages() throws {
        let groups = try Self.groups()
        let all = try StepAssembler.records(
            runID: F.runID, step: 3, groups: groups, keep: [true, true, true], estimator: try F.grpo(), shaping: nil,
            componentNames: [])
        let some = try StepAssembler.records(
            runID: F.runID, step: 3, groups: groups, keep: [true, false, true], estimator: try F.grpo(), shaping: nil,
            componentNames: [])
        #expect(all[0].samples.map(\.advantage) == some[0].samples.map(\.advantage))
        #expect(all[2].samples.map(\.advantage) == some[2].samples.map(\.advantage))
        // The zero-variance group, when kept, gets all-zero advantages.
        #expect(all[1].samples.allSatisfy { $0.advantage?.value == 0 })
    }

    @Test func noEstimatorOrNothingKeptMeansNoAdvantages() throws {
        let groups = try Self.groups()
        let eval = try StepAssembler.records(
            runID: F.runID, step: 3, groups: groups, keep: [true, true, true], estimator: nil, shaping: nil, componentNames: [])
        let none = try StepAssembler.records(
            runID: F.runID, step: 3, groups: groups, keep: [false, false, false], estimator: try F.grpo(), shaping: nil,
            componentNames: [])
        for records in [eval, none] {
            #expect(records.count == 3)
            #expect(records.allSatisfy { $0.samples.allSatisfy { $0.advantage == nil } })
        }
    }

    @Test func identitiesAndSampleDataCarryThrough() throws {
        let groups = try Self.groups()
        let records = try StepAssembler.records(
            runID: F.runID, step: 3, groups: groups, keep: [true, false, true], estimator: try F.grpo(), shaping: nil,
            componentNames: [])
        for (r, g) in zip(records, groups) {
            #expect(r.runID == F.runID)
            #expect(r.step == 3)
            #expect(r.groupID == g.groupID)
            #expect(r.promptID == g.prepared.prompt.id)
            #expect(r.epoch == g.prepared.draw.epoch)
            #expect(r.ordinal == g.prepared.draw.ordinal)
            #expect(r.partial == g.partial)
            #expect(r.samples.map(\.rollout) == g.samples.map(\.rollout))
            #expect(r.samples.map(\.reward) == g.samples.map(\.reward))
            #expect(r.samples.map(\.aggregates) == g.samples.map(\.aggregates))
            #expect(r.samples.map(\.parseStatus) == g.samples.map(\.parseStatus))
            #expect(r.samples.allSatisfy { $0.aggregates["raw_reward"] == nil })
        }
        #expect(records.map(\.epoch) == [0, 1, 2])
        #expect(records.map(\.ordinal) == [2, 0, 5])
        #expect(records.map(\.partial) == [false, false, true])
        #expect(Set(records.map(\.groupID)).count == 3)
    }

    @Test func identityShapingLeavesRewardsAlone() throws {
        let groups = try Self.groups()
        let plain = try StepAssembler.records(
            runID: F.runID, step: 3, groups: groups, keep: [true, true, true], estimator: try F.grpo(), shaping: nil,
            componentNames: [])
        let identity = try StepAssembler.records(
            runID: F.runID, step: 3, groups: groups, keep: [true, true, true], estimator: try F.grpo(), shaping: try RewardShaping(),
            componentNames: [])
        #expect(plain == identity)
    }

    @Test func shapedRewardIsLoggedAndTheRawOneKeptAsAnAggregate() throws {
        let groups = try Self.groups()
        let shaping = try RewardShaping(clipMin: 0, clipMax: 0.5, scale: 2)
        let records = try StepAssembler.records(
            runID: F.runID, step: 3, groups: groups, keep: [true, true, true], estimator: try F.grpo(), shaping: shaping,
            componentNames: [])
        func shaped(_ r: Double?) -> Double? { r.map { min(max($0, 0), 0.5) * 2 } }
        for (r, g) in zip(records, groups) {
            for (s, original) in zip(r.samples, g.samples) {
                let raw = original.reward.total
                #expect(s.reward.total == shaped(raw))
                // Components are not shaped, only the training total.
                #expect(s.reward.components == original.reward.components)
                // The unshaped reward is always recoverable: from `raw_reward` where shaping changed it.
                let recovered: Double? = s.aggregates["raw_reward"] ?? s.reward.total
                #expect(recovered == raw)
                if shaped(raw) != raw {
                    #expect(s.aggregates["raw_reward"] == .some(raw))
                }
                if raw == nil {
                    #expect(s.reward.total == nil)
                    #expect(s.advantage?.value == 0)
                }
            }
        }
        // 1 → 1 (clipped to 0.5, doubled: unchanged), 0.25 → 0.5, 0.5 → 1, 0 → 0.
        #expect(records[0].samples[0].reward.total == 1)
        #expect(records[0].samples[1].reward.total == 0)
        #expect(records[0].samples[3].reward.total == 0.5)
        #expect(records[0].samples[3].aggregates["raw_reward"] == .some(0.25))
        #expect(records[2].samples[0].reward.total == 1)
        #expect(records[2].samples[0].aggregates["raw_reward"] == .some(0.5))
    }

    @Test func advantagesAreComputedFromShapedRewards() throws {
        let groups = try Self.groups()
        let estimator = try F.grpo()
        // Clipping at 0.5 makes group A's rewards [0.5, 0, 0.5, 0.25] and C's [0.5, nil, 0.5, 0].
        let shaping = try RewardShaping(clipMax: 0.5)
        let records = try StepAssembler.records(
            runID: F.runID, step: 3, groups: groups, keep: [true, false, true], estimator: estimator, shaping: shaping,
            componentNames: [])
        let expected = try estimator.advantages(
            for: RewardBatch(rewards: [0.5, 0, 0.5, 0.25, 0.5, .nan, 0.5, 0], groupOffsets: [0, 4, 8]))
        let got = (records[0].samples + records[2].samples).map { $0.advantage!.value }
        for (g, e) in zip(got, expected) { #expect(abs(g - e) <= 1e-12) }
        // Unshaped advantages differ: shaping really fed the estimator.
        let unshaped = try estimator.advantages(
            for: RewardBatch(rewards: [1, 0, 1, 0.25, 0.5, .nan, 1, 0], groupOffsets: [0, 4, 8]))
        #expect(zip(got, unshaped).contains { abs($0 - $1) > 1e-6 })
        // The dropped group is shaped too (its log shows the training reward) but gets no advantage.
        #expect(records[1].samples.allSatisfy { $0.reward.total == 0.5 && $0.advantage == nil })
    }

    @Test func recordsArePure() throws {
        let groups = try Self.groups()
        let shaping = try RewardShaping(clipMin: 0.1, scale: 3)
        let a = try StepAssembler.records(
            runID: F.runID, step: 3, groups: groups, keep: [true, false, true], estimator: try F.grpo(), shaping: shaping,
            componentNames: [])
        let b = try StepAssembler.records(
            runID: F.runID, step: 3, groups: groups, keep: [true, false, true], estimator: try F.grpo(), shaping: shaping,
            componentNames: [])
        #expect(a == b)
    }

    @Test func emptyStepGivesNoRecords() throws {
        let records = try StepAssembler.records(
            runID: F.runID, step: 0, groups: [], keep: [], estimator: try F.grpo(), shaping: try RewardShaping(scale: 2),
            componentNames: [])
        #expect(records.isEmpty)
    }

    @Test func groupIDNamesStepEpochAndPrompt() throws {
        let prompt = try F.choicePrompt("x")
        let draw = PromptDraw(index: 0, promptID: prompt.id, epoch: 2, ordinal: 9)
        let id = StepAssembler.groupID(step: 5, draw: draw)
        #expect(id == "s5-e2-\(prompt.id.rawValue.prefix(16))")
        var later = draw
        later.epoch = 3
        #expect(StepAssembler.groupID(step: 5, draw: later) != id)
        #expect(StepAssembler.groupID(step: 6, draw: draw) != id)
    }

    @Test func datasetIDsSharingAPrefixGiveDistinctGroups() {
        let a = PromptDraw(index: 0, promptID: PromptID("tombench-hard-00001"), epoch: 0, ordinal: 0)
        let b = PromptDraw(index: 1, promptID: PromptID("tombench-hard-00002"), epoch: 0, ordinal: 1)
        #expect(StepAssembler.groupID(step: 0, draw: a) == "s0-e0-tombench-hard-00001")
        #expect(StepAssembler.groupID(step: 0, draw: a) != StepAssembler.groupID(step: 0, draw: b))
        let short = PromptDraw(index: 2, promptID: PromptID("item-7"), epoch: 1, ordinal: 2)
        #expect(StepAssembler.groupID(step: 3, draw: short) == "s3-e1-item-7")
    }

    @Test func paramsHashDependsOnTheParameters() throws {
        let a = StepAssembler.paramsHash(try AdvantageEstimator(name: "grpo", params: [:]))
        let b = StepAssembler.paramsHash(try AdvantageEstimator(name: "grpo", params: [:]))
        let c = StepAssembler.paramsHash(try AdvantageEstimator(name: "rloo", params: [:]))
        #expect(a == b)
        #expect(a != c)
        #expect(a.count == 16)
    }

    @Test func preparedPromptRendersBothPayloads() throws {
        let choice = F.prepared(try F.choicePrompt("r"), epoch: 1)
        #expect(choice.choice != nil)
        #expect(choice.choice?.permutation.order.sorted() == [0, 1, 2, 3])
        guard case .chat(let messages) = choice.input else {
            Issue.record("chat api renders a chat input")
            return
        }
        #expect(messages.count == 1 && messages[0].role == "user")
        #expect(messages[0].content == choice.choice?.text)

        let rubric = F.prepared(F.rubricPrompt("r"))
        #expect(rubric.choice == nil)
        guard case .chat(let rubricMessages) = rubric.input else {
            Issue.record("chat api renders a chat input")
            return
        }
        #expect(rubricMessages.first?.content == "Dilemma r: should she tell him?")
    }
}
