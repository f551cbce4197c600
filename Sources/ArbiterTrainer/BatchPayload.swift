import ArbiterCore
import Foundation

/// The body of `POST /v1/batches`: one training batch in protocol v1's snake_case wire form.
///
/// Built from Core's ``ArbiterCore/Batch`` with ``init(batch:)``, which also enforces what JSON and
/// the protocol require (finite numbers, consistent token/logprob lengths, at least one sample).
/// Every key is always present; unknown values are `null`, never omitted.
public struct BatchPayload: Sendable, Hashable, Codable {
    /// Deterministic batch id; equal to the `Idempotency-Key` header.
    public var batchID: String
    /// The run.
    public var runID: String
    /// The training step.
    public var step: Int
    /// Advantage estimator name (`grpo`, `rloo`, `flowrl_tb`, ...).
    public var estimator: String
    /// Estimator parameters as rendered strings.
    public var estimatorParams: [String: String]
    /// The samples, in group order.
    public var samples: [SamplePayload]
    /// Where the batch came from.
    public var provenance: ProvenancePayload

    enum CodingKeys: String, CodingKey, CaseIterable {
        case batchID = "batch_id"
        case runID = "run_id"
        case step, estimator
        case estimatorParams = "estimator_params"
        case samples, provenance
    }

    /// Creates a payload from its parts.
    public init(
        batchID: String, runID: String, step: Int, estimator: String, estimatorParams: [String: String],
        samples: [SamplePayload], provenance: ProvenancePayload
    ) {
        self.batchID = batchID
        self.runID = runID
        self.step = step
        self.estimator = estimator
        self.estimatorParams = estimatorParams
        self.samples = samples
        self.provenance = provenance
    }

    /// Maps a Core batch to its wire form.
    ///
    /// Reward components whose value is non-finite are sent as `null` (missing, never 0), as is a
    /// non-finite total. Anything else that JSON cannot carry, or that breaks the protocol's rules,
    /// throws ``TrainerError/Code/invalidInput`` naming the sample and field.
    public init(batch: Batch) throws {
        guard !batch.id.isEmpty else { throw TrainerError(.invalidInput, "batch id is empty", context: "batch") }
        guard !batch.samples.isEmpty else {
            throw TrainerError(.invalidInput, "a batch must carry at least one sample", context: "batch \(batch.id)")
        }
        self.batchID = batch.id
        self.runID = batch.runID
        self.step = batch.step
        self.estimator = batch.estimator
        self.estimatorParams = batch.estimatorParams
        self.samples = try batch.samples.enumerated().map { index, sample in
            try SamplePayload(sample: sample, context: "batch \(batch.id) samples[\(index)]")
        }
        self.provenance = try ProvenancePayload(provenance: batch.provenance, context: "batch \(batch.id) provenance")
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        batchID = try c.decode(String.self, forKey: .batchID)
        runID = try c.decode(String.self, forKey: .runID)
        step = try c.decode(Int.self, forKey: .step)
        estimator = try c.decode(String.self, forKey: .estimator)
        estimatorParams = try c.decode([String: String].self, forKey: .estimatorParams)
        samples = try c.decode([SamplePayload].self, forKey: .samples)
        provenance = try c.decode(ProvenancePayload.self, forKey: .provenance)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(batchID, forKey: .batchID)
        try c.encode(runID, forKey: .runID)
        try c.encode(step, forKey: .step)
        try c.encode(estimator, forKey: .estimator)
        try c.encode(estimatorParams, forKey: .estimatorParams)
        try c.encode(samples, forKey: .samples)
        try c.encode(provenance, forKey: .provenance)
    }

    /// The request body bytes: compact JSON with sorted keys, so the same batch always encodes
    /// to the same bytes (a resend after a restart is byte-identical).
    public func encoded() throws -> Data {
        do {
            return try Self.makeEncoder().encode(self)
        } catch {
            throw TrainerError(.invalidInput, "cannot encode batch: \(error)", context: "batch \(batchID)")
        }
    }

    /// Decodes a request body.
    public static func decode(_ data: Data) throws -> BatchPayload {
        do {
            return try JSONDecoder().decode(BatchPayload.self, from: data)
        } catch {
            throw TrainerError(.invalidInput, "not a protocol v1 batch: \(error)", context: "POST \(TrainerProtocol.batchesPath)")
        }
    }

    /// The encoder protocol v1 bodies are written with.
    public static func makeEncoder() -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }
}

