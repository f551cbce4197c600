/// Why generation stopped, as OpenAI-compatible servers report it.
public enum FinishReason: String, Sendable, Hashable, Codable {
    case stop
    case length
    case abort
    case toolCalls = "tool_calls"
    case unknown

    /// Maps a server string (`"stop"`, `"length"`, `"eos"`…) to a reason.
    public init(serverValue: String?) {
        switch serverValue?.lowercased() {
        case "stop", "eos", "stop_sequence": self = .stop
        case "length", "max_tokens": self = .length
        case "abort", "cancelled": self = .abort
        case "tool_calls": self = .toolCalls
        default: self = .unknown
        }
    }
}

/// Timing of one generation request, in seconds since the run's monotonic origin.
public struct RolloutTiming: Sendable, Hashable, Codable {
    /// When the request was sent.
    public var requestedAt: Double
    /// When the first token arrived (streaming only).
    public var firstTokenAt: Double?
    /// When the response completed.
    public var completedAt: Double

    /// Creates timing.
    public init(requestedAt: Double, firstTokenAt: Double? = nil, completedAt: Double) {
        self.requestedAt = requestedAt
        self.firstTokenAt = firstTokenAt
        self.completedAt = completedAt
    }

    /// End-to-end latency.
    public var latency: Double { completedAt - requestedAt }
}

/// One sampled completion of a prompt, with the exact tokens the trainer needs.
public struct Rollout: Sendable, Hashable, Codable, Identifiable {
    /// `"<prompt id>/<sample index>"` within a run and step; unique per run.
    public var id: String
    /// The prompt it answers.
    public var promptID: PromptID
    /// Index among the n samples of its group.
    public var sampleIndex: Int
    /// Base URL of the endpoint that produced it.
    public var endpoint: String
    /// Policy version it was generated under.
    public var policyVersion: PolicyVersion
    /// The rendered prompt text (or chat transcript) sent.
    public var promptText: String
    /// The generated text.
    public var completionText: String
    /// Prompt token ids, when the server returned them.
    public var promptTokenIDs: [Int]?
    /// Completion token ids, when the server returned them.
    public var completionTokenIDs: [Int]?
    /// Per-token behaviour-policy logprobs of the completion, when returned.
    public var completionLogprobs: [Double]?
    /// Why generation stopped.
    public var finishReason: FinishReason
    /// Completion length in tokens (from usage or token ids).
    public var completionTokens: Int
    /// Request timing.
    public var timing: RolloutTiming?

    /// Creates a rollout.
    public init(
        id: String, promptID: PromptID, sampleIndex: Int, endpoint: String, policyVersion: PolicyVersion,
        promptText: String, completionText: String, promptTokenIDs: [Int]? = nil,
        completionTokenIDs: [Int]? = nil, completionLogprobs: [Double]? = nil,
        finishReason: FinishReason, completionTokens: Int, timing: RolloutTiming? = nil
    ) {
        self.id = id
        self.promptID = promptID
        self.sampleIndex = sampleIndex
        self.endpoint = endpoint
        self.policyVersion = policyVersion
        self.promptText = promptText
        self.completionText = completionText
        self.promptTokenIDs = promptTokenIDs
        self.completionTokenIDs = completionTokenIDs
        self.completionLogprobs = completionLogprobs
        self.finishReason = finishReason
        self.completionTokens = completionTokens
        self.timing = timing
    }

    /// Generation hit the token limit.
    public var truncated: Bool { finishReason == .length }

    /// Mean per-token logprob under the behaviour policy, when logprobs are known.
    public var logprobMean: Double? {
        guard let lp = completionLogprobs, !lp.isEmpty else { return nil }
        return lp.reduce(0, +) / Double(lp.count)
    }
}
