/// One named reward component; `value == nil` means missing (a failed judge call), never 0.
public struct RewardComponent: Sendable, Hashable, Codable {
    /// Component name (`format`, `outcome`, `structure`, `content`, `length`, a rubric dimension...).
    public var name: String
    /// The value, or nil when it could not be computed.
    public var value: Double?
    /// The weight in force at the step it was computed.
    public var weight: Double

    /// Creates a component.
    public init(name: String, value: Double?, weight: Double) {
        self.name = name
        self.value = value
        self.weight = weight
    }
}

/// How a reward vector treats missing components when computing its total.
public enum MissingComponentPolicy: String, Sendable, Hashable, Codable {
    /// Any missing component with non-zero weight makes the total missing.
    case missingTotal = "missing_total"
    /// Missing components are excluded and the remaining weights renormalized.
    case renormalize
}

/// A multi-dimensional reward: named components, their weights, and the weighted total.
public struct RewardVector: Sendable, Hashable, Codable {
    /// The components in a stable order.
    public var components: [RewardComponent]
    /// The weighted total used for training, nil when missing.
    public var total: Double?

    /// Builds a vector and computes its total under `policy`.
    public init(components: [RewardComponent], missing policy: MissingComponentPolicy = .missingTotal) {
        self.components = components
        self.total = Self.weightedTotal(components, policy: policy)
    }

    /// Builds a vector with an explicitly chosen total (e.g. a rubric aggregator's score).
    public init(components: [RewardComponent], total: Double?) {
        self.components = components
        self.total = total
    }

    /// Σ w·v over components, honouring the missing policy.
    public static func weightedTotal(_ components: [RewardComponent], policy: MissingComponentPolicy) -> Double? {
        var sum = 0.0
        var usedWeight = 0.0
        var allWeight = 0.0
        for c in components where c.weight != 0 {
            allWeight += abs(c.weight)
            guard let v = c.value, v.isFinite else {
                if policy == .missingTotal { return nil }
                continue
            }
            sum += c.weight * v
            usedWeight += abs(c.weight)
        }
        if policy == .renormalize {
            if usedWeight == 0 { return components.isEmpty ? nil : (allWeight == 0 ? 0 : nil) }
            return sum * allWeight / usedWeight
        }
        return sum
    }

    /// The value of a named component (nil when absent or missing).
    public subscript(name: String) -> Double? {
        components.first(where: { $0.name == name })?.value
    }
}
