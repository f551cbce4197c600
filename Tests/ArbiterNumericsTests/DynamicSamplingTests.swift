import ArbiterCore
import ArbiterNumerics
import Testing

@Suite("Dynamic sampling")
struct DynamicSamplingTests {
    @Test("zero-variance detection with a tolerance")
    func zeroVariance() throws {
        let f = try ZeroVarianceFilter(tolerance: 1e-6)
        #expect(f.isZeroVariance([1, 1, 1, 1]))
        #expect(f.isZeroVariance([0.7, 0.7 + 1e-9, 0.7 - 5e-7]))
        #expect(!f.isZeroVariance([0.7, 0.7 + 2e-6]))
        #expect(f.isZeroVariance([1, nil, nil]), "one valid reward carries no signal")
        #expect(f.isZeroVariance([nil, nil]))
        #expect(f.isZeroVariance([]))
        #expect(!f.isZeroVariance([nil, 0, 1]))
        let exact = try ZeroVarianceFilter(tolerance: 0)
        #expect(!exact.isZeroVariance([0.7, 0.7 + 1e-12]))
        #expect(exact.isZeroVariance([0.25, 0.25]))
        #expect(throws: NumericsError.self) { try ZeroVarianceFilter(tolerance: -1) }
    }

    @Test("DAPO filter keeps the groups with variance")
    func dapoFilter() throws {
        let b = try RewardBatch(
            rewards: [1, 1, 0, 1, .nan, 0.5, 0.2, 0.2], groupOffsets: [0, 2, 4, 6, 8], lengths: [1, 2, 3, 4, 5, 6, 7, 8])
        let f = try ZeroVarianceFilter()
        #expect(f.zeroVarianceFlags(in: b) == [true, false, true, true])
        #expect(f.informativeGroups(in: b) == [1])
        #expect(f.isZeroVariance(group: 0, of: b))
        let kept = b.selectingGroups(f.informativeGroups(in: b))
        #expect(kept.rewards == [0, 1] && kept.groupOffsets == [0, 2] && kept.lengths == [3, 4])
        let two = b.selectingGroups([3, 1])
        #expect(two.rewards == [0.2, 0.2, 0, 1] && two.groupOffsets == [0, 2, 4])
    }

    @Test("replace policy: keep until full, then ask for more rounds up to the cap")
    func replace() throws {
        var s = try DynamicSampler(
            targetGroups: 3, config: DynamicSamplingConfig(enabled: true, tolerance: 1e-6, policy: .replace, maxExtraBatches: 2))
        #expect(s.admit([1, 1, 1]) == .dropZeroVariance)
        #expect(s.admit([1, 0, 1]) == .keep)
        #expect(s.admit([0, 0]) == .dropZeroVariance)
        #expect(s.admit([0.5, 0.2]) == .keep)
        #expect(s.stillNeeded == 1)
        #expect(s.extraRoundsLeft == 2)
        #expect(s.finishRound() == .generateMore(groups: 2))  // keep rate 1/2
        #expect(s.extraRoundsLeft == 1)
        #expect(s.admit([1, 1]) == .dropZeroVariance)
        #expect(s.finishRound() == .generateMore(groups: 3))  // keep rate 2/5
        #expect(s.finishRound() == .exhausted(missing: 1))
        #expect(s.admit([0, 1]) == .keep)
        #expect(s.admit([0, 1]) == .surplus)
        #expect(s.finishRound() == .complete)
        #expect(s.kept == 3 && s.dropped == 3 && s.surplus == 1 && s.extraRoundsUsed == 2)
    }

    @Test("filter policy drops without replacing; disabled keeps everything")
    func filterAndDisabled() throws {
        var f = try DynamicSampler(targetGroups: 2, config: DynamicSamplingConfig(enabled: true, policy: .filter))
        #expect(f.admit([1, 1]) == .dropZeroVariance)
        #expect(f.admit([0, 1]) == .keep)
        #expect(f.finishRound() == .complete)
        #expect(f.extraRoundsLeft == 0)
        var d = try DynamicSampler(targetGroups: 1, config: DynamicSamplingConfig(enabled: false))
        #expect(d.admit([1, 1]) == .keep)
        #expect(d.admit([1, 1]) == .keep)
        #expect(d.finishRound() == .complete)
        #expect(throws: NumericsError.self) { try DynamicSampler(targetGroups: 0, config: DynamicSamplingConfig()) }
    }
}
