/// How criterion verdicts are grouped in `criterionRates`.
public enum CriterionGrouping: String, Sendable, Hashable, Codable, CaseIterable {
    /// By rubric dimension and signed weight.
    case dimensionAndWeight = "dimension_weight"
    /// By criterion id.
    case criterion
}

/// Fulfilment of rubric criteria: how often the judge said "met".
public struct CriterionRate: Sendable, Hashable, Codable {
    /// Criterion id (when grouped by criterion).
    public var criterionID: String?
    /// Dimension.
    public var dimension: String?
    /// Signed weight.
    public var weight: Int?
    /// Judge calls.
    public var calls: Int
    /// Verdicts "met".
    public var met: Int
    /// Verdicts "not met".
    public var notMet: Int
    /// Responses that did not parse to a yes/no.
    public var unparsed: Int
    /// Calls that failed.
    public var failed: Int

    /// met / (met + notMet), nil when nothing parsed.
    public var rate: Double? { met + notMet == 0 ? nil : Double(met) / Double(met + notMet) }

    /// Creates a rate.
    public init(criterionID: String?, dimension: String?, weight: Int?, calls: Int, met: Int, notMet: Int, unparsed: Int, failed: Int) {
        self.criterionID = criterionID
        self.dimension = dimension
        self.weight = weight
        self.calls = calls
        self.met = met
        self.notMet = notMet
        self.unparsed = unparsed
        self.failed = failed
    }
}
