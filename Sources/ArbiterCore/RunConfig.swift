/// The full configuration of one run, decoded once from YAML, validated once, passed down.
///
/// Every section has defaults; unknown keys are rejected by the loader in `ArbiterConfig`.
public struct RunConfig: Codable, Sendable, Hashable {
    /// Run identity, seed, length and store.
    public var run: RunSection
    /// The training (or, in eval mode, evaluated) dataset.
    public var dataset: DatasetConfig
    /// Extra eval-only datasets scored before and after training.
    public var evalDatasets: [DatasetConfig]
    /// The policy's inference endpoints and sampling.
    public var policy: PolicyConfig
    /// Reference-model endpoint for ℓ_ref (needed by `flowrl_tb` and KL diagnostics).
    public var reference: ReferenceConfig?
    /// The LLM judge (rubric scoring, Social-R1 process rewards).
    public var judge: JudgeConfig?
    /// Reward composition.
    public var rewards: RewardConfig
    /// Advantage estimator and its parameters.
    public var advantage: AdvantageConfig
    /// Dynamic sampling and reward shaping.
    public var sampling: SamplingControls
    /// Off-policy staleness bound and sync/async mode.
    public var staleness: StalenessConfig
    /// The external trainer; nil for eval runs.
    public var trainer: TrainerConfig?

    enum CodingKeys: String, CodingKey {
        case run, dataset
        case evalDatasets = "eval_datasets"
        case policy, reference, judge, rewards, advantage, sampling, staleness, trainer
    }

    /// Creates a configuration.
    public init(
        run: RunSection, dataset: DatasetConfig, evalDatasets: [DatasetConfig] = [], policy: PolicyConfig,
        reference: ReferenceConfig? = nil, judge: JudgeConfig? = nil, rewards: RewardConfig = .init(),
        advantage: AdvantageConfig = .init(), sampling: SamplingControls = .init(),
        staleness: StalenessConfig = .init(), trainer: TrainerConfig? = nil
    ) {
        self.run = run
        self.dataset = dataset
        self.evalDatasets = evalDatasets
        self.policy = policy
        self.reference = reference
        self.judge = judge
        self.rewards = rewards
        self.advantage = advantage
        self.sampling = sampling
        self.staleness = staleness
        self.trainer = trainer
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        run = try c.decode(RunSection.self, forKey: .run)
        dataset = try c.decode(DatasetConfig.self, forKey: .dataset)
        evalDatasets = try c.decode(.evalDatasets, default: [])
        policy = try c.decode(PolicyConfig.self, forKey: .policy)
        reference = try c.decodeIfPresent(ReferenceConfig.self, forKey: .reference)
        judge = try c.decodeIfPresent(JudgeConfig.self, forKey: .judge)
        rewards = try c.decode(.rewards, default: RewardConfig())
        advantage = try c.decode(.advantage, default: AdvantageConfig())
        sampling = try c.decode(.sampling, default: SamplingControls())
        staleness = try c.decode(.staleness, default: StalenessConfig())
        trainer = try c.decodeIfPresent(TrainerConfig.self, forKey: .trainer)
    }
}

/// Whether a run trains or only evaluates.
public enum RunMode: String, Codable, Sendable, Hashable, CaseIterable {
    case train
    case eval
}

/// Which store backend holds the reward log.
public enum StoreBackend: String, Codable, Sendable, Hashable, CaseIterable {
    case sqlite
    case postgres
}

/// Run identity and global settings.
public struct RunSection: Codable, Sendable, Hashable {
    /// Run name (used in run ids and reports).
    public var name: String
    /// Train or eval.
    public var mode: RunMode
    /// Seed for prompt order, option shuffling and sampling seeds.
    public var seed: UInt64
    /// Number of training steps.
    public var steps: Int
    /// Passes over the dataset before stopping (nil: as many as `steps` need).
    public var epochs: Int?
    /// Path of the SQLite store (relative paths are resolved against the config file's folder).
    public var store: String
    /// Store backend.
    public var storeBackend: StoreBackend
    /// Environment variable holding the PostgreSQL URL when `store_backend: postgres`.
    public var postgresURLEnv: String?
    /// Where reports and exports are written.
    public var outputDir: String

