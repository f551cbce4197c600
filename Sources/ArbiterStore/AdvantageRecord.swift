/// The advantage a sample received.
public struct AdvantageRecord: Sendable, Hashable, Codable {
    /// Estimator name (`grpo`, `dr_grpo`, `rloo`, `flowrl_tb`...).
    public var estimator: String
    /// Hash of the estimator's parameters.
    public var paramsHash: String
    /// The advantage (exactly 0 when the reward was missing).
    public var value: Double
    /// FlowRL target β·r̂, when the estimator produces one.
    public var flowTarget: Double?

    /// Creates an advantage record.
    public init(estimator: String, paramsHash: String, value: Double, flowTarget: Double? = nil) {
        self.estimator = estimator
        self.paramsHash = paramsHash
        self.value = value
        self.flowTarget = flowTarget
    }
}
