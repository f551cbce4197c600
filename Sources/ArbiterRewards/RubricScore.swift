import ArbiterCore

/// Why a rubric score is missing (nil). A missing score is excluded downstream, never read as 0.
public enum RubricScoreMissing: String, Sendable, Hashable, Codable, CaseIterable {
    /// Every weighted criterion was excluded (undecided verdicts under `failure_policy: exclude`).
    case allExcluded = "all_excluded"
    /// Some verdict stayed undecided after retries under `failure_policy: missing`.
    case undecided
    /// A judge call failed (transport error or budget denial); the criterion was never judged.
    case failedCall = "failed_call"
    /// The rubric has no criterion with a non-zero weight.
    case noWeight = "no_weight"
}

/// Verdict counts by status.
public struct VerdictStatusCounts: Sendable, Hashable, Codable {
    /// Clean yes/no verdicts.
    public var ok = 0
    /// Verdicts that are not a yes/no.
    public var nonBinary = 0
    /// Judge refusals.
    public var refusal = 0
    /// Empty judge answers.
    public var empty = 0
    /// Failed or budget-denied judge calls.
    public var failed = 0

    enum CodingKeys: String, CodingKey {
        case ok
        case nonBinary = "non_binary"
        case refusal, empty, failed
    }

    /// Creates zero counts.
    public init() {}

    /// Counts the statuses of `verdicts`.
    public init<S: Sequence>(_ verdicts: S) where S.Element == Verdict {
        for v in verdicts { self[v.status] += 1 }
    }

    /// The count of one status.
    public subscript(status: VerdictStatus) -> Int {
        get {
            switch status {
            case .ok: ok
            case .nonBinary: nonBinary
            case .refusal: refusal
            case .empty: empty
            case .failed: failed
            }
        }
        set {
            switch status {
            case .ok: ok = newValue
            case .nonBinary: nonBinary = newValue
            case .refusal: refusal = newValue
            case .empty: empty = newValue
            case .failed: failed = newValue
            }
        }
    }

    /// All verdicts counted.
    public var total: Int { ok + nonBinary + refusal + empty + failed }
}

/// How one criterion fared.
public struct CriterionOutcome: Sendable, Hashable, Codable {
    /// Criterion id.
    public var criterionID: String
    /// Signed weight.
    public var weight: Int
    /// Dimension, when annotated.
    public var dimension: RubricDimension?
    /// Verdict status.
    public var status: VerdictStatus
    /// Whether the criterion was judged met (nil: undecided).
    public var met: Bool?
    /// Whether it earned its weight (false when undecided).
    public var credited: Bool
    /// Whether it was left out of the score (undecided under `exclude`).
    public var excluded: Bool
}

/// The fulfilment of one rubric dimension, in [0, 1]: Σ credited |w| / Σ |w| over the
/// dimension's decided criteria; nil when the rubric has none (or the score is missing).
public struct DimensionFulfilment: Sendable, Hashable, Codable {
    /// The dimension.
    public var dimension: RubricDimension
    /// The fulfilment.
    public var value: Double?
}

/// Every rubric aggregate of one response.
///
/// - `official` (MoReBench): clamp(100 · Σ credited |w| / Σ |w|, 0, 100), where credited means
///   a positive criterion met or a negative criterion avoided.
/// - `paper`: Σ_{w>0, met} w / Σ_{w>0} w − Σ_{w<0, violated} |w| / Σ_{w<0} |w|, in [−1, 1]. An
///   empty side contributes 0: with no positive criteria the best score is 0; with no negative
///   criteria nothing is subtracted.
/// - per-dimension fulfilment, reported as reward components named
///   ``ArbiterCore/RubricDimension/componentName``.
///
/// Sums run over decided criteria: undecided ones are excluded (renormalizing) under
/// `failure_policy: exclude`, or make everything missing under `failure_policy: missing`. A
/// failed judge call always makes the score missing. Criteria of weight 0 never count.
public struct RubricScore: Sendable, Hashable, Codable {
    /// The official score, 0…100.
    public var official: Double?
    /// The paper score, −1…1.
    public var paper: Double?
    /// The five dimensions in ``ArbiterCore/RubricDimension/allCases`` order.
    public var dimensions: [DimensionFulfilment]
    /// Verdict counts.
    public var statuses: VerdictStatusCounts
    /// Per-criterion outcomes, in rubric order.
    public var criteria: [CriterionOutcome]
    /// Why the score is missing, when it is.
    public var missing: RubricScoreMissing?