    enum CodingKeys: String, CodingKey {
        case name, mode, seed, steps, epochs, store
        case storeBackend = "store_backend"
        case postgresURLEnv = "postgres_url_env"
        case outputDir = "output_dir"
    }

    /// Creates a run section with defaults.
    public init(
        name: String, mode: RunMode = .train, seed: UInt64 = 0, steps: Int = 10, epochs: Int? = nil,
        store: String = "runs/arbiter.sqlite", storeBackend: StoreBackend = .sqlite, postgresURLEnv: String? = nil,
        outputDir: String = "runs/reports"
    ) {
        self.name = name
        self.mode = mode
        self.seed = seed
        self.steps = steps
        self.epochs = epochs
        self.store = store
        self.storeBackend = storeBackend
        self.postgresURLEnv = postgresURLEnv
        self.outputDir = outputDir
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        name = try c.decode(String.self, forKey: .name)
        mode = try c.decode(.mode, default: .train)
        seed = try c.decode(.seed, default: 0)
        steps = try c.decode(.steps, default: 10)
        epochs = try c.decodeIfPresent(Int.self, forKey: .epochs)
        store = try c.decode(.store, default: "runs/arbiter.sqlite")
        storeBackend = try c.decode(.storeBackend, default: .sqlite)
        postgresURLEnv = try c.decodeIfPresent(String.self, forKey: .postgresURLEnv)
        outputDir = try c.decode(.outputDir, default: "runs/reports")
    }
}

/// The dataset formats Arbiter loads.
public enum DatasetKind: String, Codable, Sendable, Hashable, CaseIterable {
    /// MoReBench public/theory CSV.
    case morebenchCSV = "morebench_csv"
    /// ToMBench's JSONL files (a file or a folder of them); always eval-only.
    case tombenchJSONL = "tombench_jsonl"
    /// A multiple-choice table (CSV or JSONL) with user-mapped columns, e.g. ToMBench-Hard.
    case tomTable = "tom_table"
}

/// Column names of a multiple-choice table (ToMBench-Hard's schema is not pinned).
public struct ColumnMapping: Codable, Sendable, Hashable {
    /// Story column.
    public var story: String
    /// Question column.
    public var question: String
    /// Option columns in order (A, B, C, D...).
    public var options: [String]
    /// Gold answer column (a letter, or `A. text`).
    public var answer: String
    /// Ability label column, if any.
    public var ability: String?
    /// Id column, if any (else the id is derived from content).
    public var id: String?

    enum CodingKeys: String, CodingKey { case story, question, options, answer, ability, id }

    /// Creates a mapping.
    public init(
        story: String = "STORY", question: String = "QUESTION",
        options: [String] = ["OPTION-A", "OPTION-B", "OPTION-C", "OPTION-D"], answer: String = "ANSWER",
        ability: String? = "ABILITY", id: String? = nil
    ) {
        self.story = story
        self.question = question
        self.options = options
        self.answer = answer
        self.ability = ability
        self.id = id
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = ColumnMapping()
        story = try c.decode(.story, default: d.story)
        question = try c.decode(.question, default: d.question)
        options = try c.decode(.options, default: d.options)
        answer = try c.decode(.answer, default: d.answer)
        // Absent: the default column; an explicit null: no ability column.
        if c.contains(.ability) {
            ability = try c.decodeNil(forKey: .ability) ? nil : try c.decode(String.self, forKey: .ability)
        } else {
            ability = d.ability
        }
        id = try c.decodeIfPresent(String.self, forKey: .id)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(story, forKey: .story)
        try c.encode(question, forKey: .question)
        try c.encode(options, forKey: .options)
        try c.encode(answer, forKey: .answer)
        if let ability { try c.encode(ability, forKey: .ability) } else { try c.encodeNil(forKey: .ability) }
        try c.encodeIfPresent(id, forKey: .id)
    }
}

/// Table file format for `tom_table`.
public enum TableFormat: String, Codable, Sendable, Hashable, CaseIterable {
    case csv
    case jsonl
}

