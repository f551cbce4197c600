/// A point of a piecewise-linear weight schedule.
public struct SchedulePoint: Codable, Sendable, Hashable {
    /// The step at which the weight is exactly `weight`.
    public var step: Int
    /// The weight.
    public var weight: Double

    /// Creates a point.
    public init(step: Int, weight: Double) {
        self.step = step
        self.weight = weight
    }
}

/// One reward component with its weight and optional curriculum schedule.
public struct ComponentConfig: Codable, Sendable, Hashable {
    /// Component name (`format`, `outcome`, `structure`, `content`, `length`, or a rubric dimension).
    public var name: String
    /// Constant weight, used when no schedule is given.
    public var weight: Double
    /// Piecewise-linear weight over steps; before the first point and after the last, constant.
    public var schedule: [SchedulePoint]?
    /// Only credit this component when every listed component is ≥ `gate_threshold`
    /// (e.g. no process reward unless the format is valid).
    public var requires: [String]
    /// Threshold used by `requires`.
    public var gateThreshold: Double

    enum CodingKeys: String, CodingKey {
        case name, weight, schedule, requires
        case gateThreshold = "gate_threshold"
    }

    /// Creates a component config.
    public init(name: String, weight: Double = 1, schedule: [SchedulePoint]? = nil, requires: [String] = [], gateThreshold: Double = 1) {
        self.name = name
        self.weight = weight
        self.schedule = schedule
        self.requires = requires
        self.gateThreshold = gateThreshold
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        name = try c.decode(String.self, forKey: .name)
        weight = try c.decode(.weight, default: 1)
        schedule = try c.decodeIfPresent([SchedulePoint].self, forKey: .schedule)
        requires = try c.decode(.requires, default: [])
        gateThreshold = try c.decode(.gateThreshold, default: 1)
    }

    /// The weight in force at `step` (piecewise linear between schedule points).
    public func weight(atStep step: Int) -> Double {
        guard let points = schedule, let first = points.first, let last = points.last else { return weight }
        if step <= first.step { return first.weight }
        if step >= last.step { return last.weight }
        for (a, b) in zip(points, points.dropFirst()) where step >= a.step && step <= b.step {
            if b.step == a.step { return b.weight }
            let t = Double(step - a.step) / Double(b.step - a.step)
            return a.weight + t * (b.weight - a.weight)
        }
        return last.weight
    }
}

/// Social-R1's ablation presets.
public enum RewardPreset: String, Codable, Sendable, Hashable, CaseIterable {
    case full
    case outcomeOnly = "outcome_only"
    case plusContent = "plus_content"
    case plusLength = "plus_length"
    case plusStructure = "plus_structure"

    /// The components (with unit weights, format gating the process rewards) a preset enables.
    public var components: [ComponentConfig] {
        let format = ComponentConfig(name: "format", weight: 1)
        let outcome = ComponentConfig(name: "outcome", weight: 1)
        let gated = ["format"]
        let structure = ComponentConfig(name: "structure", weight: 1, requires: gated)
        let content = ComponentConfig(name: "content", weight: 1, requires: gated)
        let length = ComponentConfig(name: "length", weight: 1, requires: gated)
        switch self {
        case .full: return [format, outcome, structure, content, length]
        case .outcomeOnly: return [outcome]
        case .plusContent: return [format, outcome, content]
        case .plusLength: return [format, outcome, length]
        case .plusStructure: return [format, outcome, structure]
        }
    }
}

/// Length (information-density) reward settings for Social-R1's `length` component.
public struct LengthRewardConfig: Codable, Sendable, Hashable {
    /// Target length in tokens (reward 1 between floor and ceiling).
    public var target: Int
    /// Below this, reward decays linearly to 0 at length 0.
    public var floor: Int
    /// Above this, reward decays linearly to 0 at 2×ceiling.
    public var ceiling: Int
    /// Penalty per repeated n-gram fraction.
    public var repetitionPenalty: Double
    /// Penalty per hesitation token ("wait", "hmm").
    public var hesitationPenalty: Double
    /// Hesitation tokens counted.
    public var hesitationTokens: [String]

