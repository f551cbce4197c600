import ArbiterCore

/// Counts criterion verdicts by the chosen grouping.
struct CriterionRateBuilder: Sendable {
    struct Key: Hashable {
        var criterionID: String?
        var dimension: String?
        var weight: Int?
    }

    let grouping: CriterionGrouping
    private var counts: [Key: CriterionRate] = [:]

    init(grouping: CriterionGrouping) { self.grouping = grouping }

    mutating func add(_ j: StoredJudgeCall) {
        add(criterionID: j.criterionID, dimension: j.dimension, weight: j.criterionWeight, status: j.verdictStatus, met: j.met, count: 1)
    }

    mutating func add(criterionID: String?, dimension: String?, weight: Int?, status: VerdictStatus, met: Bool?, count: Int) {
        let key =
            grouping == .criterion
            ? Key(criterionID: criterionID, dimension: nil, weight: nil)
            : Key(criterionID: nil, dimension: dimension, weight: weight)
        var r = counts[key] ?? CriterionRate(
            criterionID: key.criterionID, dimension: dimension, weight: weight, calls: 0, met: 0, notMet: 0,
            unparsed: 0, failed: 0)
        r.calls += count
        switch status {
        case .ok:
            if met == true { r.met += count } else if met == false { r.notMet += count } else { r.unparsed += count }
        case .failed: r.failed += count
        case .nonBinary, .refusal, .empty: r.unparsed += count
        }
        counts[key] = r
    }

    /// Rates sorted by dimension, weight (descending), criterion.
    var rates: [CriterionRate] {
        counts.values.sorted { CriterionRateBuilder.order($0, $1) }
    }

    static func order(_ a: CriterionRate, _ b: CriterionRate) -> Bool {
        if a.dimension != b.dimension { return (a.dimension ?? "") < (b.dimension ?? "") }
        if a.weight != b.weight { return (a.weight ?? Int.min) > (b.weight ?? Int.min) }
        return (a.criterionID ?? "") < (b.criterionID ?? "")
    }
}
