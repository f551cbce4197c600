import ArbiterCore
import ArbiterNumerics
import Testing

@Suite("Estimator properties")
struct EstimatorPropertyTests {
    func batch(seed: UInt64, groups: Int = 40, missing: Double = 0.1) throws -> RewardBatch {
        var rng = TestRNG(seed)
        return try RewardBatch(groups: rng.groups(count: groups, missing: missing))
    }

    func shifted(_ b: RewardBatch, by c: Double, scale: Double = 1) -> RewardBatch {
        var out = b
        out.rewards = b.rewards.map { $0 * scale + c }
        return out
    }

    func validCount(_ b: RewardBatch, _ g: Int) -> Int { b.groupRange(g).filter { !b.rewards[$0].isNaN }.count }

    @Test("group-centred estimators sum to 0 in every group", arguments: AdvantageEstimator.samples.filter(\.isGroupCentred))
    func centredSumsToZero(estimator: AdvantageEstimator) throws {
        for seed in 1 ... 5 as ClosedRange<UInt64> {
            let b = try batch(seed: seed)
            let a = try estimator.advantages(for: b)
            for g in 0 ..< b.groupCount {
                let s = b.groupRange(g).reduce(0.0) { $0 + a[$1] }
                let scale = b.groupRange(g).reduce(0.0) { max($0, abs(a[$1])) }
                #expect(abs(s) <= 1e-12 * max(scale, 1) * 16, "\(estimator) group \(g): sum \(s)")
            }
        }
    }

    @Test("opo centres the length-weighted sum")
    func opoWeightedSum() throws {
        let b = try batch(seed: 9)
        let a = try AdvantageEstimator.opo.advantages(for: b)
        for g in 0 ..< b.groupCount where validCount(b, g) >= 2 {
            let s = b.groupRange(g).reduce(0.0) { $0 + (b.rewards[$1].isNaN ? 0 : b.lengths[$1] * a[$1]) }
            #expect(abs(s) < 1e-8, "group \(g): Σ len·a = \(s)")
        }
    }

