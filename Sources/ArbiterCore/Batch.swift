/// Provenance carried by every batch so trainer-side anomalies can be traced to their causes.
public struct Provenance: Sendable, Hashable, Codable {
    /// Hash of the resolved run configuration.
    public var configHash: String
    /// Hashes of the rubric and judge templates in force.
    public var templateHashes: [String: String]
    /// Judge models by role.
    public var judgeModels: [String: String]
    /// Reward weights in force at this step.
    public var rewardWeights: [String: Double]
    /// Dataset ids.
    public var datasets: [String]

    /// Creates provenance.
    public init(
        configHash: String, templateHashes: [String: String] = [:], judgeModels: [String: String] = [:],
        rewardWeights: [String: Double] = [:], datasets: [String] = []
    ) {
        self.configHash = configHash
        self.templateHashes = templateHashes
        self.judgeModels = judgeModels
        self.rewardWeights = rewardWeights
        self.datasets = datasets
    }
}

/// One training sample as handed to the trainer.
public struct BatchSample: Sendable, Hashable, Codable {
    /// The scored rollout.
    public var sample: ScoredRollout
    /// Group id.
    public var groupID: String
    /// The advantage computed by the configured estimator.
    public var advantage: Double
    /// FlowRL target β·r̂, for trainers that learn log Z.
    public var flowTarget: Double?
    /// Per-sample loss weight (1, or an importance weight for stale samples).
    public var lossWeight: Double

    /// Creates a sample.
    public init(sample: ScoredRollout, groupID: String, advantage: Double, flowTarget: Double?, lossWeight: Double = 1) {
        self.sample = sample
        self.groupID = groupID
        self.advantage = advantage
        self.flowTarget = flowTarget
        self.lossWeight = lossWeight
    }
}

/// A training batch: what one `POST /v1/batches` carries.
public struct Batch: Sendable, Hashable, Codable, Identifiable {
    /// Deterministic batch id (also the idempotency key).
    public var id: String
    /// The run.
    public var runID: String
    /// The step.
    public var step: Int
    /// Estimator name.
    public var estimator: String
    /// Estimator parameters as rendered strings.
    public var estimatorParams: [String: String]
    /// Samples.
    public var samples: [BatchSample]
    /// Provenance.
    public var provenance: Provenance

    /// Creates a batch.
    public init(
        id: String, runID: String, step: Int, estimator: String, estimatorParams: [String: String],
        samples: [BatchSample], provenance: Provenance
    ) {
        self.id = id
        self.runID = runID
        self.step = step
        self.estimator = estimator
        self.estimatorParams = estimatorParams
        self.samples = samples
        self.provenance = provenance
    }

    /// Derives the deterministic batch id from run, step and sample ids.
    public static func makeID(runID: String, step: Int, sampleIDs: [String]) -> String {
        var h = SHA256()
        h.update("\(runID)\u{1f}\(step)")
        for s in sampleIDs { h.update("\u{1f}\(s)") }
        return "b-\(step)-" + SHA256.hexString(Array(h.finalize().prefix(12)))
    }
}
