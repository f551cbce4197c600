/// One judge call as exported.
public struct VerdictExportRow: ExportRow, Hashable {
    /// The JSON `"type"` of these rows.
    public static let exportType = "verdict"
    /// The run.
    public var runID: String
    /// The step.
    public var step: Int
    /// The group.
    public var groupID: String
    /// The rollout judged.
    public var rolloutID: String
    /// Call index within the rollout.
    public var callIndex: Int
    /// Criterion.
    public var criterionID: String?
    /// Dimension.
    public var dimension: String?
    /// Criterion weight.
    public var criterionWeight: Int?
    /// Judge model.
    public var judgeModel: String
    /// Template hash.
    public var templateHash: String
    /// Judge params.
    public var judgeParams: String
    /// SHA-256 of the request text.
    public var requestHash: String
    /// The request text (only when requested).
    public var requestText: String?
    /// Raw response.
    public var rawResponse: String?
    /// Verdict status.
    public var status: String
    /// Met.
    public var met: Bool?
    /// Latency, seconds.
    public var latency: Double?
    /// Request tokens.
    public var promptTokens: Int?
    /// Response tokens.
    public var completionTokens: Int?
    /// Cache hit.
    public var cacheHit: Bool
    /// Error of a failed call.
    public var error: String?

    /// Creates a row.
    public init(
        runID: String, step: Int, groupID: String, rolloutID: String, callIndex: Int, criterionID: String?,
        dimension: String?, criterionWeight: Int?, judgeModel: String, templateHash: String, judgeParams: String,
        requestHash: String, requestText: String?, rawResponse: String?, status: String, met: Bool?,
        latency: Double?, promptTokens: Int?, completionTokens: Int?, cacheHit: Bool, error: String?
    ) {
        self.runID = runID
        self.step = step
        self.groupID = groupID
        self.rolloutID = rolloutID
        self.callIndex = callIndex
        self.criterionID = criterionID
        self.dimension = dimension
        self.criterionWeight = criterionWeight
        self.judgeModel = judgeModel
        self.templateHash = templateHash
        self.judgeParams = judgeParams
        self.requestHash = requestHash
        self.requestText = requestText
        self.rawResponse = rawResponse
        self.status = status
        self.met = met
        self.latency = latency
        self.promptTokens = promptTokens
        self.completionTokens = completionTokens
        self.cacheHit = cacheHit
        self.error = error
    }

    /// CSV column names.

    public static let csvHeader = [
        "run_id", "step", "group_id", "rollout_id", "call_index", "criterion_id", "dimension", "criterion_weight",
        "judge_model", "template_hash", "judge_params", "request_hash", "request_text", "raw_response", "status", "met",
        "latency", "prompt_tokens", "completion_tokens", "cache_hit", "error",
    ]

    /// JSON fields after `type` and `run_id`.

    public var jsonFields: [(String, String)] {
        var f: [(String, String)] = [
            ("step", String(step)), ("group_id", JSONText.quote(groupID)), ("rollout_id", JSONText.quote(rolloutID)),
            ("call_index", String(callIndex)), ("criterion_id", JSONText.string(criterionID)),
            ("dimension", JSONText.string(dimension)), ("criterion_weight", JSONText.int(criterionWeight)),
            ("judge_model", JSONText.quote(judgeModel)), ("template_hash", JSONText.quote(templateHash)),
            ("judge_params", JSONText.quote(judgeParams)), ("request_hash", JSONText.quote(requestHash)),
        ]
        if let requestText { f.append(("request_text", JSONText.quote(requestText))) }
        f += [
            ("raw_response", JSONText.string(rawResponse)), ("status", JSONText.quote(status)), ("met", JSONText.bool(met)),
            ("latency", JSONText.number(latency)), ("prompt_tokens", JSONText.int(promptTokens)),
            ("completion_tokens", JSONText.int(completionTokens)), ("cache_hit", JSONText.bool(cacheHit)),
            ("error", JSONText.string(error)),
        ]
        return f
    }

    /// CSV fields in `csvHeader` order.

    public var csvFields: [String?] {
        [
            runID, String(step), groupID, rolloutID, String(callIndex), criterionID, dimension,
            criterionWeight.map(String.init), judgeModel, templateHash, judgeParams, requestHash, requestText,
            rawResponse, status, met.map { $0 ? "true" : "false" }, CSVText.number(latency),
            promptTokens.map(String.init), completionTokens.map(String.init), cacheHit ? "true" : "false", error,
        ]
    }
}
