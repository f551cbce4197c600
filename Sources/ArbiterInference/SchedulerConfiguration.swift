import ArbiterCore

/// How a request picks among endpoints.
public enum RoutingPolicy: String, Sendable, Hashable, CaseIterable {
    /// Fewest in-flight requests relative to the endpoint's `max_concurrency`.
    case fewestRequests = "fewest_requests"
    /// Fewest outstanding (estimated) tokens.
    case fewestTokens = "fewest_tokens"
}

/// When an endpoint is ejected and how it comes back.
public struct CircuitBreakerPolicy: Sendable, Hashable {
    /// Consecutive endpoint-blamed failures that eject the endpoint.
    public var failureThreshold: Int
    /// First ejection length, seconds; doubles with each ejection in a row.
    public var openDuration: Double
    /// Longest ejection, seconds.
    public var maxOpenDuration: Double
    /// Timeout of the `/health` probe that ends an ejection, seconds.
    public var probeTimeout: Double
    /// How long every endpoint may stay ejected before waiting requests fail with
    /// ``InferenceError/Code/unavailable``, seconds (nil: wait for ever). Until an endpoint
    /// passes a probe again, requests that come later fail at once; probing goes on.
    public var giveUpAfter: Double?

    /// Creates a policy.
    public init(
        failureThreshold: Int = 5, openDuration: Double = 1, maxOpenDuration: Double = 30, probeTimeout: Double = 2,
        giveUpAfter: Double? = 600
    ) {
        self.failureThreshold = max(1, failureThreshold)
        self.openDuration = openDuration
        self.maxOpenDuration = max(openDuration, maxOpenDuration)
        self.probeTimeout = probeTimeout
        self.giveUpAfter = giveUpAfter.map { max(0, $0) }
    }
}

/// Re-issuing slow requests on another endpoint.
public struct HedgingPolicy: Sendable, Hashable {
    /// The latency quantile of recent successful attempts after which a request is hedged.
    public var quantile: Double
    /// Successful attempts needed before hedging starts.
    public var minSamples: Int
    /// Never hedge before this many seconds.
    public var minDelay: Double

    /// Creates a policy.
    public init(quantile: Double = 0.95, minSamples: Int = 20, minDelay: Double = 0.05) {
        self.quantile = quantile
        self.minSamples = max(1, minSamples)
        self.minDelay = minDelay
    }
}

/// What a step does about groups that have not finished by its deadline.
public enum StepDeadlinePolicy: Sendable, Hashable {
    /// Wait for every group.
    case wait
    /// After this many seconds, close unfinished groups with the samples they have
    /// (``GenerationResult/partial`` set) and cancel the rest.
    case partialAfter(seconds: Double)
}

/// Staleness admission control (AReaL, SkyRL): a new group starts only while
/// `(maxStaleness + (version − initialVersion) + 1) · batchSize − accepted − running > 0`.
public struct AdmissionPolicy: Sendable, Hashable {
    /// How many policy versions a group may lag behind the trainer (0: synchronous).
    public var maxStaleness: Int
    /// Groups per training batch (`prompts_per_step`).
    public var batchSize: Int
    /// The policy version when the scheduler starts (a resumed run starts above 0).
    public var initialVersion: PolicyVersion

    /// Creates a policy.
    public init(maxStaleness: Int, batchSize: Int, initialVersion: PolicyVersion = 0) {
        self.maxStaleness = max(0, maxStaleness)
        self.batchSize = max(1, batchSize)
        self.initialVersion = initialVersion
    }

    /// From the run configuration: synchronous mode admits one batch per version.
    public init(staleness: StalenessConfig, policy: PolicyConfig, initialVersion: PolicyVersion = 0) {
        self.init(
            maxStaleness: staleness.mode == .sync ? 0 : staleness.maxStaleness, batchSize: policy.promptsPerStep,
            initialVersion: initialVersion)
    }
}

/// What generation requests send (the policy's model, API and sampling).
public struct GenerationSettings: Sendable, Hashable {
    /// Model name.
    public var model: String
    /// Completions or chat.
    public var api: InferenceAPI
    /// n samples per request, or one request per sample.
    public var requestMode: RequestMode
    /// Default sampling parameters (a request may override them).
    public var sampling: SamplingParams
    /// System prompt prepended to chat requests.
    public var systemPrompt: String?
    /// Stream responses (SSE) to measure time-to-first-token.
    public var stream: Bool
    /// Ask for token ids (vLLM `return_token_ids`).
    public var returnTokenIDs: Bool

    /// Creates settings.
    public init(
        model: String, api: InferenceAPI = .completions, requestMode: RequestMode = .nPerRequest,
        sampling: SamplingParams = .init(), systemPrompt: String? = nil, stream: Bool = false, returnTokenIDs: Bool = true
    ) {
        self.model = model
        self.api = api
        self.requestMode = requestMode
        self.sampling = sampling
        self.systemPrompt = systemPrompt
        self.stream = stream
        self.returnTokenIDs = returnTokenIDs
    }
}