/// One dataset.
public struct DatasetConfig: Codable, Sendable, Hashable {
    /// Dataset name used in prompt records (defaults to the file name).
    public var name: String?
    /// Format.
    public var kind: DatasetKind
    /// File or folder (relative paths resolve against the config file's folder).
    public var path: String
    /// Split label.
    public var split: String
    /// Whether the data may only be used for evaluation. ToMBench is always eval-only.
    public var evalOnly: Bool
    /// Stop the load at the first bad row instead of reporting and skipping it.
    public var strict: Bool
    /// Language for bilingual data (`en` or `zh`).
    public var language: String
    /// Table format for `tom_table` (inferred from the extension when absent).
    public var format: TableFormat?
    /// Column names for `tom_table`.
    public var columns: ColumnMapping?
    /// Use at most this many items.
    public var limit: Int?

    enum CodingKeys: String, CodingKey {
        case name, kind, path, split
        case evalOnly = "eval_only"
        case strict, language, format, columns, limit
    }

    /// Creates a dataset config.
    public init(
        name: String? = nil, kind: DatasetKind, path: String, split: String = "train", evalOnly: Bool = false,
        strict: Bool = false, language: String = "en", format: TableFormat? = nil, columns: ColumnMapping? = nil,
        limit: Int? = nil
    ) {
        self.name = name
        self.kind = kind
        self.path = path
        self.split = split
        self.evalOnly = evalOnly
        self.strict = strict
        self.language = language
        self.format = format
        self.columns = columns
        self.limit = limit
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        name = try c.decodeIfPresent(String.self, forKey: .name)
        kind = try c.decode(DatasetKind.self, forKey: .kind)
        path = try c.decode(String.self, forKey: .path)
        split = try c.decode(.split, default: "train")
        evalOnly = try c.decode(.evalOnly, default: false)
        strict = try c.decode(.strict, default: false)
        language = try c.decode(.language, default: "en")
        format = try c.decodeIfPresent(TableFormat.self, forKey: .format)
        columns = try c.decodeIfPresent(ColumnMapping.self, forKey: .columns)
        limit = try c.decodeIfPresent(Int.self, forKey: .limit)
    }

    /// Whether this dataset is eval-only, by flag or by nature (ToMBench).
    public var isEvalOnly: Bool { evalOnly || kind == .tombenchJSONL }
}

/// Which OpenAI-compatible API to call.
public enum InferenceAPI: String, Codable, Sendable, Hashable, CaseIterable {
    case completions
    case chat
}

/// How the n samples of a prompt are requested.
public enum RequestMode: String, Codable, Sendable, Hashable, CaseIterable {
    /// One request with `n` samples.
    case nPerRequest = "n_per_request"
    /// One request per sample (better load balancing, no shared prefix guarantee).
    case onePerSample = "one_per_sample"
}

/// One inference endpoint.
public struct EndpointConfig: Codable, Sendable, Hashable {
    /// Base URL, e.g. `http://127.0.0.1:8000`.
    public var url: String
    /// Per-endpoint in-flight cap.
    public var maxConcurrency: Int
    /// Environment variable holding the API key, if any.
    public var apiKeyEnv: String?
    /// Requests per second limit (hosted APIs), if any.
    public var requestsPerSecond: Double?
    /// Tokens per minute limit, if any.
    public var tokensPerMinute: Double?

    enum CodingKeys: String, CodingKey {
        case url
        case maxConcurrency = "max_concurrency"
        case apiKeyEnv = "api_key_env"
        case requestsPerSecond = "requests_per_second"
        case tokensPerMinute = "tokens_per_minute"
    }

    /// Creates an endpoint.
    public init(url: String, maxConcurrency: Int = 64, apiKeyEnv: String? = nil, requestsPerSecond: Double? = nil, tokensPerMinute: Double? = nil) {
        self.url = url
        self.maxConcurrency = maxConcurrency
        self.apiKeyEnv = apiKeyEnv
        self.requestsPerSecond = requestsPerSecond
        self.tokensPerMinute = tokensPerMinute
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        url = try c.decode(String.self, forKey: .url)
        maxConcurrency = try c.decode(.maxConcurrency, default: 64)
        apiKeyEnv = try c.decodeIfPresent(String.self, forKey: .apiKeyEnv)
        requestsPerSecond = try c.decodeIfPresent(Double.self, forKey: .requestsPerSecond)
        tokensPerMinute = try c.decodeIfPresent(Double.self, forKey: .tokensPerMinute)
    }
}