    @Test("shift invariance", arguments: [
        AdvantageEstimator.grpo(epsilon: 1e-6, std: .unbiased, baseline: .mean),
        .grpo(epsilon: 1e-6, std: .population, baseline: .leaveOneOut),
        .drGRPO, .rloo, .opo,
        .reinforcePPBaseline(tokenWeighted: true, epsilon: 1e-8),
        .reinforcePP(tokenWeighted: true, epsilon: 1e-8),
        .flowRLTB(beta: 5, epsilon: 1e-6, std: .unbiased),
    ])
    func shiftInvariance(estimator: AdvantageEstimator) throws {
        let b = try batch(seed: 3)
        let a = try estimator.advantages(for: b)
        let a2 = try estimator.advantages(for: shifted(b, by: 17.25))
        for i in a.indices { #expect(close(a[i], a2[i], relative: 1e-8, absolute: 1e-9), "sample \(i): \(a[i]) vs \(a2[i])") }
    }

    @Test("scale invariance where the formula promises it (ε = 0)", arguments: [
        AdvantageEstimator.grpo(epsilon: 0, std: .unbiased, baseline: .mean),
        .grpo(epsilon: 0, std: .population, baseline: .leaveOneOut),
        .maxRL(epsilon: 0),
        .reinforcePP(tokenWeighted: true, epsilon: 0),
        .reinforcePPBaseline(tokenWeighted: false, epsilon: 0),
    ])
    func scaleInvariance(estimator: AdvantageEstimator) throws {
        let b = try batch(seed: 4)
        let a = try estimator.advantages(for: b)
        let a2 = try estimator.advantages(for: shifted(b, by: 0, scale: 3.5))
        for i in a.indices { #expect(close(a[i], a2[i], relative: 1e-9, absolute: 1e-10), "sample \(i): \(a[i]) vs \(a2[i])") }
    }

    @Test("unnormalised estimators scale linearly", arguments: [AdvantageEstimator.drGRPO, .rloo, .opo])
    func linearScaling(estimator: AdvantageEstimator) throws {
        let b = try batch(seed: 5)
        let a = try estimator.advantages(for: b)
        let a2 = try estimator.advantages(for: shifted(b, by: 0, scale: -2))
        for i in a.indices { #expect(close(-2 * a[i], a2[i], relative: 1e-12, absolute: 1e-13)) }
    }

    @Test("missing rewards: exactly 0, and left out of the statistics", arguments: AdvantageEstimator.samples)
    func missingRewards(estimator: AdvantageEstimator) throws {
        let b = try batch(seed: 6, missing: 0.25)
        let a = try estimator.advantages(for: b)
        for i in a.indices where b.rewards[i].isNaN { #expect(a[i] == 0) }
        // Dropping the missing samples changes nothing for the others.
        var keep: [Int] = []
        var offsets = [0]
        for g in 0 ..< b.groupCount {
            keep += b.groupRange(g).filter { !b.rewards[$0].isNaN }
            offsets.append(keep.count)
        }
        let k = b.componentCount
        let dense = try RewardBatch(
            rewards: keep.map { b.rewards[$0] }, groupOffsets: offsets, lengths: keep.map { b.lengths[$0] },
            logprobMean: keep.map { b.logprobMean[$0] }, refLogprobMean: keep.map { b.refLogprobMean[$0] },
            components: keep.flatMap { b.components[($0 * k) ..< ($0 * k + k)] }, componentCount: k)
        let ad = try estimator.advantages(for: dense)
        for (j, i) in keep.enumerated() { #expect(close(a[i], ad[j], relative: 1e-9, absolute: 1e-11), "\(estimator) sample \(i)") }
    }

    @Test("groups with fewer than 2 valid rewards get 0 (group-relative estimators)")
    func smallGroups() throws {
        let b = try RewardBatch(groups: [
            RewardGroup(rewards: [nil, 1, nil], lengths: [3, 4, 5], logprobMean: [-1, -1, -1], refLogprobMean: [-2, -2, -2],
                        components: [[1, 0, 0], [0, 1, 0], [0, 0, 1]]),
            RewardGroup(rewards: [0.5], lengths: [3], logprobMean: [-1], refLogprobMean: [-1], components: [[1, 2, 3]]),
            RewardGroup(rewards: [], lengths: [], logprobMean: [], refLogprobMean: [], components: []),
            RewardGroup(rewards: [0, 1], lengths: [3, 4], logprobMean: [-1, -2], refLogprobMean: [-1, -1], components: [[1, 2, 3], [3, 2, 1]]),
        ])
        for e in AdvantageEstimator.samples {
            let a = try e.advantages(for: b)
            #expect(a[0] == 0 && a[2] == 0, "\(e): missing")
            switch e {
            case .reinforcePP, .gdpo: continue  // batch-level: groups of one take part (as in the reference)
            default:
                #expect(a[1] == 0 && a[3] == 0, "\(e): a group with one valid reward gets 0")
                #expect(a[4] != 0 || a[5] != 0, "\(e): the two-sample group gets a signal")
            }
        }
    }

    @Test("grpo by hand")
    func grpoByHand() throws {
        let b = try RewardBatch(rewards: [1, 0, 0, 1], groupSize: 4)
        let a = try AdvantageEstimator.grpo(epsilon: 0, std: .unbiased, baseline: .mean).advantages(for: b)
        let s = (4.0 * 0.25 / 3).squareRoot()  // unbiased std of {1,0,0,1}
        #expect(a.map { close($0, ($0 > 0 ? 0.5 : -0.5) / s) } == [true, true, true, true])
        let p = try AdvantageEstimator.grpo(epsilon: 0, std: .population, baseline: .mean).advantages(for: b)
        #expect(p == [1, -1, -1, 1])
        let rloo = try AdvantageEstimator.rloo.advantages(for: b)
        #expect(rloo.map { close($0, $0 > 0 ? 2.0 / 3 : -2.0 / 3) } == [true, true, true, true])
    }

    @Test("zero-variance group gives 0 even with ε = 0 (no NaN)")
    func zeroVarianceNoNaN() throws {
        let b = try RewardBatch(rewards: [0.3, 0.3, 0.3, 0.3, 1, 1], groupOffsets: [0, 4, 6], lengths: [1, 2, 3, 4, 5, 6])
        for e in [AdvantageEstimator.grpo(epsilon: 0, std: .unbiased, baseline: .mean), .reinforcePP(tokenWeighted: true, epsilon: 0),
                  .maxRL(epsilon: 0)] {
            let a = try e.advantages(for: b)
            #expect(a.allSatisfy { $0.isFinite }, "\(e): \(a)")
        }
    }

    @Test("flow targets are β times the GRPO advantage")
    func flowTargets() throws {
        let b = try batch(seed: 8)
        let e = AdvantageEstimator.flowRLTB(beta: 7, epsilon: 1e-6, std: .population)
        let targets = try #require(try e.flowTargets(for: b))
        let grpo = try AdvantageEstimator.grpo(epsilon: 1e-6, std: .population, baseline: .mean).advantages(for: b)
        for i in grpo.indices { #expect(close(targets[i], 7 * grpo[i])) }
        let (adv, t2) = try e.computeAdvantagesAndFlowTargets(for: b)
        #expect(adv == (try e.advantages(for: b)))
        for i in grpo.indices { #expect(close(t2![i], targets[i])) }
        #expect(try AdvantageEstimator.drGRPO.flowTargets(for: b) == nil)
    }

    @Test("the output buffer is reused")
    func reusesBuffer() throws {
        let b = try batch(seed: 10)
        var out = [Double](repeating: 1, count: b.sampleCount)
        let e = AdvantageEstimator.grpo(epsilon: 1e-6, std: .unbiased, baseline: .mean)
        try e.computeAdvantages(for: b, into: &out)
        #expect(out == (try e.advantages(for: b)))
        var short: [Double] = []
        try e.computeAdvantages(for: b, into: &short)
        #expect(short == out)
    }

    @Test("missing inputs and bad values are clear errors")
    func inputErrors() throws {
        let bare = try RewardBatch(rewards: [1, 0, 1, 0], groupSize: 2)
        #expect(throws: NumericsError.self) { try AdvantageEstimator.opo.advantages(for: bare) }
        #expect(throws: NumericsError.self) { try AdvantageEstimator.flowRLTB(beta: 1, epsilon: 0, std: .unbiased).advantages(for: bare) }
        #expect(throws: NumericsError.self) { try AdvantageEstimator.gdpo(weights: [1], epsilon: 0).advantages(for: bare) }
        #expect(throws: NumericsError.self) { try AdvantageEstimator.reinforcePP(tokenWeighted: true, epsilon: 0).advantages(for: bare) }
        #expect(try AdvantageEstimator.reinforcePP(tokenWeighted: false, epsilon: 1e-8).advantages(for: bare).count == 4)

        var rng = TestRNG(11)
        var groups = rng.groups(count: 3, sizes: 3 ... 3, missing: 0)
        groups[1].logprobMean![2] = .nan
        let b = try RewardBatch(groups: groups)
        do {
            _ = try AdvantageEstimator.flowRLTB(beta: 1, epsilon: 1e-6, std: .unbiased).advantages(for: b)
            Issue.record("expected an error")
        } catch let e as NumericsError {
            #expect(e.code == .invalidInput)
            #expect(e.context == "groups[1][2]")
        }
        do {
            _ = try AdvantageEstimator.gdpo(weights: [1, 2], epsilon: 1e-6).advantages(for: b)
            Issue.record("expected an error")
        } catch let e as NumericsError {
            #expect(e.code == .inconsistentShape)
            #expect(e.context == "advantage.params.weights")
        }
        let inf = try RewardBatch(rewards: [1, .infinity, 0], groupSize: 3)
        #expect(throws: NumericsError.self) { try AdvantageEstimator.grpo(epsilon: 1e-6, std: .unbiased, baseline: .mean).advantages(for: inf) }
        #expect(throws: NumericsError.self) { try RewardBatch(rewards: [1, 2, 3], groupOffsets: [0, 2]) }
        #expect(throws: NumericsError.self) { try RewardBatch(rewards: [1, 2, 3], groupOffsets: [0, 2, 1, 3]) }
        #expect(throws: NumericsError.self) { try RewardBatch(rewards: [1, 2], groupOffsets: [0, 2], lengths: [1]) }
    }

    @Test("batches from ArbiterCore rollout groups")
    func fromRolloutGroups() throws {
        func sample(_ i: Int, reward: Double?, tokens: Int) -> ScoredRollout {
            let rollout = Rollout(
                id: "p/\(i)", promptID: PromptID("p"), sampleIndex: i, endpoint: "http://x", policyVersion: PolicyVersion(0),
                promptText: "q", completionText: "a", completionLogprobs: [-1, -2], finishReason: .stop, completionTokens: tokens)
            let vector = RewardVector(components: [RewardComponent(name: "outcome", value: reward, weight: 1)])
            return ScoredRollout(rollout: rollout, reward: vector, refLogprobMean: -1)
        }
        let group = RolloutGroup(id: "r/0/p", promptID: PromptID("p"), samples: [
            sample(0, reward: 1, tokens: 10), sample(1, reward: nil, tokens: 20), sample(2, reward: 0, tokens: 30),
        ])
        let b = try RewardBatch(rolloutGroups: [group, group], componentNames: ["outcome"])
        #expect(b.groupOffsets == [0, 3, 6])
        #expect(b.rewards[1].isNaN && b.rewards[0] == 1)
        #expect(b.lengths == [10, 20, 30, 10, 20, 30])
        #expect(b.logprobMean[0] == -1.5 && b.refLogprobMean[0] == -1)
        #expect(b.componentCount == 1 && b.components[1].isNaN)
        let a = try AdvantageEstimator.drGRPO.advantages(for: b)
        #expect(a == [0.5, 0, -0.5, 0.5, 0, -0.5])
    }
}
