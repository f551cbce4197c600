import ArbiterCore
import ArbiterNumerics
import Testing

@Suite("Reward shaping")
struct RewardShapingTests {
    @Test("DAPO overlong penalty")
    func overlong() throws {
        let p = try OverlongPenalty(maxLength: 1000, buffer: 200, factor: 2)
        #expect(p.penalty(length: 0) == 0)
        #expect(p.penalty(length: 800) == 0)
        #expect(p.penalty(length: 900) == -1)
        #expect(p.penalty(length: 850) == -0.5)
        #expect(p.penalty(length: 1000) == -2)
        #expect(p.penalty(length: 5000) == -2)
        #expect(throws: NumericsError.self) { try OverlongPenalty(maxLength: 100, buffer: 0) }
        #expect(throws: NumericsError.self) { try OverlongPenalty(maxLength: 100, buffer: 200) }
        #expect(throws: NumericsError.self) { try OverlongPenalty(maxLength: 100, buffer: 10, factor: -1) }
        #expect(try OverlongPenalty(OverlongConfig()) == nil)
        #expect(try OverlongPenalty(OverlongConfig(enabled: true, maxLength: 1024, buffer: 256, factor: 1))?.penalty(length: 896) == -0.5)
    }

    @Test("group-relative length penalty keeps the group mean and favours short answers")
    func lengthPenalty() throws {
        var b = try RewardBatch(
            rewards: [1, 1, 1, .nan, 0, 0.5, 0.7], groupOffsets: [0, 4, 6, 7], lengths: [100, 200, 300, 5000, 10, 10, 99])
        let shaping = try RewardShaping(lengthPenalty: 0.2)
        try shaping.apply(to: &b)
        #expect(b.rewards[0] == 1.1 && b.rewards[1] == 1 && close(b.rewards[2], 0.9))
        #expect(b.rewards[3].isNaN)
        #expect(b.rewards[4] == 0 && b.rewards[5] == 0.5, "equal lengths: untouched")
        #expect(b.rewards[6] == 0.7, "a group of one: untouched")
    }

    @Test("order: overlong, length penalty, clip, scale; missing stays missing")
    func pipeline() throws {
        let controls = SamplingControls(
            overlong: OverlongConfig(enabled: true, maxLength: 100, buffer: 20, factor: 1), clipMin: -0.5, clipMax: 1, scale: 2)
        let shaping = try RewardShaping(controls)
        var b = try RewardBatch(rewards: [1, 1, .nan, -3], groupOffsets: [0, 4], lengths: [10, 90, 95, 10])
        try shaping.apply(to: &b)
        #expect(b.rewards[0] == 2)       // 1 → clip 1 → ×2
        #expect(b.rewards[1] == 1)       // 1 − 0.5 → 0.5 → ×2
        #expect(b.rewards[2].isNaN)
        #expect(b.rewards[3] == -1)      // −3 → clip −0.5 → ×2
        #expect(!shaping.isIdentity && shaping.needsLengths)
        #expect(try RewardShaping(SamplingControls()).isIdentity)
    }

    @Test("shaping errors")
    func errors() throws {
        #expect(throws: NumericsError.self) { try RewardShaping(clipMin: 1, clipMax: 0) }
        #expect(throws: NumericsError.self) { try RewardShaping(lengthPenalty: -1) }
        #expect(throws: NumericsError.self) { try RewardShaping(scale: .nan) }
        var b = try RewardBatch(rewards: [1, 0], groupSize: 2)
        #expect(throws: NumericsError.self) { try RewardShaping(lengthPenalty: 0.1).apply(to: &b) }
        try RewardShaping(scale: 3).apply(to: &b)
        #expect(b.rewards == [3, 0])
    }
}