/// Sampling parameters sent with every generation request.
public struct SamplingParams: Codable, Sendable, Hashable {
    public var temperature: Double
    public var topP: Double
    public var topK: Int?
    public var maxTokens: Int
    public var stop: [String]
    /// Base seed; per-sample seeds derive from it and the run seed.
    public var seed: UInt64?
    /// Ask for per-token logprobs (and token ids where the server supports it).
    public var logprobs: Bool
    /// A GBNF grammar constraining the output, sent as llama.cpp's `grammar` field (a small
    /// judge that must answer exactly `Yes` or `No`, or a fixed JSON shape).
    public var grammar: String?

    enum CodingKeys: String, CodingKey {
        case temperature
        case topP = "top_p"
        case topK = "top_k"
        case maxTokens = "max_tokens"
        case stop, seed, logprobs, grammar
    }

    /// Creates sampling params.
    public init(
        temperature: Double = 1.0, topP: Double = 1.0, topK: Int? = nil, maxTokens: Int = 1024, stop: [String] = [], seed: UInt64? = nil,
        logprobs: Bool = true, grammar: String? = nil
    ) {
        self.temperature = temperature
        self.topP = topP
        self.topK = topK
        self.maxTokens = maxTokens
        self.stop = stop
        self.seed = seed
        self.logprobs = logprobs
        self.grammar = grammar
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = SamplingParams()
        temperature = try c.decode(.temperature, default: d.temperature)
        topP = try c.decode(.topP, default: d.topP)
        topK = try c.decodeIfPresent(Int.self, forKey: .topK)
        maxTokens = try c.decode(.maxTokens, default: d.maxTokens)
        stop = try c.decode(.stop, default: [])
        seed = try c.decodeIfPresent(UInt64.self, forKey: .seed)
        logprobs = try c.decode(.logprobs, default: true)
        grammar = try c.decodeIfPresent(String.self, forKey: .grammar)
    }
}

/// The policy model's inference setup.
public struct PolicyConfig: Codable, Sendable, Hashable {
    /// Model name as the servers know it.
    public var model: String
    /// Completions or chat.
    public var api: InferenceAPI
    /// Endpoints (load-aware routing across them).
    public var endpoints: [EndpointConfig]
    /// Sampling parameters.
    public var sampling: SamplingParams
    /// Samples per prompt (n).
    public var groupSize: Int
    /// Prompts (groups) per training step.
    public var promptsPerStep: Int
    /// Global in-flight cap across endpoints.
    public var maxConcurrency: Int
    /// One request with n samples, or one request per sample.
    public var requestMode: RequestMode
    /// System prompt for chat requests (and `{system}` of `prompt_template`).
    public var systemPrompt: String?
    /// For the completions API: the text a prompt is wrapped in, with `{prompt}` (and optionally
    /// `{system}`) placeholders, e.g. a chat template written out
    /// (`<|im_start|>user\n{prompt}<|im_end|>\n<|im_start|>assistant\n`). The trainer receives
    /// exactly this text, so it can tokenize the prompt as the server did.
    public var promptTemplate: String?
    /// Stream responses (SSE) to measure time-to-first-token.
    public var stream: Bool
    /// Per-request deadline in seconds.
    public var timeoutSeconds: Double
    /// Retries per request before the endpoint is blamed and the request re-routed.
    public var maxRetries: Int
    /// How long every endpoint may stay ejected (circuit breaker open) before waiting requests
    /// fail, seconds; until one passes its probe, later requests fail at once.
    public var unavailableTimeoutSeconds: Double

