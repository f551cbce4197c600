import ArbiterCore

/// Token usage as the server reports it.
public struct TokenUsage: Sendable, Hashable, Codable {
    /// Prompt tokens.
    public var promptTokens: Int
    /// Generated tokens over all choices.
    public var completionTokens: Int

    /// Creates usage.
    public init(promptTokens: Int, completionTokens: Int) {
        self.promptTokens = promptTokens
        self.completionTokens = completionTokens
    }
}

/// One choice (sample) of a generation response, with what the trainer needs.
public struct InferenceChoice: Sendable, Hashable {
    /// `choices[].index`.
    public var index: Int
    /// Generated text (chat: `message.content`).
    public var text: String
    /// Completion token ids (vLLM `token_ids`, llama.cpp `logprobs.content[].id`, or
    /// `token_id:N` strings under vLLM's `--return-tokens-as-token-ids`), when returned.
    public var tokenIDs: [Int]?
    /// Token strings of the logprobs, when returned.
    public var tokens: [String]?
    /// Per-token logprobs, when returned (either wire shape). With `echo`, the prompt's first
    /// token has no logprob and is reported as `nil`.
    public var logprobs: [Double?]?
    /// Character offsets of each logprob token in `prompt + text` (completions shape with echo).
    public var textOffsets: [Int]?
    /// Prompt token ids when the server reports them per choice (vLLM completions).
    public var promptTokenIDs: [Int]?
    /// Why generation stopped.
    public var finishReason: FinishReason

    /// Creates a choice.
    public init(
        index: Int, text: String, tokenIDs: [Int]? = nil, tokens: [String]? = nil, logprobs: [Double?]? = nil,
        textOffsets: [Int]? = nil, promptTokenIDs: [Int]? = nil, finishReason: FinishReason
    ) {
        self.index = index
        self.text = text
        self.tokenIDs = tokenIDs
        self.tokens = tokens
        self.logprobs = logprobs
        self.textOffsets = textOffsets
        self.promptTokenIDs = promptTokenIDs
        self.finishReason = finishReason
    }

    /// The completion's logprobs with the `nil`s dropped, or nil when none were returned.
    public var completionLogprobs: [Double]? {
        guard let logprobs else { return nil }
        return logprobs.compactMap { $0 }
    }
}

/// A parsed `/v1/completions` or `/v1/chat/completions` response.
public struct InferenceResponse: Sendable, Hashable {
    /// The response id.
    public var id: String?
    /// The model that answered.
    public var model: String?
    /// The choices, sorted by index.
    public var choices: [InferenceChoice]
    /// Prompt token ids (top-level in vLLM chat, per choice in completions), when returned.
    public var promptTokenIDs: [Int]?
    /// vLLM `prompt_logprobs`: the logprob of each prompt token (first is nil), when returned.
    public var promptLogprobs: [Double?]?
    /// Usage, when returned.
    public var usage: TokenUsage?
    /// Seconds from sending to the first generated token (streaming only).
    public var timeToFirstToken: Double?

    /// Creates a response.
    public init(
        id: String? = nil, model: String? = nil, choices: [InferenceChoice], promptTokenIDs: [Int]? = nil,
        promptLogprobs: [Double?]? = nil, usage: TokenUsage? = nil, timeToFirstToken: Double? = nil
    ) {
        self.id = id
        self.model = model
        self.choices = choices
        self.promptTokenIDs = promptTokenIDs
        self.promptLogprobs = promptLogprobs
        self.usage = usage
        self.timeToFirstToken = timeToFirstToken
    }

    /// Generated tokens: usage when reported, else the sum of token-id or logprob counts.
    public var completionTokens: Int {
        if let usage { return usage.completionTokens }
        return choices.reduce(0) { $0 + ($1.tokenIDs?.count ?? $1.logprobs?.count ?? 0) }
    }
}

/// One `/v1/embeddings` vector.
public struct Embedding: Sendable, Hashable {
    /// `data[].index`.
    public var index: Int
    /// The vector.
    public var vector: [Double]

    /// Creates an embedding.
    public init(index: Int, vector: [Double]) {
        self.index = index
        self.vector = vector
    }
}
