/// Which standard deviation a group statistic uses.
public enum StandardDeviation: String, Sendable, Hashable, CaseIterable, Codable {
    /// The n−1 sample standard deviation.
    case unbiased
    /// The n (population) standard deviation.
    case population

    /// The delta degrees of freedom (1 or 0).
    var ddof: Int { self == .unbiased ? 1 : 0 }
}

/// The baseline GRPO subtracts from each reward.
public enum GroupBaseline: String, Sendable, Hashable, CaseIterable, Codable {
    /// The group mean.
    case mean
    /// The mean of the other valid samples of the group.
    case leaveOneOut = "leave_one_out"
}

/// An advantage estimator with its parameters, exactly as specified in `shared/golden/README.md`.
///
/// Conventions shared by all estimators: a missing reward (`NaN` in ``RewardBatch/rewards``)
/// is left out of every statistic and gets advantage exactly 0; for the group-relative
/// estimators a group with fewer than 2 valid rewards gets 0 for every sample. The two
/// batch-level estimators differ, as the reference does: `reinforce_pp` whitens every valid
/// sample of the batch (groups of one included), and `gdpo`'s batch normalisation counts
/// the samples of such groups with a summed advantage of 0.
///
/// Build one from configuration with ``init(name:params:)``; compute with
/// ``advantages(for:)`` or, without allocating, ``computeAdvantages(for:into:)``.
public enum AdvantageEstimator: Sendable, Hashable, CustomStringConvertible {
    /// `grpo`: (r_i − b_i) / (std_g + ε).
    case grpo(epsilon: Double, std: StandardDeviation, baseline: GroupBaseline)
    /// `dr_grpo`: r_i − mean_g.
    case drGRPO
    /// `rloo`: r_i − mean of the other valid samples of the group.
    case rloo
    /// `maxrl`: (r_i − mean_g) / (mean_g + ε).
    case maxRL(epsilon: Double)
    /// `opo`: r_i − Σ len_j r_j / Σ len_j over the valid samples of the group.
    case opo
    /// `reinforce_pp`: whiten(r) over the whole batch.
    case reinforcePP(tokenWeighted: Bool, epsilon: Double)
    /// `reinforce_pp_baseline`: whiten(r_i − mean_g) over the whole batch.
    case reinforcePPBaseline(tokenWeighted: Bool, epsilon: Double)
    /// `gdpo`: per-component GRPO, weighted sum, then batch normalisation.
    case gdpo(weights: [Double], epsilon: Double)
    /// `flowrl_tb`: x_i = β·r̂_i + ℓ_ref,i − ℓ_i with r̂ = GRPO(rewards), minus the group mean of x.
    case flowRLTB(beta: Double, epsilon: Double, std: StandardDeviation)

    /// Every estimator name ``init(name:params:)`` accepts, in documentation order.
    public static let allNames: [String] = [
        "grpo", "dr_grpo", "rloo", "maxrl", "opo", "reinforce_pp", "reinforce_pp_baseline", "gdpo", "flowrl_tb",
    ]

    /// The estimator's configuration name (`grpo`, `dr_grpo`, ...).
    public var name: String {
        switch self {
        case .grpo: "grpo"
        case .drGRPO: "dr_grpo"
        case .rloo: "rloo"
        case .maxRL: "maxrl"
        case .opo: "opo"
        case .reinforcePP: "reinforce_pp"
        case .reinforcePPBaseline: "reinforce_pp_baseline"
        case .gdpo: "gdpo"
        case .flowRLTB: "flowrl_tb"
        }
    }

    /// Whether the advantages of every group with ≥ 2 valid rewards sum to zero.
    ///
    /// True for the group-centred estimators (`dr_grpo`, `rloo`, `maxrl`, `flowrl_tb`, and
    /// `grpo` with the mean baseline); `opo` centres the length-weighted sum instead.
    public var isGroupCentred: Bool {
        switch self {
        case .grpo(_, _, let baseline): baseline == .mean
        case .drGRPO, .rloo, .maxRL, .flowRLTB: true
        case .opo, .reinforcePP, .reinforcePPBaseline, .gdpo: false
        }
    }

    /// Which per-sample inputs besides rewards the estimator reads.
    public var requiredInputs: Set<RequiredInput> {
        switch self {
        case .grpo, .drGRPO, .rloo, .maxRL: []
        case .opo: [.lengths]
        case .reinforcePP(let tw, _), .reinforcePPBaseline(let tw, _): tw ? [.lengths] : []
        case .gdpo: [.components]
        case .flowRLTB: [.logprobMean, .refLogprobMean]
        }
    }

    /// A per-sample input an estimator may need.
    public enum RequiredInput: String, Sendable, Hashable, CaseIterable {
        case lengths
        case logprobMean = "logprob_mean"
        case refLogprobMean = "ref_logprob_mean"
        case components
    }

    public var description: String { canonicalDescription }
}