/// One sample of a ``BatchPayload``.
public struct SamplePayload: Sendable, Hashable, Codable {
    /// Rollout id (`<prompt id>/<sample index>`), unique per run.
    public var sampleID: String
    /// The group (prompt) the sample belongs to; advantages are group-relative.
    public var groupID: String
    /// The prompt's stable id.
    public var promptID: String
    /// The rendered prompt text (or chat transcript) sent to the policy.
    public var prompt: String
    /// Prompt token ids, when the inference server returned them.
    public var promptTokenIDs: [Int]?
    /// The generated text.
    public var completion: String
    /// Completion token ids, when the inference server returned them.
    public var completionTokenIDs: [Int]?
    /// Per-token behaviour-policy logprobs of the completion, when returned.
    public var completionLogprobs: [Double]?
    /// Reference-model mean per-token logprob of the completion, when computed.
    public var refLogprobMean: Double?
    /// The policy version the sample was generated under.
    public var policyVersion: PolicyVersion
    /// Why generation stopped (`stop`, `length`, `abort`, `tool_calls`, `unknown`).
    public var finishReason: FinishReason
    /// Generation hit the token limit.
    public var truncated: Bool
    /// The weighted training reward; `null` when missing (then `advantage` is 0).
    public var reward: Double?
    /// Reward components by name; `null` marks a missing component, never 0.
    public var rewardComponents: [String: Double?]
    /// The advantage computed by the configured estimator.
    public var advantage: Double
    /// FlowRL target β·r̂, for trainers that learn log Z; `null` for other estimators.
    public var flowTarget: Double?
    /// Per-sample loss weight: 1, or an importance weight for a stale sample.
    public var lossWeight: Double

    enum CodingKeys: String, CodingKey, CaseIterable {
        case sampleID = "sample_id"
        case groupID = "group_id"
        case promptID = "prompt_id"
        case prompt
        case promptTokenIDs = "prompt_token_ids"
        case completion
        case completionTokenIDs = "completion_token_ids"
        case completionLogprobs = "completion_logprobs"
        case refLogprobMean = "ref_logprob_mean"
        case policyVersion = "policy_version"
        case finishReason = "finish_reason"
        case truncated, reward
        case rewardComponents = "reward_components"
        case advantage
        case flowTarget = "flow_target"
        case lossWeight = "loss_weight"
    }

    /// Creates a sample payload from its parts.
    public init(
        sampleID: String, groupID: String, promptID: String, prompt: String, promptTokenIDs: [Int]?,
        completion: String, completionTokenIDs: [Int]?, completionLogprobs: [Double]?, refLogprobMean: Double?,
        policyVersion: PolicyVersion, finishReason: FinishReason, truncated: Bool, reward: Double?,
        rewardComponents: [String: Double?], advantage: Double, flowTarget: Double?, lossWeight: Double
    ) {
        self.sampleID = sampleID
        self.groupID = groupID
        self.promptID = promptID
        self.prompt = prompt
        self.promptTokenIDs = promptTokenIDs
        self.completion = completion
        self.completionTokenIDs = completionTokenIDs
        self.completionLogprobs = completionLogprobs
        self.refLogprobMean = refLogprobMean
        self.policyVersion = policyVersion
        self.finishReason = finishReason
        self.truncated = truncated
        self.reward = reward
        self.rewardComponents = rewardComponents
        self.advantage = advantage
        self.flowTarget = flowTarget
        self.lossWeight = lossWeight
    }

    /// Maps a Core batch sample, checking what JSON and the protocol require.
    public init(sample: BatchSample, context: String = "sample") throws {
        let rollout = sample.sample.rollout
        func finite(_ value: Double, _ field: String) throws -> Double {
            guard value.isFinite else {
                throw TrainerError(.invalidInput, "\(field) is \(value), not a finite number", context: context)
            }
            return value
        }
        guard !rollout.id.isEmpty else { throw TrainerError(.invalidInput, "sample_id is empty", context: context) }
        guard !sample.groupID.isEmpty else { throw TrainerError(.invalidInput, "group_id is empty", context: context) }
        if let logprobs = rollout.completionLogprobs {
            for (i, lp) in logprobs.enumerated() { _ = try finite(lp, "completion_logprobs[\(i)]") }
            if let ids = rollout.completionTokenIDs, ids.count != logprobs.count {
                throw TrainerError(
                    .invalidInput,
                    "completion_logprobs has \(logprobs.count) entries but completion_token_ids has \(ids.count)",
                    context: context)
            }
        }
        let weight = try finite(sample.lossWeight, "loss_weight")
        guard weight >= 0 else { throw TrainerError(.invalidInput, "loss_weight is negative (\(weight))", context: context) }

        self.sampleID = rollout.id
        self.groupID = sample.groupID
        self.promptID = rollout.promptID.rawValue
        self.prompt = rollout.promptText
        self.promptTokenIDs = rollout.promptTokenIDs
        self.completion = rollout.completionText
        self.completionTokenIDs = rollout.completionTokenIDs
        self.completionLogprobs = rollout.completionLogprobs
        self.refLogprobMean = try sample.sample.refLogprobMean.map { try finite($0, "ref_logprob_mean") }
        self.policyVersion = rollout.policyVersion
        self.finishReason = rollout.finishReason
        self.truncated = rollout.truncated
        self.reward = sample.sample.reward.total.flatMap { $0.isFinite ? $0 : nil }
        var components: [String: Double?] = [:]
        for component in sample.sample.reward.components {
            // updateValue, not subscript assignment: assigning nil would remove the key, and a
            // missing component must be sent as null.
            components.updateValue(component.value.flatMap { $0.isFinite ? $0 : nil }, forKey: component.name)
        }
        self.rewardComponents = components
        self.advantage = try finite(sample.advantage, "advantage")
        self.flowTarget = try sample.flowTarget.map { try finite($0, "flow_target") }
        self.lossWeight = weight
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        sampleID = try c.decode(String.self, forKey: .sampleID)
        groupID = try c.decode(String.self, forKey: .groupID)
        promptID = try c.decode(String.self, forKey: .promptID)
        prompt = try c.decode(String.self, forKey: .prompt)
        promptTokenIDs = try c.decode([Int]?.self, forKey: .promptTokenIDs)
        completion = try c.decode(String.self, forKey: .completion)
        completionTokenIDs = try c.decode([Int]?.self, forKey: .completionTokenIDs)
        completionLogprobs = try c.decode([Double]?.self, forKey: .completionLogprobs)
        refLogprobMean = try c.decode(Double?.self, forKey: .refLogprobMean)
        policyVersion = try c.decode(PolicyVersion.self, forKey: .policyVersion)
        finishReason = try c.decode(FinishReason.self, forKey: .finishReason)
        truncated = try c.decode(Bool.self, forKey: .truncated)
        reward = try c.decode(Double?.self, forKey: .reward)
        rewardComponents = try c.decode([String: Double?].self, forKey: .rewardComponents)
        advantage = try c.decode(Double.self, forKey: .advantage)
        flowTarget = try c.decode(Double?.self, forKey: .flowTarget)
        lossWeight = try c.decode(Double.self, forKey: .lossWeight)
    }

