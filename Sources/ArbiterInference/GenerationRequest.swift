import ArbiterCore

/// The n samples of one prompt, as the engine submits them to ``RolloutScheduler``.
public struct GenerationRequest: Sendable, Hashable {
    /// The prompt's stable id.
    public var promptID: PromptID
    /// The prompt.
    public var input: PromptInput
    /// Samples to draw (the group size n).
    public var samples: Int
    /// Sampling parameters (nil: the scheduler's defaults).
    public var sampling: SamplingParams?
    /// Base seed: per-request and per-sample seeds derive from it and the prompt id, so the
    /// same request draws the same samples wherever and however often it is sent.
    public var seed: UInt64?
    /// Rollout ids are `"<prefix>/<sample index>"`; the prefix defaults to the prompt id.
    public var rolloutIDPrefix: String?

    /// Creates a request.
    public init(
        promptID: PromptID, input: PromptInput, samples: Int, sampling: SamplingParams? = nil, seed: UInt64? = nil,
        rolloutIDPrefix: String? = nil
    ) {
        self.promptID = promptID
        self.input = input
        self.samples = samples
        self.sampling = sampling
        self.seed = seed
        self.rolloutIDPrefix = rolloutIDPrefix
    }

    /// The seed of the request with `n` samples (nPerRequest mode).
    public var requestSeed: UInt64? {
        guard let seed else { return nil }
        var h: UInt64 = 0xCBF2_9CE4_8422_2325
        for b in promptID.rawValue.utf8 {
            h = (h ^ UInt64(b)) &* 0x100_0000_01B3
        }
        return SplitMix64.mix(seed ^ h)
    }

    /// The seed of sample `index` (one-per-sample mode).
    public func sampleSeed(_ index: Int) -> UInt64? {
        requestSeed.map { SplitMix64.mix($0 &+ UInt64(index) &+ 1) }
    }

    /// The id of sample `index`'s rollout.
    public func rolloutID(_ index: Int) -> String { "\(rolloutIDPrefix ?? promptID.rawValue)/\(index)" }
}

/// What came back for one ``GenerationRequest``.
public struct GenerationResult: Sendable, Hashable {
    /// The request.
    public var request: GenerationRequest
    /// The rollouts that finished, ordered by sample index.
    public var rollouts: [Rollout]
    /// True when fewer than `request.samples` rollouts came back (step deadline, failures).
    public var partial: Bool
    /// Why samples are missing: one error per failed request.
    public var errors: [InferenceError]

    /// Creates a result.
    public init(request: GenerationRequest, rollouts: [Rollout], partial: Bool, errors: [InferenceError] = []) {
        self.request = request
        self.rollouts = rollouts
        self.partial = partial
        self.errors = errors
    }
}

extension InferenceError: Hashable {
    public func hash(into hasher: inout Hasher) {
        hasher.combine(code)
        hasher.combine(message)
        hasher.combine(context)
    }
}
