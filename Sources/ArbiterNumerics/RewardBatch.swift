/// A whole batch of scored samples in one contiguous, struct-of-arrays layout.
///
/// Every estimator reads this layout: the rewards of all groups back to back in one buffer,
/// with `groupOffsets` marking where each group starts (groups may have different sizes).
/// A missing reward (a failed judge call, an unscorable answer) is stored as `NaN`; it is
/// left out of every statistic and its advantage is exactly 0.
///
/// The per-sample side arrays (`lengths`, `logprobMean`, `refLogprobMean`) are either empty
/// (not supplied) or hold one value per sample; estimators that need one say so with a
/// ``NumericsError/Code/inconsistentShape`` error. `components` is a `sampleCount ×
/// componentCount` row-major matrix (GDPO's per-component rewards), or empty.
public struct RewardBatch: Sendable, Hashable {
    /// Training rewards, one per sample; `NaN` marks a missing reward.
    public var rewards: [Double]
    /// Start of each group in the sample arrays, plus a final entry equal to the sample count.
    ///
    /// Group `g` covers samples `groupOffsets[g] ..< groupOffsets[g + 1]`.
    public var groupOffsets: [Int]
    /// Completion lengths in tokens, stored as `Double` so they serve directly as statistical weights.
    public var lengths: [Double]
    /// Mean per-token log-probability of each completion under the behaviour policy.
    public var logprobMean: [Double]
    /// Mean per-token log-probability of each completion under the reference model.
    public var refLogprobMean: [Double]
    /// Reward components, `sampleCount × componentCount`, row-major.
    public var components: [Double]
    /// Number of reward components per sample (0 when `components` is empty).
    public var componentCount: Int

    /// Creates a batch from its flat arrays and checks that the shapes agree.
    ///
    /// - Throws: ``NumericsError`` with code `inconsistentShape` when offsets or array
    ///   lengths do not agree.
    public init(
        rewards: [Double], groupOffsets: [Int], lengths: [Double] = [], logprobMean: [Double] = [],
        refLogprobMean: [Double] = [], components: [Double] = [], componentCount: Int = 0
    ) throws {
        self.rewards = rewards
        self.groupOffsets = groupOffsets
        self.lengths = lengths
        self.logprobMean = logprobMean
        self.refLogprobMean = refLogprobMean
        self.components = components
        self.componentCount = componentCount
        try validate()
    }

    /// Memberwise, without validation (for callers that build consistent shapes themselves).
    init(
        unchecked rewards: [Double], groupOffsets: [Int], lengths: [Double], logprobMean: [Double],
        refLogprobMean: [Double], components: [Double], componentCount: Int
    ) {
        self.rewards = rewards
        self.groupOffsets = groupOffsets
        self.lengths = lengths
        self.logprobMean = logprobMean
        self.refLogprobMean = refLogprobMean
        self.components = components
        self.componentCount = componentCount
    }

    /// Creates a batch of equally sized groups (`rewards.count` must be a multiple of `groupSize`).
    public init(rewards: [Double], groupSize: Int, lengths: [Double] = []) throws {
        guard groupSize > 0, rewards.count % groupSize == 0 else {
            throw NumericsError(
                .inconsistentShape, "\(rewards.count) rewards do not split into groups of \(groupSize)",
                context: "groupSize")
        }
        let offsets = Array(stride(from: 0, through: rewards.count, by: groupSize))
        try self.init(rewards: rewards, groupOffsets: offsets, lengths: lengths)
    }

    /// Number of samples.
    public var sampleCount: Int { rewards.count }
    /// Number of groups.
    public var groupCount: Int { max(groupOffsets.count - 1, 0) }
    /// The sample range of group `g`.
    public func groupRange(_ g: Int) -> Range<Int> { groupOffsets[g] ..< groupOffsets[g + 1] }
    /// Number of samples whose reward is present.
    public var validCount: Int { rewards.reduce(0) { $0 + ($1.isNaN ? 0 : 1) } }

    /// Checks offsets and array lengths (O(groups)).
    public func validate() throws {
        let n = rewards.count
        guard let first = groupOffsets.first, first == 0, groupOffsets.last == n else {
            throw NumericsError(
                .inconsistentShape,
                "group offsets must start at 0 and end at the sample count \(n) (got \(groupOffsets.first.map(String.init) ?? "none") … \(groupOffsets.last.map(String.init) ?? "none"))",
                context: "groupOffsets")
        }
        for g in 1 ..< groupOffsets.count where groupOffsets[g] < groupOffsets[g - 1] {
            throw NumericsError(.inconsistentShape, "group offsets must not decrease", context: "groupOffsets[\(g)]")
        }
        for (name, count) in [("lengths", lengths.count), ("logprobMean", logprobMean.count), ("refLogprobMean", refLogprobMean.count)]
        where count != 0 && count != n {
            throw NumericsError(.inconsistentShape, "has \(count) values for \(n) samples", context: name)
        }
        if components.isEmpty {
            guard componentCount == 0 || n == 0 else {
                throw NumericsError(.inconsistentShape, "componentCount is \(componentCount) but no components were given", context: "components")
            }
        } else {
            guard componentCount > 0, components.count == n * componentCount else {
                throw NumericsError(
                    .inconsistentShape,
                    "has \(components.count) values for \(n) samples × \(componentCount) components", context: "components")
            }
        }
    }
}
