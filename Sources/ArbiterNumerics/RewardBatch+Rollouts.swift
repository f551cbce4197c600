import ArbiterCore

extension RewardBatch {
    /// Packs ArbiterCore rollout groups into the contiguous layout.
    ///
    /// - rewards: `reward.total` (`nil` → missing);
    /// - lengths: `rollout.completionTokens`;
    /// - logprobMean: `rollout.logprobMean`, `refLogprobMean`: the scored rollout's
    ///   reference mean (each `NaN` where unknown; estimators that need them reject `NaN`
    ///   on a sample whose reward is present);
    /// - components: when `componentNames` is given, the named components' values in that
    ///   order (`NaN` where absent or missing).
    public init(rolloutGroups: [RolloutGroup], componentNames: [String]? = nil) throws {
        let total = rolloutGroups.reduce(0) { $0 + $1.samples.count }
        var rewards: [Double] = []
        var lengths: [Double] = []
        var lp: [Double] = []
        var ref: [Double] = []
        var comps: [Double] = []
        var offsets: [Int] = [0]
        rewards.reserveCapacity(total)
        lengths.reserveCapacity(total)
        lp.reserveCapacity(total)
        ref.reserveCapacity(total)
        offsets.reserveCapacity(rolloutGroups.count + 1)
        let names = componentNames ?? []
        comps.reserveCapacity(total * names.count)
        for group in rolloutGroups {
            for s in group.samples {
                rewards.append(s.reward.total ?? .nan)
                lengths.append(Double(s.rollout.completionTokens))
                lp.append(s.rollout.logprobMean ?? .nan)
                ref.append(s.refLogprobMean ?? .nan)
                for name in names { comps.append(s.reward[name] ?? .nan) }
            }
            offsets.append(rewards.count)
        }
        try self.init(
            rewards: rewards, groupOffsets: offsets, lengths: lengths, logprobMean: lp, refLogprobMean: ref,
            components: comps, componentCount: comps.isEmpty ? 0 : names.count)
    }
}
