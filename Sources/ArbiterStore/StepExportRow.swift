extension StepAggregate {
    /// Pairs a step aggregate with its run for export.
    public func exportRow(runID: String) -> StepExportRow { StepExportRow(runID: runID, aggregate: self) }
}

/// A step aggregate as exported.
public struct StepExportRow: ExportRow, Hashable {
    /// The JSON `"type"` of these rows.
    public static let exportType = "step"
    /// The run.
    public var runID: String
    /// The aggregate.
    public var aggregate: StepAggregate

    /// Creates a row.
    public init(runID: String, aggregate: StepAggregate) {
        self.runID = runID
        self.aggregate = aggregate
    }

    /// CSV column names.

    public static let csvHeader = [
        "run_id", "step", "committed", "committed_at", "policy_version", "groups", "partial_groups", "rollouts",
        "reward_mean", "reward_std", "reward_missing", "zero_variance_group_fraction", "completion_tokens_mean",
        "completion_tokens_max", "prompt_tokens_mean", "truncation_rate", "parse_failure_rate", "judge_calls",
        "judge_failure_rate", "verdict_unparsed_rate", "judge_cache_hit_rate", "judge_latency_mean",
        "judge_latency_max", "advantage_mean", "advantage_std", "components",
    ]

    private static func stats(_ s: SummaryStats) -> String {
        "{\"count\":\(s.count),\"missing\":\(s.missing),\"mean\":\(JSONText.number(s.mean)),\"std\":\(JSONText.number(s.std)),\"min\":\(JSONText.number(s.min)),\"max\":\(JSONText.number(s.max))}"
    }

    /// JSON fields after `type` and `run_id`.

    public var jsonFields: [(String, String)] {
        let a = aggregate
        return [
            ("step", String(a.step)), ("committed", JSONText.bool(a.committed)),
            ("committed_at", JSONText.number(a.committedAt)), ("policy_version", JSONText.int(a.policyVersion?.rawValue)),
            ("groups", String(a.groups)), ("partial_groups", String(a.partialGroups)), ("rollouts", String(a.rollouts)),
            ("training_reward", Self.stats(a.trainingReward)),
            ("components", "{" + a.components.map {
                JSONText.quote($0.name) + ":{\"weight\":\(JSONText.number($0.weight)),\"value\":\(Self.stats($0.value))}"
            }.joined(separator: ",") + "}"),
            ("zero_variance_group_fraction", JSONText.number(a.zeroVarianceGroupFraction)),
            ("completion_tokens", Self.stats(a.completionTokens)), ("prompt_tokens", Self.stats(a.promptTokens)),
            ("truncation_rate", JSONText.number(a.truncationRate)),
            ("parse_failure_rate", JSONText.number(a.parseFailureRate)), ("judge_calls", String(a.judgeCalls)),
            ("judge_failure_rate", JSONText.number(a.judgeFailureRate)),
            ("verdict_unparsed_rate", JSONText.number(a.verdictUnparsedRate)),
            ("judge_cache_hit_rate", JSONText.number(a.judgeCacheHitRate)),
            ("judge_latency", Self.stats(a.judgeLatency)), ("advantage", Self.stats(a.advantage)),
        ]
    }

    /// CSV fields in `csvHeader` order.

    public var csvFields: [String?] {
        let a = aggregate
        return [
            runID, String(a.step), a.committed ? "true" : "false", CSVText.number(a.committedAt),
            a.policyVersion.map { String($0.rawValue) }, String(a.groups), String(a.partialGroups), String(a.rollouts),
            CSVText.number(a.trainingReward.mean), CSVText.number(a.trainingReward.std), String(a.trainingReward.missing),
            CSVText.number(a.zeroVarianceGroupFraction), CSVText.number(a.completionTokens.mean),
            CSVText.number(a.completionTokens.max), CSVText.number(a.promptTokens.mean),
            CSVText.number(a.truncationRate), CSVText.number(a.parseFailureRate), String(a.judgeCalls),
            CSVText.number(a.judgeFailureRate), CSVText.number(a.verdictUnparsedRate),
            CSVText.number(a.judgeCacheHitRate), CSVText.number(a.judgeLatency.mean), CSVText.number(a.judgeLatency.max),
            CSVText.number(a.advantage.mean), CSVText.number(a.advantage.std),
            a.components.map { "\($0.name)=\(CSVText.number($0.value.mean) ?? "")" }.joined(separator: ";"),
        ]
    }
}
