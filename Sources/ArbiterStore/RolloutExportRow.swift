import ArbiterCore

/// One rollout as exported: identity, timing, lengths, reward, components and advantage.
public struct RolloutExportRow: ExportRow, Hashable {
    /// The JSON `"type"` of these rows.
    public static let exportType = "rollout"
    /// The run.
    public var runID: String
    /// The step.
    public var step: Int
    /// The group.
    public var groupID: String
    /// The rollout id.
    public var rolloutID: String
    /// The prompt.
    public var promptID: String
    /// Sample index in the group.
    public var sampleIndex: Int
    /// Endpoint.
    public var endpoint: String
    /// Policy version it was generated under.
    public var policyVersion: Int
    /// Request sent (run-relative seconds).
    public var requestedAt: Double?
    /// First token (run-relative seconds).
    public var firstTokenAt: Double?
    /// Completed (run-relative seconds).
    public var completedAt: Double?
    /// Finish reason.
    public var finishReason: String
    /// Hit the token limit.
    public var truncated: Bool
    /// Prompt tokens.
    public var promptTokens: Int?
    /// Completion tokens.
    public var completionTokens: Int
    /// Parse status.
    public var parseStatus: String?
    /// Training reward (nil: missing).
    public var trainingReward: Double?
    /// Components in order.
    public var components: [RewardComponent]
    /// Advantage.
    public var advantage: Double?
    /// Estimator.
    public var estimator: String?
    /// FlowRL target.
    public var flowTarget: Double?
    /// Prompt text.
    public var promptText: String
    /// Completion text.
    public var completionText: String
    /// Completion token ids (only when tokens are requested).
    public var completionTokenIDs: [Int]?
    /// Completion logprobs (only when tokens are requested).
    public var completionLogprobs: [Double]?

    /// Creates a row.
    public init(
        runID: String, step: Int, groupID: String, rolloutID: String, promptID: String, sampleIndex: Int,
        endpoint: String, policyVersion: Int, requestedAt: Double?, firstTokenAt: Double?, completedAt: Double?,
        finishReason: String, truncated: Bool, promptTokens: Int?, completionTokens: Int, parseStatus: String?,
        trainingReward: Double?, components: [RewardComponent], advantage: Double?, estimator: String?,
        flowTarget: Double?, promptText: String, completionText: String, completionTokenIDs: [Int]?,
        completionLogprobs: [Double]?
    ) {
        self.runID = runID
        self.step = step
        self.groupID = groupID
        self.rolloutID = rolloutID
        self.promptID = promptID
        self.sampleIndex = sampleIndex
        self.endpoint = endpoint
        self.policyVersion = policyVersion
        self.requestedAt = requestedAt
        self.firstTokenAt = firstTokenAt
        self.completedAt = completedAt
        self.finishReason = finishReason
        self.truncated = truncated
        self.promptTokens = promptTokens
        self.completionTokens = completionTokens
        self.parseStatus = parseStatus
        self.trainingReward = trainingReward
        self.components = components
        self.advantage = advantage
        self.estimator = estimator
        self.flowTarget = flowTarget
        self.promptText = promptText
        self.completionText = completionText
        self.completionTokenIDs = completionTokenIDs
        self.completionLogprobs = completionLogprobs
    }

    /// CSV column names.

    public static let csvHeader = [
        "run_id", "step", "group_id", "rollout_id", "prompt_id", "sample_index", "endpoint", "policy_version",
        "requested_at", "first_token_at", "completed_at", "finish_reason", "truncated", "prompt_tokens",
        "completion_tokens", "parse_status", "training_reward", "components", "advantage", "estimator", "flow_target",
        "prompt_text", "completion_text",
    ]

    /// JSON fields after `type` and `run_id`.

    public var jsonFields: [(String, String)] {
        var f: [(String, String)] = [
            ("step", String(step)), ("group_id", JSONText.quote(groupID)), ("rollout_id", JSONText.quote(rolloutID)),
            ("prompt_id", JSONText.quote(promptID)), ("sample_index", String(sampleIndex)),
            ("endpoint", JSONText.quote(endpoint)), ("policy_version", String(policyVersion)),
            ("requested_at", JSONText.number(requestedAt)), ("first_token_at", JSONText.number(firstTokenAt)),
            ("completed_at", JSONText.number(completedAt)), ("finish_reason", JSONText.quote(finishReason)),
            ("truncated", JSONText.bool(truncated)), ("prompt_tokens", JSONText.int(promptTokens)),
            ("completion_tokens", String(completionTokens)), ("parse_status", JSONText.string(parseStatus)),
            ("training_reward", JSONText.number(trainingReward)),
            ("components", "[" + components.map {
                "{\"name\":\(JSONText.quote($0.name)),\"value\":\(JSONText.number($0.value)),\"weight\":\(JSONText.number($0.weight))}"
            }.joined(separator: ",") + "]"),
            ("advantage", JSONText.number(advantage)), ("estimator", JSONText.string(estimator)),
            ("flow_target", JSONText.number(flowTarget)), ("prompt_text", JSONText.quote(promptText)),
            ("completion_text", JSONText.quote(completionText)),
        ]
        if let ids = completionTokenIDs {
            f.append(("completion_token_ids", "[" + ids.map(String.init).joined(separator: ",") + "]"))
        }
        if let lps = completionLogprobs {
            f.append(("completion_logprobs", "[" + lps.map { JSONText.number($0) }.joined(separator: ",") + "]"))
        }
        return f
    }

    /// CSV fields in `csvHeader` order.

    public var csvFields: [String?] {
        [
            runID, String(step), groupID, rolloutID, promptID, String(sampleIndex), endpoint, String(policyVersion),
            CSVText.number(requestedAt), CSVText.number(firstTokenAt), CSVText.number(completedAt), finishReason,
            truncated ? "true" : "false", promptTokens.map(String.init), String(completionTokens), parseStatus,
            CSVText.number(trainingReward),
            components.map { "\($0.name)=\(CSVText.number($0.value) ?? "")@\($0.weight)" }.joined(separator: ";"),
            CSVText.number(advantage), estimator, CSVText.number(flowTarget), promptText, completionText,
        ]
    }
}