    enum CodingKeys: String, CodingKey {
        case target, floor, ceiling
        case repetitionPenalty = "repetition_penalty"
        case hesitationPenalty = "hesitation_penalty"
        case hesitationTokens = "hesitation_tokens"
    }

    /// Creates settings.
    public init(target: Int = 256, floor: Int = 64, ceiling: Int = 512, repetitionPenalty: Double = 0.5, hesitationPenalty: Double = 0.05, hesitationTokens: [String] = ["wait", "hmm", "hold on"]) {
        self.target = target
        self.floor = floor
        self.ceiling = ceiling
        self.repetitionPenalty = repetitionPenalty
        self.hesitationPenalty = hesitationPenalty
        self.hesitationTokens = hesitationTokens
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = LengthRewardConfig()
        target = try c.decode(.target, default: d.target)
        floor = try c.decode(.floor, default: d.floor)
        ceiling = try c.decode(.ceiling, default: d.ceiling)
        repetitionPenalty = try c.decode(.repetitionPenalty, default: d.repetitionPenalty)
        hesitationPenalty = try c.decode(.hesitationPenalty, default: d.hesitationPenalty)
        hesitationTokens = try c.decode(.hesitationTokens, default: d.hesitationTokens)
    }
}

/// Answer-format settings for multiple-choice verification.
public struct AnswerFormatConfig: Codable, Sendable, Hashable {
    /// Answer syntax: `answer_tag` (`<Answer>X</Answer>`) or `double_brackets` (`[[X]]`).
    public var style: String
    /// Shuffle option order per rollout (seeded, stored, mapped back to gold).
    public var shuffleOptions: Bool
    /// Hide options until `</think>` ("think first, match later").
    public var hideOptions: Bool

    enum CodingKeys: String, CodingKey {
        case style
        case shuffleOptions = "shuffle_options"
        case hideOptions = "hide_options"
    }

    /// Creates settings.
    public init(style: String = "answer_tag", shuffleOptions: Bool = true, hideOptions: Bool = false) {
        self.style = style
        self.shuffleOptions = shuffleOptions
        self.hideOptions = hideOptions
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        style = try c.decode(.style, default: "answer_tag")
        shuffleOptions = try c.decode(.shuffleOptions, default: true)
        hideOptions = try c.decode(.hideOptions, default: false)
    }
}

/// How the training reward is composed.
public struct RewardConfig: Codable, Sendable, Hashable {
    /// A Social-R1 ablation preset; `components` overrides it when both are given.
    public var preset: RewardPreset?
    /// Components with weights and schedules.
    public var components: [ComponentConfig]
    /// Missing components: make the total missing, or renormalize over the rest.
    public var missingPolicy: MissingComponentPolicy
    /// Multiple-choice answer settings.
    public var answer: AnswerFormatConfig
    /// Length component settings.
    public var length: LengthRewardConfig
    /// Judge template for the Social-R1 `structure` component.
    public var structureRubric: String?
    /// Judge template for the Social-R1 `content` component.
    public var contentRubric: String?

    enum CodingKeys: String, CodingKey {
        case preset, components
        case missingPolicy = "missing_policy"
        case answer, length
        case structureRubric = "structure_rubric"
        case contentRubric = "content_rubric"
    }

    /// Creates a reward config.
    public init(
        preset: RewardPreset? = nil, components: [ComponentConfig] = [], missingPolicy: MissingComponentPolicy = .missingTotal,
        answer: AnswerFormatConfig = .init(), length: LengthRewardConfig = .init(), structureRubric: String? = nil,
        contentRubric: String? = nil
    ) {
        self.preset = preset
        self.components = components
        self.missingPolicy = missingPolicy
        self.answer = answer
        self.length = length
        self.structureRubric = structureRubric
        self.contentRubric = contentRubric
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        preset = try c.decodeIfPresent(RewardPreset.self, forKey: .preset)
        components = try c.decode(.components, default: [])
        missingPolicy = try c.decode(.missingPolicy, default: .missingTotal)
        answer = try c.decode(.answer, default: AnswerFormatConfig())
        length = try c.decode(.length, default: LengthRewardConfig())
        structureRubric = try c.decodeIfPresent(String.self, forKey: .structureRubric)
        contentRubric = try c.decodeIfPresent(String.self, forKey: .contentRubric)
    }

