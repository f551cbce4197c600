import Foundation

/// The five MoReBench rubric dimensions.
public enum RubricDimension: String, Sendable, Hashable, Codable, CaseIterable {
    case identifying
    case logicalProcess = "logical process"
    case clearProcess = "clear process"
    case helpfulOutcome = "helpful outcome"
    case harmlessOutcome = "harmless outcome"

    /// Parses a dimension label leniently in case and separators (`Logical_Process`).
    public init?(label: String) {
        let norm = label.lowercased().replacingOccurrences(of: "_", with: " ")
            .split(whereSeparator: { $0 == " " || $0 == "-" }).joined(separator: " ")
        guard let d = RubricDimension(rawValue: norm) else { return nil }
        self = d
    }

    /// A snake_case name suitable for a reward component.
    public var componentName: String { rawValue.replacingOccurrences(of: " ", with: "_") }
}

/// One rubric criterion with its signed weight.
public struct RubricCriterion: Sendable, Hashable, Codable {
    /// The criterion id from the rubric.
    public var id: String
    /// The criterion text shown to the judge.
    public var title: String
    /// Signed integer weight (−3…+3); negative criteria must be avoided.
    public var weight: Int
    /// The rubric dimension, when annotated.
    public var dimension: RubricDimension?

    /// Creates a criterion.
    public init(id: String, title: String, weight: Int, dimension: RubricDimension?) {
        self.id = id
        self.title = title
        self.weight = weight
        self.dimension = dimension
    }

    /// Whether meeting the criterion is good (positive weight) or bad (negative weight).
    public var isPositive: Bool { weight > 0 }
}

/// A MoReBench scenario: a dilemma and its rubric.
public struct RubricScenario: Sendable, Hashable, Codable {
    /// The dilemma text.
    public var dilemma: String
    /// `DILEMMA_SOURCE` column.
    public var dilemmaSource: String
    /// `DILEMMA_TYPE` column.
    public var dilemmaType: String
    /// `THEORY` column (`neutral` or a named ethical theory).
    public var theory: String
    /// `ROLE_DOMAIN` column.
    public var roleDomain: String
    /// `CONTEXT` column.
    public var context: String
    /// The rubric criteria.
    public var criteria: [RubricCriterion]
    /// Where the row was read from.
    public var source: SourceLocation
    /// Whether the scenario is eval-only.
    public var evalOnly: Bool

    /// Creates a scenario.
    public init(
        dilemma: String, dilemmaSource: String, dilemmaType: String, theory: String, roleDomain: String,
        context: String, criteria: [RubricCriterion], source: SourceLocation, evalOnly: Bool
    ) {
        self.dilemma = dilemma
        self.dilemmaSource = dilemmaSource
        self.dilemmaType = dilemmaType
        self.theory = theory
        self.roleDomain = roleDomain
        self.context = context
        self.criteria = criteria
        self.source = source
        self.evalOnly = evalOnly
    }

    /// The canonical text hashed into the scenario's stable id (the derived task id).
    public var canonicalContent: String {
        var parts = [dilemma, dilemmaSource, dilemmaType, theory, roleDomain, context]
        for c in criteria { parts.append("\(c.id)|\(c.weight)|\(c.dimension?.rawValue ?? "")|\(c.title)") }
        return parts.joined(separator: "\u{1f}")
    }
}
