import ArbiterCore

/// Dynamic sampling for one training step: the decisions the engine asks for as groups finish.
///
/// - disabled: every group is kept, one round;
/// - `filter` (DAPO): zero-variance groups are dropped, one round, the batch may come out smaller;
/// - `replace`: zero-variance groups are dropped and replacement rounds are requested until
///   `targetGroups` informative groups are kept or `maxExtraRounds` extra rounds are spent;
///   informative groups beyond the target are reported as ``GroupDecision/surplus``.
///
/// Usage: call ``admit(_:)-(UnsafeBufferPointer<Double>)`` for each finished group, then
/// ``finishRound()`` when a round's groups are all in; generate what it asks for, repeat.
public struct DynamicSampler: Sendable, Hashable {
    /// What to do with one finished group.
    public enum GroupDecision: Sendable, Hashable {
        /// Train on it.
        case keep
        /// Drop it: its rewards have (effectively) zero variance.
        case dropZeroVariance
        /// Informative, but the batch is already full.
        case surplus
    }

    /// What to do when a round of generation is complete.
    public enum RoundDecision: Sendable, Hashable {
        /// The batch is complete (or, for `filter` and disabled sampling, final as it is).
        case complete
        /// Generate this many more groups (an extra round; already counted as used).
        case generateMore(groups: Int)
        /// No extra rounds are left; the batch goes out `missing` groups short.
        case exhausted(missing: Int)
    }

    /// Groups a full batch holds.
    public let targetGroups: Int
    /// Whether dynamic sampling is on.
    public let enabled: Bool
    /// Filter or replace.
    public let policy: DynamicSamplingPolicy
    /// Cap on extra generation rounds.
    public let maxExtraRounds: Int
    /// The zero-variance test.
    public let filter: ZeroVarianceFilter
    /// Groups kept so far.
    public private(set) var kept = 0
    /// Groups dropped as zero-variance so far.
    public private(set) var dropped = 0
    /// Informative groups turned away because the batch was full.
    public private(set) var surplus = 0
    /// Extra rounds requested so far.
    public private(set) var extraRoundsUsed = 0

    /// Creates the state for one step.
    public init(targetGroups: Int, config: DynamicSamplingConfig) throws {
        guard targetGroups > 0 else {
            throw NumericsError(.outOfRange, "must be > 0, got \(targetGroups)", context: "policy.prompts_per_step")
        }
        guard config.maxExtraBatches >= 0 else {
            throw NumericsError(
                .outOfRange, "must be ≥ 0, got \(config.maxExtraBatches)", context: "sampling.dynamic_sampling.max_extra_batches")
        }
        self.targetGroups = targetGroups
        self.enabled = config.enabled
        self.policy = config.policy
        self.maxExtraRounds = config.maxExtraBatches
        self.filter = try ZeroVarianceFilter(tolerance: config.tolerance)
    }

    /// Informative groups still needed for a full batch.
    public var stillNeeded: Int { max(targetGroups - kept, 0) }
    /// Extra generation rounds still allowed.
    public var extraRoundsLeft: Int { enabled && policy == .replace ? max(maxExtraRounds - extraRoundsUsed, 0) : 0 }
    /// Fraction of admitted groups that were informative (1 before any group).
    public var observedKeepRate: Double {
        let seen = kept + dropped + surplus
        return seen == 0 ? 1 : Double(kept + surplus) / Double(seen)
    }

    /// Decides on a finished group from its rewards (`NaN` = missing).
    public mutating func admit(_ rewards: UnsafeBufferPointer<Double>) -> GroupDecision {
        guard enabled else {
            kept += 1
            return .keep
        }
        if filter.isZeroVariance(rewards) {
            dropped += 1
            return .dropZeroVariance
        }
        if policy == .replace && kept >= targetGroups {
            surplus += 1
            return .surplus
        }
        kept += 1
        return .keep
    }

    /// Decides on a finished group from its rewards (`nil` = missing).
    public mutating func admit(_ rewards: [Double?]) -> GroupDecision {
        let packed = rewards.map { $0 ?? .nan }
        return packed.withUnsafeBufferPointer { admit($0) }
    }

    /// Decides what happens after a round.
    ///
    /// For `replace`, the number of groups to generate is the shortfall divided by the keep
    /// rate observed so far (at least 1/8), rounded up, so a prompt set where most groups are
    /// solved or hopeless asks for enough in one round.
    public mutating func finishRound() -> RoundDecision {
        guard enabled, policy == .replace, stillNeeded > 0 else { return .complete }
        guard extraRoundsUsed < maxExtraRounds else { return .exhausted(missing: stillNeeded) }
        extraRoundsUsed += 1
        let rate = max(observedKeepRate, 0.125)
        return .generateMore(groups: Int((Double(stillNeeded) / rate).rounded(.up)))
    }
}
