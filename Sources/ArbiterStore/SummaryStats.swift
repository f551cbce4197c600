/// Count, mean, population standard deviation and range of a set of values, with missing values counted apart.
public struct SummaryStats: Sendable, Hashable, Codable {
    /// Values present.
    public var count: Int
    /// Values missing (NULL in the log).
    public var missing: Int
    /// Mean of the present values.
    public var mean: Double?
    /// Population standard deviation of the present values.
    public var std: Double?
    /// Smallest present value.
    public var min: Double?
    /// Largest present value.
    public var max: Double?

    /// Creates stats.
    public init(count: Int = 0, missing: Int = 0, mean: Double? = nil, std: Double? = nil, min: Double? = nil, max: Double? = nil) {
        self.count = count
        self.missing = missing
        self.mean = mean
        self.std = std
        self.min = min
        self.max = max
    }
}