    enum CodingKeys: String, CodingKey {
        case model, api, endpoints, sampling
        case groupSize = "group_size"
        case promptsPerStep = "prompts_per_step"
        case maxConcurrency = "max_concurrency"
        case requestMode = "request_mode"
        case systemPrompt = "system_prompt"
        case promptTemplate = "prompt_template"
        case stream
        case timeoutSeconds = "timeout_seconds"
        case maxRetries = "max_retries"
        case unavailableTimeoutSeconds = "unavailable_timeout_seconds"
    }

    /// Creates a policy config.
    public init(
        model: String, api: InferenceAPI = .chat, endpoints: [EndpointConfig], sampling: SamplingParams = .init(),
        groupSize: Int = 8, promptsPerStep: Int = 16, maxConcurrency: Int = 256, requestMode: RequestMode = .nPerRequest,
        systemPrompt: String? = nil, promptTemplate: String? = nil, stream: Bool = false, timeoutSeconds: Double = 600,
        maxRetries: Int = 5, unavailableTimeoutSeconds: Double = 600
    ) {
        self.unavailableTimeoutSeconds = unavailableTimeoutSeconds
        self.model = model
        self.api = api
        self.endpoints = endpoints
        self.sampling = sampling
        self.groupSize = groupSize
        self.promptsPerStep = promptsPerStep
        self.maxConcurrency = maxConcurrency
        self.requestMode = requestMode
        self.systemPrompt = systemPrompt
        self.promptTemplate = promptTemplate
        self.stream = stream
        self.timeoutSeconds = timeoutSeconds
        self.maxRetries = maxRetries
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        model = try c.decode(String.self, forKey: .model)
        api = try c.decode(.api, default: .chat)
        endpoints = try c.decode([EndpointConfig].self, forKey: .endpoints)
        sampling = try c.decode(.sampling, default: SamplingParams())
        groupSize = try c.decode(.groupSize, default: 8)
        promptsPerStep = try c.decode(.promptsPerStep, default: 16)
        maxConcurrency = try c.decode(.maxConcurrency, default: 256)
        requestMode = try c.decode(.requestMode, default: .nPerRequest)
        systemPrompt = try c.decodeIfPresent(String.self, forKey: .systemPrompt)
        promptTemplate = try c.decodeIfPresent(String.self, forKey: .promptTemplate)
        stream = try c.decode(.stream, default: false)
        timeoutSeconds = try c.decode(.timeoutSeconds, default: 600)
        maxRetries = try c.decode(.maxRetries, default: 5)
        unavailableTimeoutSeconds = try c.decode(.unavailableTimeoutSeconds, default: 600)
    }
}

/// Reference-model endpoint for ℓ_ref.
public struct ReferenceConfig: Codable, Sendable, Hashable {
    /// Model name.
    public var model: String
    /// Endpoints.
    public var endpoints: [EndpointConfig]
    /// How long every reference endpoint may stay ejected before waiting calls fail, seconds.
    public var unavailableTimeoutSeconds: Double

    enum CodingKeys: String, CodingKey {
        case model, endpoints
        case unavailableTimeoutSeconds = "unavailable_timeout_seconds"
    }

    /// Creates a reference config.
    public init(model: String, endpoints: [EndpointConfig], unavailableTimeoutSeconds: Double = 600) {
        self.model = model
        self.endpoints = endpoints
        self.unavailableTimeoutSeconds = unavailableTimeoutSeconds
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        model = try c.decode(String.self, forKey: .model)
        endpoints = try c.decode([EndpointConfig].self, forKey: .endpoints)
        unavailableTimeoutSeconds = try c.decode(.unavailableTimeoutSeconds, default: 600)
    }
}

/// Which verdict parser to use on judge text.
public enum VerdictParser: String, Codable, Sendable, Hashable, CaseIterable {
    /// `^\s*(yes|no)[.!]?\s*$`, anything else is non-binary.
    case strict
    /// MoReBench's official rule: look for "yes"/"no" substrings.
    case substring
}

/// How rubric verdicts become a score.
public enum RubricAggregator: String, Codable, Sendable, Hashable, CaseIterable {
    /// clamp(100 · Σ credited |w| / Σ |w|, 0, 100).
    case official
    /// Positive and negative criteria normalized separately, in [−1, 1].
    case paper
}

