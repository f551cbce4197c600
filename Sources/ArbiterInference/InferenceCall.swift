import ArbiterCore

/// What a generation request sends as its input.
public enum PromptInput: Sendable, Hashable {
    /// A rendered prompt (`/v1/completions`).
    case text(String)
    /// Pre-tokenized prompt ids (`/v1/completions`; vLLM, SGLang and llama.cpp accept them).
    case tokens([Int])
    /// A chat transcript (`/v1/chat/completions`).
    case chat([ChatMessage])

    /// The text recorded in ``ArbiterCore/Rollout/promptText``: the prompt, or the transcript as
    /// `role: content` lines.
    public var renderedText: String {
        switch self {
        case .text(let text): text
        case .tokens(let ids): ids.map(String.init).joined(separator: " ")
        case .chat(let messages): messages.map { "\($0.role): \($0.content)" }.joined(separator: "\n")
        }
    }
}

/// One HTTP call to an OpenAI-compatible generation endpoint: everything that goes on the wire.
///
/// The scheduler builds calls from ``GenerationRequest``s; judges and reference scoring build
/// them directly and send them through ``RolloutScheduler/complete(_:timeout:)``.
public struct InferenceCall: Sendable, Hashable {
    /// Completions or chat; `.tokens` and `.text` inputs go to completions, `.chat` to chat.
    public var api: InferenceAPI
    /// Model name as the server knows it.
    public var model: String
    /// The prompt.
    public var input: PromptInput
    /// Number of samples in this call (`n`).
    public var n: Int
    /// Sampling parameters (temperature, top_p, top_k, max_tokens, stop, logprobs).
    public var sampling: SamplingParams
    /// The seed sent with this call (overrides `sampling.seed`), when set.
    public var seed: UInt64?
    /// Stream the answer as server-sent events (measures time-to-first-token).
    public var stream: Bool
    /// Ask for prompt and completion token ids (vLLM's `return_token_ids`).
    public var returnTokenIDs: Bool
    /// Echo the prompt in the completion (completions only; for reference scoring).
    public var echo: Bool
    /// vLLM's `prompt_logprobs` (number of top alternatives per prompt token), when set.
    public var promptLogprobs: Int?

    /// Creates a call.
    public init(
        api: InferenceAPI, model: String, input: PromptInput, n: Int = 1, sampling: SamplingParams = .init(),
        seed: UInt64? = nil, stream: Bool = false, returnTokenIDs: Bool = true, echo: Bool = false,
        promptLogprobs: Int? = nil
    ) {
        self.api = api
        self.model = model
        self.input = input
        self.n = n
        self.sampling = sampling
        self.seed = seed
        self.stream = stream
        self.returnTokenIDs = returnTokenIDs
        self.echo = echo
        self.promptLogprobs = promptLogprobs
    }

    /// The path the call is POSTed to.
    public var path: String {
        switch (api, input) {
        case (_, .chat): "/v1/chat/completions"
        case (.chat, _): "/v1/chat/completions"
        case (.completions, _): "/v1/completions"
        }
    }

    /// Whether the call goes to the chat endpoint.
    public var isChat: Bool { path == "/v1/chat/completions" }

    /// Rough token cost for token-per-minute rate limits: prompt (4 characters a token) plus
    /// the most the call may generate.
    public var estimatedTokens: Int {
        let promptTokens: Int =
            switch input {
            case .text(let text): text.utf8.count / 4 + 1
            case .tokens(let ids): ids.count
            case .chat(let messages): messages.reduce(0) { $0 + $1.content.utf8.count / 4 + 4 }
            }
        return promptTokens + max(0, sampling.maxTokens) * max(1, n)
    }
}