    /// The components in force: explicit ones, else the preset's.
    public var effectiveComponents: [ComponentConfig] {
        if !components.isEmpty { return components }
        return preset?.components ?? []
    }
}

/// The advantage estimator and its parameters (names as in `shared/golden/README.md`).
public struct AdvantageConfig: Codable, Sendable, Hashable {
    /// Estimator name: grpo, dr_grpo, rloo, maxrl, opo, reinforce_pp, reinforce_pp_baseline, gdpo, flowrl_tb.
    public var estimator: String
    /// Estimator parameters; unknown names are validation errors.
    public var params: [String: ConfigValue]

    /// Creates an advantage config.
    public init(estimator: String = "grpo", params: [String: ConfigValue] = [:]) {
        self.estimator = estimator
        self.params = params
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        estimator = try c.decode(.estimator, default: "grpo")
        params = try c.decode(.params, default: [:])
    }
}

/// What dynamic sampling does with zero-variance groups.
public enum DynamicSamplingPolicy: String, Codable, Sendable, Hashable, CaseIterable {
    /// Drop them (DAPO filter); the batch may come out smaller.
    case filter
    /// Drop them and draw replacement prompts until the batch is full (capped).
    case replace
}

/// Dynamic sampling settings.
public struct DynamicSamplingConfig: Codable, Sendable, Hashable {
    public var enabled: Bool
    /// Groups whose reward spread is ≤ tolerance count as zero-variance.
    public var tolerance: Double
    public var policy: DynamicSamplingPolicy
    /// Cap on extra generation rounds per step when replacing.
    public var maxExtraBatches: Int

    enum CodingKeys: String, CodingKey {
        case enabled, tolerance, policy
        case maxExtraBatches = "max_extra_batches"
    }

    /// Creates settings.
    public init(enabled: Bool = false, tolerance: Double = 1e-6, policy: DynamicSamplingPolicy = .filter, maxExtraBatches: Int = 2) {
        self.enabled = enabled
        self.tolerance = tolerance
        self.policy = policy
        self.maxExtraBatches = maxExtraBatches
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        enabled = try c.decode(.enabled, default: false)
        tolerance = try c.decode(.tolerance, default: 1e-6)
        policy = try c.decode(.policy, default: .filter)
        maxExtraBatches = try c.decode(.maxExtraBatches, default: 2)
    }
}

/// DAPO overlong reward shaping.
public struct OverlongConfig: Codable, Sendable, Hashable {
    public var enabled: Bool
    /// L_max in tokens.
    public var maxLength: Int
    /// L_buffer in tokens.
    public var buffer: Int
    /// Penalty factor (the cap is −factor).
    public var factor: Double

    enum CodingKeys: String, CodingKey {
        case enabled
        case maxLength = "max_length"
        case buffer, factor
    }

    /// Creates settings.
    public init(enabled: Bool = false, maxLength: Int = 1024, buffer: Int = 256, factor: Double = 1) {
        self.enabled = enabled
        self.maxLength = maxLength
        self.buffer = buffer
        self.factor = factor
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        enabled = try c.decode(.enabled, default: false)
        maxLength = try c.decode(.maxLength, default: 1024)
        buffer = try c.decode(.buffer, default: 256)
        factor = try c.decode(.factor, default: 1)
    }
}

/// Reward shaping and dynamic sampling that run before the estimator.
public struct SamplingControls: Codable, Sendable, Hashable {
    public var dynamicSampling: DynamicSamplingConfig
    public var overlong: OverlongConfig
    /// Group-relative length penalty coefficient (prime-rl style); 0 disables it.
    public var lengthPenalty: Double
    /// Clip rewards to [min, max] before estimation, when set.
    public var clipMin: Double?
    public var clipMax: Double?
    /// Multiply rewards by this before estimation.
    public var scale: Double

    enum CodingKeys: String, CodingKey {
        case dynamicSampling = "dynamic_sampling"
        case overlong
        case lengthPenalty = "length_penalty"
        case clipMin = "clip_min"
        case clipMax = "clip_max"
        case scale
    }

