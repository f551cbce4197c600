import ArbiterCore

/// One judge call: what was asked (content-addressed), what came back, and how it parsed.
public struct JudgeCallRecord: Sendable, Hashable, Codable {
    /// The rubric criterion judged, when the call judges one.
    public var criterionID: String?
    /// The criterion's rubric dimension.
    public var dimension: String?
    /// The criterion's signed weight.
    public var criterionWeight: Int?
    /// Hash of the judge template.
    public var templateHash: String
    /// Judge model.
    public var judgeModel: String
    /// Judge sampling parameters, rendered canonically (`max_tokens=8;temperature=0`).
    public var judgeParams: String
    /// The exact request text sent; stored once per distinct text, keyed by its SHA-256.
    public var requestText: String
    /// SHA-256 (hex) of `requestText` when the caller already has it (a judge cache key);
    /// computed when nil. `arbiter audit verify` checks it against the stored text.
    public var requestHash: String?
    /// The raw judge response; nil when the call failed.
    public var rawResponse: String?
    /// Parse status of the verdict.
    public var status: VerdictStatus
    /// Whether the criterion was judged met (nil unless the parse gave an answer).
    public var met: Bool?
    /// Call latency in seconds.
    public var latency: Double?
    /// Request tokens.
    public var promptTokens: Int?
    /// Response tokens.
    public var completionTokens: Int?
    /// Whether the verdict came from the judge cache.
    public var cacheHit: Bool
    /// Error text of a failed call.
    public var error: String?

    /// Creates a judge call record.
    public init(
        criterionID: String?, dimension: String? = nil, criterionWeight: Int? = nil, templateHash: String,
        judgeModel: String, judgeParams: String, requestText: String, requestHash: String? = nil,
        rawResponse: String?, status: VerdictStatus, met: Bool?, latency: Double? = nil, promptTokens: Int? = nil,
        completionTokens: Int? = nil, cacheHit: Bool = false, error: String? = nil
    ) {
        self.criterionID = criterionID
        self.dimension = dimension
        self.criterionWeight = criterionWeight
        self.templateHash = templateHash
        self.judgeModel = judgeModel
        self.judgeParams = judgeParams
        self.requestText = requestText
        self.requestHash = requestHash
        self.rawResponse = rawResponse
        self.status = status
        self.met = met
        self.latency = latency
        self.promptTokens = promptTokens
        self.completionTokens = completionTokens
        self.cacheHit = cacheHit
        self.error = error
    }

    /// Creates a judge call record from a parsed verdict.
    public init(
        verdict: Verdict, criterion: RubricCriterion? = nil, templateHash: String, judgeModel: String,
        judgeParams: String, requestText: String, latency: Double? = nil, promptTokens: Int? = nil,
        completionTokens: Int? = nil, cacheHit: Bool = false, error: String? = nil
    ) {
        self.init(
            criterionID: verdict.criterionID, dimension: criterion?.dimension?.rawValue,
            criterionWeight: criterion?.weight, templateHash: templateHash, judgeModel: judgeModel,
            judgeParams: judgeParams, requestText: requestText,
            rawResponse: verdict.status == .failed ? nil : verdict.rawText, status: verdict.status, met: verdict.met,
            latency: latency, promptTokens: promptTokens, completionTokens: completionTokens, cacheHit: cacheHit,
            error: error)
    }
}
