import ArbiterCore

/// Why a policy output got the floor reward instead of being judged.
public enum FloorReason: String, Sendable, Hashable, Codable, CaseIterable {
    /// The judged text is empty.
    case empty
    /// The judged text is a refusal (see ``RefusalDetector``).
    case refusal
    /// Generation hit the token limit.
    case truncated
}

/// One criterion's verdict as recorded: the parsed ``ArbiterCore/Verdict`` (raw judge text
/// included) plus what produced it.
public struct JudgedVerdict: Sendable, Hashable, Codable {
    /// The verdict (raw text, status, met).
    public var verdict: Verdict
    /// The parser used.
    public var parser: VerdictParser
    /// The template hash.
    public var templateHash: String
    /// The judge model.
    public var model: String
    /// Judge calls made for it (0 when answered from the cache).
    public var calls: Int
    /// Whether it came from the cache.
    public var cached: Bool
    /// Raw answers of earlier attempts that did not parse, oldest first.
    public var earlierAnswers: [String]
    /// For a batched call, the whole judge answer (the verdict's raw text is the criterion's entry).
    public var callText: String?
    /// Why the call failed, for `failed` verdicts.
    public var failure: String?

    /// Creates a record.
    public init(
        verdict: Verdict, parser: VerdictParser, templateHash: String, model: String, calls: Int, cached: Bool,
        earlierAnswers: [String] = [], callText: String? = nil, failure: String? = nil
    ) {
        self.verdict = verdict
        self.parser = parser
        self.templateHash = templateHash
        self.model = model
        self.calls = calls
        self.cached = cached
        self.earlierAnswers = earlierAnswers
        self.callText = callText
        self.failure = failure
    }
}

/// The rubric judge's result for one policy output.
public struct RubricJudgement: Sendable, Hashable, Codable {
    /// The text the judge saw.
    public var judgedText: String
    /// SHA-256 of the judged text (the cache key's first part).
    public var judgedTextHash: String
    /// Template name.
    public var templateName: String
    /// Template hash, recorded with every verdict.
    public var templateHash: String
    /// Set when the output got the floor without judge calls.
    public var floored: FloorReason?
    /// One record per criterion, in rubric order (empty when floored).
    public var verdicts: [JudgedVerdict]
    /// All aggregates. For a floored output: the chosen aggregator holds the floor, the other is
    /// nil, and every dimension the rubric covers has fulfilment 0.
    public var score: RubricScore
    /// The aggregator chosen as training reward.
    public var aggregator: RubricAggregator
    /// The training reward: the floor, or the chosen aggregate; nil when missing.
    public var reward: Double?

    /// The reward vector: the five dimension fulfilments as components (weights from the
    /// config's components of the same name at `step`, else 0) and the chosen aggregate as total.
    public func rewardVector(components: [ComponentConfig] = [], step: Int = 0) -> RewardVector {
        let comps = score.dimensions.map { d in
            let name = d.dimension.componentName
            let weight = components.first(where: { $0.name == name })?.weight(atStep: step) ?? 0
            return RewardComponent(name: name, value: d.value, weight: weight)
        }
        return RewardVector(components: comps, total: reward)
    }
}

extension RubricScore {
    /// The score of a floored output: the chosen aggregator holds `floor`.
    static func floored(criteria: [RubricCriterion], aggregator: RubricAggregator, floor: Double) -> RubricScore {
        let present = Set(criteria.filter { $0.weight != 0 }.compactMap(\.dimension))
        return RubricScore(
            official: aggregator == .official ? floor : nil,
            paper: aggregator == .paper ? floor : nil,
            dimensions: RubricDimension.allCases.map { DimensionFulfilment(dimension: $0, value: present.contains($0) ? 0 : nil) },
            statuses: VerdictStatusCounts(),
            criteria: [],
            missing: nil
        )
    }
}