    /// The value of an aggregator.
    public func value(_ aggregator: RubricAggregator) -> Double? {
        switch aggregator {
        case .official: official
        case .paper: paper
        }
    }

    /// The fulfilment of a dimension.
    public func fulfilment(_ dimension: RubricDimension) -> Double? {
        dimensions.first(where: { $0.dimension == dimension })?.value
    }

    /// Aggregates verdicts, matched to criteria by id.
    ///
    /// - Throws: ``RewardsError`` (`invalid_input`) when criterion ids repeat or a criterion has
    ///   no verdict.
    public static func aggregate(criteria: [RubricCriterion], verdicts: [Verdict], failurePolicy: VerdictFailurePolicy) throws
        -> RubricScore
    {
        var byID: [String: Verdict] = [:]
        for v in verdicts { byID[v.criterionID] = v }
        var seen = Set<String>()
        var pairs: [(RubricCriterion, Verdict)] = []
        for c in criteria {
            guard seen.insert(c.id).inserted else {
                throw RewardsError(.invalidInput, "criterion id `\(c.id)` occurs more than once in the rubric")
            }
            guard let v = byID[c.id] else {
                throw RewardsError(.invalidInput, "criterion `\(c.id)` has no verdict")
            }
            pairs.append((c, v))
        }
        return aggregate(pairs.map { JudgedCriterion(criterion: $0.0, verdict: $0.1) }, failurePolicy: failurePolicy)
    }

    /// Aggregates criteria paired with their verdicts.
    public static func aggregate(_ judged: [JudgedCriterion], failurePolicy: VerdictFailurePolicy) -> RubricScore {
        let statuses = VerdictStatusCounts(judged.map(\.verdict))
        let anyFailed = judged.contains { $0.verdict.status == .failed }
        let anyUndecided = judged.contains { $0.verdict.met == nil }
        let outcomes = judged.map { j in
            CriterionOutcome(
                criterionID: j.criterion.id, weight: j.criterion.weight, dimension: j.criterion.dimension,
                status: j.verdict.status, met: j.verdict.met, credited: j.verdict.credited(weight: j.criterion.weight) ?? false,
                excluded: j.verdict.met == nil
            )
        }
        let noDimensions = RubricDimension.allCases.map { DimensionFulfilment(dimension: $0, value: nil) }
        func missing(_ reason: RubricScoreMissing) -> RubricScore {
            RubricScore(official: nil, paper: nil, dimensions: noDimensions, statuses: statuses, criteria: outcomes, missing: reason)
        }
        if !judged.contains(where: { $0.criterion.weight != 0 }) { return missing(.noWeight) }
        if anyFailed { return missing(.failedCall) }
        if anyUndecided, failurePolicy == .missing { return missing(.undecided) }
        let decided = outcomes.filter { !$0.excluded && $0.weight != 0 }
        if decided.isEmpty { return missing(.allExcluded) }

        func fulfilment(_ xs: [CriterionOutcome]) -> Double? {
            let total = xs.reduce(0) { $0 + abs($1.weight) }
            guard total > 0 else { return nil }
            return Double(xs.filter(\.credited).reduce(0) { $0 + abs($1.weight) }) / Double(total)
        }
        let official = min(100, max(0, 100 * fulfilment(decided)!))
        let positives = decided.filter { $0.weight > 0 }
        let negatives = decided.filter { $0.weight < 0 }
        let posTotal = positives.reduce(0) { $0 + $1.weight }
        let negTotal = negatives.reduce(0) { $0 + abs($1.weight) }
        let posTerm = posTotal == 0 ? 0 : Double(positives.filter { $0.met == true }.reduce(0) { $0 + $1.weight }) / Double(posTotal)
        let negTerm = negTotal == 0 ? 0 : Double(negatives.filter { $0.met == true }.reduce(0) { $0 + abs($1.weight) }) / Double(negTotal)
        let dims = RubricDimension.allCases.map { d in
            DimensionFulfilment(dimension: d, value: fulfilment(decided.filter { $0.dimension == d }))
        }
        return RubricScore(
            official: official, paper: posTerm - negTerm, dimensions: dims, statuses: statuses, criteria: outcomes, missing: nil)
    }
}

/// A criterion with its verdict.
public struct JudgedCriterion: Sendable, Hashable, Codable {
    /// The criterion.
    public var criterion: RubricCriterion
    /// Its verdict.
    public var verdict: Verdict

    /// Pairs a criterion with its verdict.
    public init(criterion: RubricCriterion, verdict: Verdict) {
        self.criterion = criterion
        self.verdict = verdict
    }
}
