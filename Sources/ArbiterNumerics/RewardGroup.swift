/// One group of samples in array-of-structs form, as the JSON tools and tests write it.
///
/// Field names on the wire follow `shared/golden/README.md`: `rewards` (`null` = missing),
/// `lengths`, `logprob_mean`, `ref_logprob_mean`, `components`. All but `rewards` are optional;
/// an estimator that needs one that is absent fails with a clear error.
public struct RewardGroup: Sendable, Hashable, Codable {
    /// Rewards; `nil` is a missing reward.
    public var rewards: [Double?]
    /// Completion lengths in tokens.
    public var lengths: [Int]?
    /// Behaviour-policy mean log-probabilities.
    public var logprobMean: [Double]?
    /// Reference-model mean log-probabilities.
    public var refLogprobMean: [Double]?
    /// Reward components, one row per sample.
    public var components: [[Double]]?

    enum CodingKeys: String, CodingKey {
        case rewards, lengths
        case logprobMean = "logprob_mean"
        case refLogprobMean = "ref_logprob_mean"
        case components
    }

    /// Creates a group.
    public init(
        rewards: [Double?], lengths: [Int]? = nil, logprobMean: [Double]? = nil, refLogprobMean: [Double]? = nil,
        components: [[Double]]? = nil
    ) {
        self.rewards = rewards
        self.lengths = lengths
        self.logprobMean = logprobMean
        self.refLogprobMean = refLogprobMean
        self.components = components
    }
}

extension RewardBatch {
    /// Packs groups into the contiguous layout.
    ///
    /// A side array (lengths, log-probabilities, components) is kept only when every group
    /// supplies it; when some groups do and others do not, that is a shape error.
    public init(groups: [RewardGroup]) throws {
        let total = groups.reduce(0) { $0 + $1.rewards.count }
        var rewards: [Double] = []
        rewards.reserveCapacity(total)
        var offsets: [Int] = [0]
        offsets.reserveCapacity(groups.count + 1)
        for g in groups {
            for r in g.rewards { rewards.append(r ?? .nan) }
            offsets.append(rewards.count)
        }

        func gather<T>(_ name: String, _ field: (RewardGroup) -> [T]?, _ convert: (T) -> Double) throws -> [Double] {
            let present = groups.filter { field($0) != nil }.count
            if present == 0 { return [] }
            var out: [Double] = []
            out.reserveCapacity(total)
            for (gi, g) in groups.enumerated() {
                guard let values = field(g) else {
                    throw NumericsError(.inconsistentShape, "is given for some groups but not this one", context: "groups[\(gi)].\(name)")
                }
                guard values.count == g.rewards.count else {
                    throw NumericsError(
                        .inconsistentShape, "has \(values.count) values for \(g.rewards.count) rewards",
                        context: "groups[\(gi)].\(name)")
                }
                for v in values { out.append(convert(v)) }
            }
            return out
        }
        let lengths = try gather("lengths", \.lengths) { Double($0) }
        let lp = try gather("logprob_mean", \.logprobMean) { $0 }
        let ref = try gather("ref_logprob_mean", \.refLogprobMean) { $0 }

        var components: [Double] = []
        var k = 0
        if groups.contains(where: { $0.components != nil }) {
            k = groups.lazy.compactMap { $0.components?.first?.count }.first ?? 0
            components.reserveCapacity(total * k)
            for (gi, g) in groups.enumerated() {
                guard let rows = g.components, rows.count == g.rewards.count else {
                    throw NumericsError(
                        .inconsistentShape, "needs one row per reward (\(g.rewards.count))", context: "groups[\(gi)].components")
                }
                for (i, row) in rows.enumerated() {
                    guard row.count == k else {
                        throw NumericsError(
                            .inconsistentShape, "has \(row.count) components, expected \(k)",
                            context: "groups[\(gi)].components[\(i)]")
                    }
                    components.append(contentsOf: row)
                }
            }
            if total == 0 { k = 0 }
        }
        try self.init(
            rewards: rewards, groupOffsets: offsets, lengths: lengths, logprobMean: lp, refLogprobMean: ref,
            components: components, componentCount: components.isEmpty ? 0 : k)
    }

    /// Splits a per-sample output buffer (advantages, flow targets) back into one array per group.
    public func splitByGroup(_ values: [Double]) -> [[Double]] {
        (0 ..< groupCount).map { Array(values[groupRange($0)]) }
    }
}
