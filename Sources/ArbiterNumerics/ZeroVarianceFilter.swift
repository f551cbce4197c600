/// Detects zero-variance groups: groups whose rewards carry no learning signal.
///
/// A group is zero-variance when its valid rewards' spread (max − min) is ≤ `tolerance`,
/// so float judge scores that are "effectively identical" count too, or when it has fewer
/// than 2 valid rewards (every estimator gives such a group zero advantage anyway).
/// The DAPO filter keeps the other groups (``informativeGroups(in:)``).
public struct ZeroVarianceFilter: Sendable, Hashable {
    /// Largest spread still treated as zero.
    public var tolerance: Double

    /// Creates a filter; `tolerance` must be finite and ≥ 0.
    public init(tolerance: Double = 1e-6) throws {
        guard tolerance.isFinite, tolerance >= 0 else {
            throw NumericsError(
                .outOfRange, "must be finite and ≥ 0, got \(tolerance)", context: "sampling.dynamic_sampling.tolerance")
        }
        self.tolerance = tolerance
    }

    /// Whether rewards (`NaN` = missing) form a zero-variance group.
    public func isZeroVariance(_ rewards: UnsafeBufferPointer<Double>) -> Bool {
        var n = 0
        var lo = Double.infinity
        var hi = -Double.infinity
        for x in rewards where x == x {
            n += 1
            lo = min(lo, x)
            hi = max(hi, x)
        }
        return n < 2 || hi - lo <= tolerance
    }

    /// Whether rewards (`nil` = missing) form a zero-variance group.
    public func isZeroVariance(_ rewards: [Double?]) -> Bool {
        let packed = rewards.map { $0 ?? .nan }
        return packed.withUnsafeBufferPointer { isZeroVariance($0) }
    }

    /// Whether group `g` of `batch` is zero-variance.
    public func isZeroVariance(group g: Int, of batch: RewardBatch) -> Bool {
        batch.rewards.withUnsafeBufferPointer { r in
            isZeroVariance(UnsafeBufferPointer(rebasing: r[batch.groupRange(g)]))
        }
    }

    /// One flag per group of `batch`: true when the group is zero-variance.
    public func zeroVarianceFlags(in batch: RewardBatch) -> [Bool] {
        batch.rewards.withUnsafeBufferPointer { r in
            (0 ..< batch.groupCount).map { isZeroVariance(UnsafeBufferPointer(rebasing: r[batch.groupRange($0)])) }
        }
    }

    /// The DAPO filter: indices of the groups with non-zero variance, in order.
    public func informativeGroups(in batch: RewardBatch) -> [Int] {
        zeroVarianceFlags(in: batch).enumerated().filter { !$0.element }.map(\.offset)
    }
}

extension RewardBatch {
    /// A batch holding only the listed groups, in the given order.
    public func selectingGroups(_ groups: [Int]) -> RewardBatch {
        var out = RewardBatch.empty(componentCount: componentCount)
        out.groupOffsets.reserveCapacity(groups.count + 1)
        for g in groups {
            let range = groupRange(g)
            out.rewards.append(contentsOf: rewards[range])
            if !lengths.isEmpty { out.lengths.append(contentsOf: lengths[range]) }
            if !logprobMean.isEmpty { out.logprobMean.append(contentsOf: logprobMean[range]) }
            if !refLogprobMean.isEmpty { out.refLogprobMean.append(contentsOf: refLogprobMean[range]) }
            if !components.isEmpty {
                out.components.append(contentsOf: components[(range.lowerBound * componentCount) ..< (range.upperBound * componentCount)])
            }
            out.groupOffsets.append(out.rewards.count)
        }
        if out.components.isEmpty { out.componentCount = 0 }
        return out
    }

    /// A batch with no groups.
    static func empty(componentCount: Int) -> RewardBatch {
        RewardBatch(
            unchecked: [], groupOffsets: [0], lengths: [], logprobMean: [], refLogprobMean: [], components: [],
            componentCount: componentCount)
    }
}
