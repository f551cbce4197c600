extension AdvantageEstimator {
    /// Computes the advantage of every sample of `batch`, in batch order.
    ///
    /// - Throws: ``NumericsError`` when an input the estimator needs is absent
    ///   (`inconsistentShape`) or not finite where a reward is present (`invalidInput`).
    public func advantages(for batch: RewardBatch) throws -> [Double] {
        var out: [Double] = []
        try computeAdvantages(for: batch, into: &out)
        return out
    }

    /// Computes advantages into `output`, reusing its storage when it already holds
    /// `batch.sampleCount` elements (the steady state of an engine that keeps one buffer).
    public func computeAdvantages(for batch: RewardBatch, into output: inout [Double]) throws {
        if output.count != batch.sampleCount {
            output.removeAll(keepingCapacity: true)
            output.append(contentsOf: repeatElement(0, count: batch.sampleCount))
        }
        try output.withUnsafeMutableBufferPointer { out in
            try computeAdvantages(for: batch, into: out)
        }
    }

    /// Computes advantages into caller-owned memory of exactly `batch.sampleCount` elements.
    ///
    /// Allocates nothing (GDPO takes 2·K doubles of stack-sized scratch per call).
    public func computeAdvantages(for batch: RewardBatch, into out: UnsafeMutableBufferPointer<Double>) throws {
        try checkInputs(batch)
        guard out.count == batch.sampleCount else {
            throw NumericsError(
                .inconsistentShape, "output holds \(out.count) values for \(batch.sampleCount) samples", context: "output")
        }
        if batch.sampleCount == 0 { return }
        let finite: Bool = batch.rewards.withUnsafeBufferPointer { r in
            batch.groupOffsets.withUnsafeBufferPointer { offsets in
                batch.lengths.withUnsafeBufferPointer { len in
                    switch self {
                    case .grpo(let eps, let std, let baseline):
                        return AdvantageKernels.grpo(
                            r, offsets, epsilon: eps, ddof: std.ddof, leaveOneOut: baseline == .leaveOneOut, out)
                    case .drGRPO:
                        return AdvantageKernels.centred(r, offsets, .mean, out)
                    case .rloo:
                        return AdvantageKernels.centred(r, offsets, .leaveOneOut, out)
                    case .maxRL(let eps):
                        return AdvantageKernels.centred(r, offsets, .maxRL(eps), out)
                    case .opo:
                        return AdvantageKernels.opo(r, len, offsets, out)
                    case .reinforcePP(let tw, let eps):
                        return AdvantageKernels.reinforcePP(r, tw ? len : nil, epsilon: eps, out)
                    case .reinforcePPBaseline(let tw, let eps):
                        return AdvantageKernels.reinforcePPBaseline(r, tw ? len : nil, offsets, epsilon: eps, out)
                    case .gdpo(let weights, let eps):
                        let k = weights.count
                        return batch.components.withUnsafeBufferPointer { comps in
                            weights.withUnsafeBufferPointer { w in
                                withUnsafeTemporaryAllocation(of: Double.self, capacity: 2 * k) { scratch in
                                    AdvantageKernels.gdpo(
                                        r, comps, k: k, weights: w, offsets, epsilon: eps, scratch: scratch, out)
                                }
                            }
                        }
                    case .flowRLTB(let beta, let eps, let std):
                        return batch.logprobMean.withUnsafeBufferPointer { lp in
                            batch.refLogprobMean.withUnsafeBufferPointer { ref in
                                AdvantageKernels.flowRLTB(
                                    r, lp, ref, offsets, beta: beta, epsilon: eps, ddof: std.ddof, out, targets: nil)
                            }
                        }
                    }
                }
            }
        }
        if !finite { throw nonFiniteError(batch) }
    }

    /// The FlowRL target β·r̂ of every sample (0 where the reward is missing or the group has
    /// fewer than 2 valid rewards), for trainers that learn log Z; nil for other estimators.
    public func flowTargets(for batch: RewardBatch) throws -> [Double]? {
        guard case .flowRLTB(let beta, let eps, let std) = self else { return nil }
        try checkInputs(batch)
        var targets = [Double](repeating: 0, count: batch.sampleCount)
        if batch.sampleCount == 0 { return targets }
        let grpo = AdvantageEstimator.grpo(epsilon: eps, std: std, baseline: .mean)
        try grpo.computeAdvantages(for: batch, into: &targets)
        for i in targets.indices { targets[i] *= beta }
        return targets
    }

    /// Computes advantages and FlowRL targets in one pass (targets are nil unless `flowrl_tb`).
    public func computeAdvantagesAndFlowTargets(for batch: RewardBatch) throws -> (advantages: [Double], flowTargets: [Double]?) {
        guard case .flowRLTB(let beta, let eps, let std) = self else { return (try advantages(for: batch), nil) }
        try checkInputs(batch)
        let n = batch.sampleCount
        var adv = [Double](repeating: 0, count: n)
        var targets = [Double](repeating: 0, count: n)
        if n == 0 { return (adv, targets) }
        let finite = batch.rewards.withUnsafeBufferPointer { r in
            batch.groupOffsets.withUnsafeBufferPointer { offsets in
                batch.logprobMean.withUnsafeBufferPointer { lp in
                    batch.refLogprobMean.withUnsafeBufferPointer { ref in
                        adv.withUnsafeMutableBufferPointer { out in
                            targets.withUnsafeMutableBufferPointer { t in
                                AdvantageKernels.flowRLTB(
                                    r, lp, ref, offsets, beta: beta, epsilon: eps, ddof: std.ddof, out, targets: t)
                            }
                        }
                    }
                }
            }
        }
        if !finite { throw nonFiniteError(batch) }
        return (adv, targets)
    }

    /// Checks the batch's shape and that the inputs this estimator needs are present.
    public func checkInputs(_ batch: RewardBatch) throws {
        try batch.validate()
        let n = batch.sampleCount
        guard n > 0 else { return }
        for input in requiredInputs.sorted(by: { $0.rawValue < $1.rawValue }) {
            let present: Bool =
                switch input {
                case .lengths: batch.lengths.count == n
                case .logprobMean: batch.logprobMean.count == n
                case .refLogprobMean: batch.refLogprobMean.count == n
                case .components: batch.components.count == n * batch.componentCount && batch.componentCount > 0
                }
            guard present else {
                throw NumericsError(.inconsistentShape, "estimator '\(name)' needs \(input.rawValue) for every sample", context: input.rawValue)
            }
        }
        if case .gdpo(let weights, _) = self, weights.count != batch.componentCount {
            throw NumericsError(
                .inconsistentShape,
                "gdpo has \(weights.count) weights but the samples have \(batch.componentCount) reward components",
                context: "advantage.params.weights")
        }
    }

    /// Finds the first offending input after a kernel reported a non-finite statistic.
    func nonFiniteError(_ batch: RewardBatch) -> NumericsError {
        func where_(_ i: Int) -> String {
            var g = 0
            while g + 1 < batch.groupOffsets.count && batch.groupOffsets[g + 1] <= i { g += 1 }
            return "groups[\(g)][\(i - batch.groupOffsets[g])]"
        }
        let inputs = requiredInputs
        for i in 0 ..< batch.sampleCount {
            let r = batch.rewards[i]
            if r.isNaN { continue }
            if !r.isFinite { return NumericsError(.invalidInput, "reward is \(r); rewards must be finite or missing", context: where_(i)) }
            if inputs.contains(.lengths), !batch.lengths[i].isFinite {
                return NumericsError(.invalidInput, "length is not finite", context: where_(i))
            }
            if inputs.contains(.logprobMean), !batch.logprobMean[i].isFinite {
                return NumericsError(.invalidInput, "logprob_mean is \(batch.logprobMean[i]) for a sample with a reward", context: where_(i))
            }
            if inputs.contains(.refLogprobMean), !batch.refLogprobMean[i].isFinite {
                return NumericsError(
                    .invalidInput, "ref_logprob_mean is \(batch.refLogprobMean[i]) for a sample with a reward", context: where_(i))
            }
            if inputs.contains(.components) {
                let k = batch.componentCount
                for c in 0 ..< k where !batch.components[i * k + c].isFinite {
                    return NumericsError(
                        .invalidInput, "component \(c) is \(batch.components[i * k + c]) for a sample with a reward",
                        context: where_(i))
                }
            }
        }
        return NumericsError(.invalidInput, "the statistics overflowed (non-finite result); rescale the rewards", context: name)
    }
}