/// Everything the scheduler needs: endpoints, caps, fault-tolerance and admission policies.
///
/// Built from the run configuration with ``init(policy:staleness:seed:)``,
/// ``init(judge:seed:)`` or ``init(reference:seed:)``; the remaining knobs have defaults that
/// suit production, and tests shorten them.
public struct SchedulerConfiguration: Sendable, Hashable {
    /// The endpoints (per-endpoint caps and rate limits come from here).
    public var endpoints: [EndpointConfig]
    /// Global in-flight cap across endpoints.
    public var maxInFlight: Int
    /// Timeout of one HTTP attempt, seconds (`timeout_seconds`).
    public var attemptTimeout: Double
    /// Retries on one endpoint before the request moves elsewhere (`max_retries`).
    public var maxRetriesPerEndpoint: Int
    /// Attempts (over all endpoints, hedges included) before a request fails.
    public var maxAttempts: Int
    /// Overall deadline of one request, seconds after submission (nil: none).
    public var requestDeadline: Double?
    /// Retry backoff.
    public var backoff: BackoffPolicy
    /// Ejection and probing.
    public var circuitBreaker: CircuitBreakerPolicy
    /// Hedging (nil: off).
    public var hedging: HedgingPolicy?
    /// Endpoint choice.
    public var routing: RoutingPolicy
    /// How much busier (in requests) than the least-loaded endpoint a group's affinity
    /// endpoint may be and still get the group's next sample.
    public var affinitySlack: Int
    /// Step deadline policy for ``RolloutScheduler/generateStep(_:)``.
    public var stepDeadline: StepDeadlinePolicy
    /// Staleness admission (nil: admit everything, e.g. judges).
    public var admission: AdmissionPolicy?
    /// Seed of the retry-jitter generator.
    public var seed: UInt64
    /// Transport settings.
    public var transport: InferenceClient.Configuration
    /// What generation requests send.
    public var generation: GenerationSettings

    /// Creates a configuration.
    public init(
        endpoints: [EndpointConfig], generation: GenerationSettings, maxInFlight: Int = 256, attemptTimeout: Double = 600,
        maxRetriesPerEndpoint: Int = 5, maxAttempts: Int? = nil, requestDeadline: Double? = nil,
        backoff: BackoffPolicy = .init(), circuitBreaker: CircuitBreakerPolicy = .init(), hedging: HedgingPolicy? = nil,
        routing: RoutingPolicy = .fewestRequests, affinitySlack: Int = 4, stepDeadline: StepDeadlinePolicy = .wait,
        admission: AdmissionPolicy? = nil, seed: UInt64 = 0, transport: InferenceClient.Configuration = .init()
    ) {
        self.endpoints = endpoints
        self.generation = generation
        self.maxInFlight = max(1, maxInFlight)
        self.attemptTimeout = attemptTimeout
        self.maxRetriesPerEndpoint = max(0, maxRetriesPerEndpoint)
        self.maxAttempts = maxAttempts ?? (max(0, maxRetriesPerEndpoint) + 1) * max(2, endpoints.count) + 2
        self.requestDeadline = requestDeadline
        self.backoff = backoff
        self.circuitBreaker = circuitBreaker
        self.hedging = hedging
        self.routing = routing
        self.affinitySlack = max(0, affinitySlack)
        self.stepDeadline = stepDeadline
        self.admission = admission
        self.seed = seed
        self.transport = transport
    }

    /// The policy's scheduler: caps, timeout and retries from `policy:`, admission from `staleness:`.
    public init(policy: PolicyConfig, staleness: StalenessConfig? = nil, initialVersion: PolicyVersion = 0, seed: UInt64 = 0) {
        self.init(
            endpoints: policy.endpoints,
            generation: GenerationSettings(
                model: policy.model, api: policy.api, requestMode: policy.requestMode, sampling: policy.sampling,
                systemPrompt: policy.systemPrompt, stream: policy.stream),
            maxInFlight: policy.maxConcurrency, attemptTimeout: policy.timeoutSeconds,
            maxRetriesPerEndpoint: policy.maxRetries,
            circuitBreaker: CircuitBreakerPolicy(giveUpAfter: policy.unavailableTimeoutSeconds),
            admission: staleness.map { AdmissionPolicy(staleness: $0, policy: policy, initialVersion: initialVersion) },
            seed: seed)
    }

    /// A judge's scheduler: no admission control; judge calls get the same fault tolerance.
    public init(judge: JudgeConfig, seed: UInt64 = 0) {
        self.init(
            endpoints: judge.endpoints,
            generation: GenerationSettings(
                model: judge.model, api: judge.api, requestMode: .onePerSample, sampling: judge.sampling,
                returnTokenIDs: false),
            maxInFlight: judge.endpoints.reduce(0) { $0 + $1.maxConcurrency }, attemptTimeout: 120,
            maxRetriesPerEndpoint: 5, circuitBreaker: CircuitBreakerPolicy(giveUpAfter: judge.unavailableTimeoutSeconds), seed: seed)
    }

    /// A reference model's scheduler (for ``RolloutScheduler/referenceLogprobMean(of:)``).
    public init(reference: ReferenceConfig, seed: UInt64 = 0) {
        self.init(
            endpoints: reference.endpoints,
            generation: GenerationSettings(
                model: reference.model, api: .completions, requestMode: .onePerSample,
                sampling: SamplingParams(temperature: 0, maxTokens: 1, logprobs: true)),
            maxInFlight: reference.endpoints.reduce(0) { $0 + $1.maxConcurrency }, attemptTimeout: 120,
            circuitBreaker: CircuitBreakerPolicy(giveUpAfter: reference.unavailableTimeoutSeconds), seed: seed)
    }
}