    public func encode(to encoder: any Encoder) throws {
        // Optionals are written as explicit nulls: every key is always present on the wire.
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(sampleID, forKey: .sampleID)
        try c.encode(groupID, forKey: .groupID)
        try c.encode(promptID, forKey: .promptID)
        try c.encode(prompt, forKey: .prompt)
        try c.encode(promptTokenIDs, forKey: .promptTokenIDs)
        try c.encode(completion, forKey: .completion)
        try c.encode(completionTokenIDs, forKey: .completionTokenIDs)
        try c.encode(completionLogprobs, forKey: .completionLogprobs)
        try c.encode(refLogprobMean, forKey: .refLogprobMean)
        try c.encode(policyVersion, forKey: .policyVersion)
        try c.encode(finishReason, forKey: .finishReason)
        try c.encode(truncated, forKey: .truncated)
        try c.encode(reward, forKey: .reward)
        try c.encode(rewardComponents, forKey: .rewardComponents)
        try c.encode(advantage, forKey: .advantage)
        try c.encode(flowTarget, forKey: .flowTarget)
        try c.encode(lossWeight, forKey: .lossWeight)
    }
}

/// Provenance of a ``BatchPayload``: what produced its rewards, so trainer-side anomalies can be traced.
public struct ProvenancePayload: Sendable, Hashable, Codable {
    /// Hash of the resolved run configuration.
    public var configHash: String
    /// Hashes of the rubric and judge templates in force, by name.
    public var templateHashes: [String: String]
    /// Judge models by role.
    public var judgeModels: [String: String]
    /// Reward weights in force at this step, by component name.
    public var rewardWeights: [String: Double]
    /// Dataset ids.
    public var datasets: [String]

    enum CodingKeys: String, CodingKey, CaseIterable {
        case configHash = "config_hash"
        case templateHashes = "template_hashes"
        case judgeModels = "judge_models"
        case rewardWeights = "reward_weights"
        case datasets
    }

    /// Creates provenance from its parts.
    public init(
        configHash: String, templateHashes: [String: String], judgeModels: [String: String],
        rewardWeights: [String: Double], datasets: [String]
    ) {
        self.configHash = configHash
        self.templateHashes = templateHashes
        self.judgeModels = judgeModels
        self.rewardWeights = rewardWeights
        self.datasets = datasets
    }

    /// Maps Core provenance, rejecting non-finite reward weights.
    public init(provenance: Provenance, context: String = "provenance") throws {
        for (name, weight) in provenance.rewardWeights where !weight.isFinite {
            throw TrainerError(.invalidInput, "reward_weights[\(name)] is \(weight), not a finite number", context: context)
        }
        self.init(
            configHash: provenance.configHash, templateHashes: provenance.templateHashes,
            judgeModels: provenance.judgeModels, rewardWeights: provenance.rewardWeights, datasets: provenance.datasets)
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        configHash = try c.decode(String.self, forKey: .configHash)
        templateHashes = try c.decode([String: String].self, forKey: .templateHashes)
        judgeModels = try c.decode([String: String].self, forKey: .judgeModels)
        rewardWeights = try c.decode([String: Double].self, forKey: .rewardWeights)
        datasets = try c.decode([String].self, forKey: .datasets)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(configHash, forKey: .configHash)
        try c.encode(templateHashes, forKey: .templateHashes)
        try c.encode(judgeModels, forKey: .judgeModels)
        try c.encode(rewardWeights, forKey: .rewardWeights)
        try c.encode(datasets, forKey: .datasets)
    }
}