/// Which part of the policy output the judge sees.
public enum JudgedText: String, Codable, Sendable, Hashable, CaseIterable {
    case answer
    case reasoning
    case both
}

/// What happens to a criterion whose verdict stays non-binary after retries.
public enum VerdictFailurePolicy: String, Codable, Sendable, Hashable, CaseIterable {
    /// Exclude the criterion and renormalize.
    case exclude
    /// Mark the rollout's reward missing.
    case missing
}

/// The LLM judge.
public struct JudgeConfig: Codable, Sendable, Hashable {
    /// Judge model.
    public var model: String
    /// API.
    public var api: InferenceAPI
    /// Endpoints.
    public var endpoints: [EndpointConfig]
    /// Rubric/template file (relative paths resolve against the config file's folder).
    public var rubric: String
    /// Verdict parser.
    public var parser: VerdictParser
    /// Aggregator used as the training reward.
    public var aggregator: RubricAggregator
    /// Which text is judged.
    public var judgedText: JudgedText
    /// Strip `<think>` sections before judging.
    public var stripThink: Bool
    /// Retries of a non-binary verdict.
    public var maxRetries: Int
    /// Policy after retries.
    public var failurePolicy: VerdictFailurePolicy
    /// Reward given to empty, refused or truncated outputs (on the aggregator's scale).
    public var floor: Double
    /// Judge sampling parameters.
    public var sampling: SamplingParams
    /// Maximum judge calls per run (nil: unlimited).
    public var callBudget: Int?
    /// How long every judge endpoint may stay ejected before waiting calls fail (their
    /// verdicts are then failed, never zeros), seconds.
    public var unavailableTimeoutSeconds: Double

    enum CodingKeys: String, CodingKey {
        case model, api, endpoints, rubric, parser, aggregator
        case judgedText = "judged_text"
        case stripThink = "strip_think"
        case maxRetries = "max_retries"
        case failurePolicy = "failure_policy"
        case floor, sampling
        case callBudget = "call_budget"
        case unavailableTimeoutSeconds = "unavailable_timeout_seconds"
    }

    /// Creates a judge config.
    public init(
        model: String, api: InferenceAPI = .chat, endpoints: [EndpointConfig], rubric: String,
        parser: VerdictParser = .strict, aggregator: RubricAggregator = .official, judgedText: JudgedText = .answer,
        stripThink: Bool = true, maxRetries: Int = 2, failurePolicy: VerdictFailurePolicy = .exclude, floor: Double = 0,
        sampling: SamplingParams = SamplingParams(temperature: 0, maxTokens: 16, logprobs: false), callBudget: Int? = nil,
        unavailableTimeoutSeconds: Double = 600
    ) {
        self.unavailableTimeoutSeconds = unavailableTimeoutSeconds
        self.model = model
        self.api = api
        self.endpoints = endpoints
        self.rubric = rubric
        self.parser = parser
        self.aggregator = aggregator
        self.judgedText = judgedText
        self.stripThink = stripThink
        self.maxRetries = maxRetries
        self.failurePolicy = failurePolicy
        self.floor = floor
        self.sampling = sampling
        self.callBudget = callBudget
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        model = try c.decode(String.self, forKey: .model)
        api = try c.decode(.api, default: .chat)
        endpoints = try c.decode([EndpointConfig].self, forKey: .endpoints)
        rubric = try c.decode(String.self, forKey: .rubric)
        parser = try c.decode(.parser, default: .strict)
        aggregator = try c.decode(.aggregator, default: .official)
        judgedText = try c.decode(.judgedText, default: .answer)
        stripThink = try c.decode(.stripThink, default: true)
        maxRetries = try c.decode(.maxRetries, default: 2)
        failurePolicy = try c.decode(.failurePolicy, default: .exclude)
        floor = try c.decode(.floor, default: 0)
        sampling = try c.decode(.sampling, default: SamplingParams(temperature: 0, maxTokens: 16, logprobs: false))
        callBudget = try c.decodeIfPresent(Int.self, forKey: .callBudget)
        unavailableTimeoutSeconds = try c.decode(.unavailableTimeoutSeconds, default: 600)
    }
}