    /// Creates settings.
    public init(dynamicSampling: DynamicSamplingConfig = .init(), overlong: OverlongConfig = .init(), lengthPenalty: Double = 0, clipMin: Double? = nil, clipMax: Double? = nil, scale: Double = 1) {
        self.dynamicSampling = dynamicSampling
        self.overlong = overlong
        self.lengthPenalty = lengthPenalty
        self.clipMin = clipMin
        self.clipMax = clipMax
        self.scale = scale
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        dynamicSampling = try c.decode(.dynamicSampling, default: DynamicSamplingConfig())
        overlong = try c.decode(.overlong, default: OverlongConfig())
        lengthPenalty = try c.decode(.lengthPenalty, default: 0)
        clipMin = try c.decodeIfPresent(Double.self, forKey: .clipMin)
        clipMax = try c.decodeIfPresent(Double.self, forKey: .clipMax)
        scale = try c.decode(.scale, default: 1)
    }
}

/// Sync or async training.
public enum TrainingMode: String, Codable, Sendable, Hashable, CaseIterable {
    /// Wait for the trainer's new policy version before the next step's generation.
    case sync
    /// Overlap generation with the trainer's update within the staleness bound.
    case async
}

/// What to do with a sample older than the staleness bound.
public enum StalePolicy: String, Codable, Sendable, Hashable, CaseIterable {
    case drop
    case importanceWeight = "importance_weight"
}

/// Off-policy staleness control.
public struct StalenessConfig: Codable, Sendable, Hashable {
    public var mode: TrainingMode
    /// Maximum versions a sample may lag the trainer.
    public var maxStaleness: Int
    public var stalePolicy: StalePolicy

    enum CodingKeys: String, CodingKey {
        case mode
        case maxStaleness = "max_staleness"
        case stalePolicy = "stale_policy"
    }

    /// Creates settings.
    public init(mode: TrainingMode = .sync, maxStaleness: Int = 1, stalePolicy: StalePolicy = .drop) {
        self.mode = mode
        self.maxStaleness = maxStaleness
        self.stalePolicy = stalePolicy
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        mode = try c.decode(.mode, default: .sync)
        maxStaleness = try c.decode(.maxStaleness, default: 1)
        stalePolicy = try c.decode(.stalePolicy, default: .drop)
    }
}

/// The external trainer.
public struct TrainerConfig: Codable, Sendable, Hashable {
    /// Base URL of a protocol-v1 trainer.
    public var url: String
    /// Environment variable holding the bearer token, if any.
    public var tokenEnv: String?
    /// Per-request timeout.
    public var timeoutSeconds: Double
    /// Outbox bound: pending batches before the engine stops admitting rollouts.
    public var maxPendingBatches: Int
    /// Batch bodies of at least this many bytes are sent gzip-compressed (`Content-Encoding:
    /// gzip`); 0 never compresses.
    public var gzipMinBytes: Int

    enum CodingKeys: String, CodingKey {
        case url
        case tokenEnv = "token_env"
        case timeoutSeconds = "timeout_seconds"
        case maxPendingBatches = "max_pending_batches"
        case gzipMinBytes = "gzip_min_bytes"
    }

    /// Creates a trainer config.
    public init(url: String, tokenEnv: String? = nil, timeoutSeconds: Double = 60, maxPendingBatches: Int = 4, gzipMinBytes: Int = 1 << 20) {
        self.url = url
        self.tokenEnv = tokenEnv
        self.timeoutSeconds = timeoutSeconds
        self.maxPendingBatches = maxPendingBatches
        self.gzipMinBytes = gzipMinBytes
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        url = try c.decode(String.self, forKey: .url)
        tokenEnv = try c.decodeIfPresent(String.self, forKey: .tokenEnv)
        timeoutSeconds = try c.decode(.timeoutSeconds, default: 60)
        maxPendingBatches = try c.decode(.maxPendingBatches, default: 4)
        gzipMinBytes = try c.decode(.gzipMinBytes, default: 1 << 20)
    }
}
