import ArbiterCore
import ArbiterInference
import ArbiterNumerics
import ArbiterRewards
import ArbiterStore
import Foundation

/// One rollout with everything scored about it, ready for the reward log and the batch.
public struct ScoredSample: Sendable {
    /// The rollout (logprobs rounded to the log's float32 precision).
    public var rollout: Rollout
    /// The reward vector; `total` is the reward before shaping.
    public var reward: RewardVector
    /// Every judge call made for it.
    public var judgeCalls: [JudgeCallRecord]
    /// How the answer parsed.
    public var parseStatus: String?
    /// Aggregates (rubric aggregators, correctness, reference logprob...).
    public var aggregates: [String: Double?]
    /// Reference-model mean logprob of the completion, when a reference endpoint is configured.
    public var refLogprobMean: Double?
}

/// Scores rollouts as the run config says: MoReBench scenarios with the rubric judge, multiple-choice
/// items with the verifier and Social-R1's components (judged ones through the judge endpoint).
///
/// Judge calls go through the judge's scheduler; each is recorded with its exact request text, raw
/// answer, latency and tokens. A failed judge call makes the affected value missing, never 0.
public struct RewardPipeline: Sendable {
    /// The run configuration.
    public let config: RunConfig
    /// The multiple-choice answer style.
    public let style: AnswerStyle
    let rubricTemplate: JudgeTemplate?
    let structureTemplate: JudgeTemplate?
    let contentTemplate: JudgeTemplate?
    let judgeBackend: (any JudgeBackend)?
    let session: JudgeSession
    let reference: RolloutScheduler?
    let choiceRewards: RewardConfig

    /// Loads the templates the config names and checks that scoring can run.
    ///
    /// - Parameters:
    ///   - config: the run configuration with paths resolved.
    ///   - judgeBackend: where judge calls go (nil when the config has no judge).
    ///   - reference: the reference model's scheduler, when configured.
    public init(config: RunConfig, judgeBackend: (any JudgeBackend)?, reference: RolloutScheduler?) throws {
        self.config = config
        self.style = try AnswerStyle(config: config.rewards.answer)
        let base = URL(fileURLWithPath: "/")
        func load(_ path: String?, _ field: String) throws -> JudgeTemplate? {
            guard let path else { return nil }
            do {
                return try JudgeTemplate.load(path: path, relativeTo: base)
            } catch {
                throw EngineError(.invalidInput, "cannot load judge template: \(error)", context: field)
            }
        }
        switch config.dataset.kind {
        case .morebenchCSV:
            guard let judge = config.judge else {
                throw EngineError(.invalidInput, "a MoReBench dataset needs a `judge` section", context: "judge")
            }
            rubricTemplate = try load(judge.rubric, "judge.rubric")
            structureTemplate = nil
            contentTemplate = nil
        case .tombenchJSONL, .tomTable:
            rubricTemplate = nil
            structureTemplate = try load(config.rewards.structureRubric, "rewards.structure_rubric")
            contentTemplate = try load(config.rewards.contentRubric, "rewards.content_rubric")
        }
        var rewards = config.rewards
        if rewards.effectiveComponents.isEmpty { rewards.components = [ComponentConfig(name: "outcome")] }
        self.choiceRewards = rewards
        self.judgeBackend = judgeBackend
        self.session = JudgeSession(callBudget: config.judge?.callBudget)
        self.reference = reference
        if config.dataset.kind != .morebenchCSV {
            // Fail at start, not at the first rollout, when a judged component lacks its judge.
            _ = try SocialR1Scorer(
                rewards: rewards, structure: try processJudge("structure", structureTemplate, log: nil),
                content: try processJudge("content", contentTemplate, log: nil))
        }
    }

    /// The templates in force, by name → hash (the batch provenance).
    public var templateHashes: [String: String] {
        var out: [String: String] = [:]
        for t in [rubricTemplate, structureTemplate, contentTemplate].compactMap({ $0 }) { out[t.name] = t.hash }
        return out
    }

    /// Judge models by role (the batch provenance).
    public var judgeModels: [String: String] {
        guard let judge = config.judge, judgeBackend != nil else { return [:] }
        return ["judge": judge.model]
    }

    /// The reward component names and weights in force at `step` (the batch provenance).
    public func rewardWeights(step: Int) -> [String: Double] {
        var out: [String: Double] = [:]
        let components = config.dataset.kind == .morebenchCSV ? config.rewards.effectiveComponents : choiceRewards.effectiveComponents
        for c in components { out[c.name] = c.weight(atStep: step) }
        return out
    }

    /// The reward component names in vector order (what GDPO's `weights` refer to).
    public var componentNames: [String] {
        config.dataset.kind == .morebenchCSV
            ? RubricDimension.allCases.map(\.componentName) : choiceRewards.effectiveComponents.map(\.name)
    }

    /// The judge-call counters so far.
    public func judgeStats() async -> JudgeSessionStats { await session.stats }

    func processJudge(_ component: String, _ template: JudgeTemplate?, log: JudgeCallLog?) throws -> ProcessJudge? {
        guard let template, let judge = config.judge, let backend = judgeBackend else { return nil }
        let b: any JudgeBackend = log.map { RecordingJudgeBackend(inner: backend, log: $0) } ?? backend
        return try ProcessJudge(component: component, template: template, config: judge, backend: b)
    }

    /// Scores one rollout of `prompt` at `step`.
    public func score(_ rollout: Rollout, prompt: PreparedPrompt, step: Int) async -> ScoredSample {
        var sample: ScoredSample
        switch prompt.prompt.payload {
        case .rubric(let scenario):
            sample = await scoreRubric(rollout, scenario: scenario, step: step)
        case .multipleChoice(let item):
            sample = await scoreChoice(rollout, item: item, choice: prompt.choice, step: step)
        }
        if let reference {
            do {
                let mean = try await reference.referenceLogprobMean(of: rollout)
                sample.refLogprobMean = mean
                sample.aggregates["ref_logprob_mean"] = mean
            } catch {
                sample.aggregates["ref_logprob_mean"] = .some(nil)
                sample.reward.total = nil
                sample.parseStatus = (sample.parseStatus ?? "") + "+no_reference"
            }
        }
        return sample
    }

    func scoreRubric(_ rollout: Rollout, scenario: RubricScenario, step: Int) async -> ScoredSample {
        guard let template = rubricTemplate, let judgeConfig = config.judge, let backend = judgeBackend else {
            return ScoredSample(
                rollout: rollout, reward: RewardVector(components: [], total: nil), judgeCalls: [], parseStatus: "no_judge",
                aggregates: [:], refLogprobMean: nil)
        }
        let log = JudgeCallLog()
        let judgement: RubricJudgement
        do {
            let judge = try RubricJudge(template: template, config: judgeConfig, backend: RecordingJudgeBackend(inner: backend, log: log))
            judgement = try await judge.judge(rollout: rollout, scenario: scenario, session: session)
        } catch {
            return ScoredSample(
                rollout: rollout, reward: RewardVector(components: [], total: nil), judgeCalls: [], parseStatus: "judge_error",
                aggregates: [:], refLogprobMean: nil)
        }
        let entries = await log.entries
        let params = judgeConfig.sampling.canonicalJudgeParams
        var calls: [JudgeCallRecord] = []
        for (i, criterion) in scenario.criteria.enumerated() where i < judgement.verdicts.count {
            let v = judgement.verdicts[i]
            let own = entries.filter { $0.request.subjects == [criterion.id] }.sorted { $0.request.attempt < $1.request.attempt }
            let shared = entries.last { $0.request.subjects.count > 1 && $0.request.subjects.contains(criterion.id) }
            func record(_ requestText: String, raw: String?, status: VerdictStatus, met: Bool?, entry: JudgeCallLog.Entry?, cached: Bool, error: String?)
                -> JudgeCallRecord
            {
                JudgeCallRecord(
                    criterionID: criterion.id, dimension: criterion.dimension?.rawValue, criterionWeight: criterion.weight,
                    templateHash: template.hash, judgeModel: judgeConfig.model, judgeParams: params, requestText: requestText,
                    rawResponse: raw, status: status, met: met, latency: entry?.latency, promptTokens: entry?.response?.inputTokens,
                    completionTokens: entry?.response?.outputTokens, cacheHit: cached, error: error)
            }
            if !own.isEmpty {
                for (k, e) in own.enumerated() {
                    let last = k == own.count - 1
                    calls.append(
                        record(
                            e.request.renderedText, raw: e.response?.text, status: last ? v.verdict.status : (e.error == nil ? .nonBinary : .failed),
                            met: last ? v.verdict.met : nil, entry: e, cached: false, error: e.error ?? (last ? v.failure : nil)))
                }
            } else if let e = shared {
                calls.append(
                    record(
                        e.request.renderedText, raw: v.verdict.status == .failed ? nil : v.verdict.rawText, status: v.verdict.status,
                        met: v.verdict.met, entry: e, cached: v.cached, error: v.failure))
            } else {
                let text = template.callProtocol == .perCriterion
                    ? JudgeRequest(
                        model: judgeConfig.model, messages: template.messages(["response": judgement.judgedText, "criterion": criterion.title]),
                        sampling: judgeConfig.sampling, templateName: template.name, templateHash: template.hash, subjects: [criterion.id],
                        attempt: 0
                    ).renderedText
                    : ""
                calls.append(
                    record(
                        text, raw: v.verdict.status == .failed ? nil : v.verdict.rawText, status: v.verdict.status, met: v.verdict.met,
                        entry: nil, cached: v.cached, error: v.failure))
            }
        }
        let reward = judgement.rewardVector(components: config.rewards.effectiveComponents, step: step)
        var aggregates: [String: Double?] = ["official": judgement.score.official, "paper": judgement.score.paper]
        aggregates["judge_calls"] = Double(entries.count)
        let status: String
        if let floored = judgement.floored {
            status = "floor_" + floored.rawValue
        } else if let missing = judgement.score.missing {
            status = "missing_" + missing.rawValue
        } else {
            status = "ok"
        }
        return ScoredSample(
            rollout: rollout, reward: reward, judgeCalls: calls, parseStatus: status, aggregates: aggregates, refLogprobMean: nil)
    }

    func scoreChoice(_ rollout: Rollout, item: MultipleChoiceItem, choice: MultipleChoicePrompt?, step: Int) async -> ScoredSample {
        let log = JudgeCallLog()
        let permutation = choice?.permutation ?? .identity(item.options.count)
        let result: SocialR1Result
        do {
            let scorer = try SocialR1Scorer(
                rewards: choiceRewards, structure: try processJudge("structure", structureTemplate, log: log),
                content: try processJudge("content", contentTemplate, log: log))
            result = await scorer.score(
                completion: rollout.completionText, item: item, permutation: permutation, step: step, session: session)
        } catch {
            return ScoredSample(
                rollout: rollout, reward: RewardVector(components: [], total: nil), judgeCalls: [], parseStatus: "scorer_error",
                aggregates: [:], refLogprobMean: nil)
        }
        let entries = await log.entries
        var calls: [JudgeCallRecord] = []
        if let judgeConfig = config.judge {
            let params = judgeConfig.sampling.canonicalJudgeParams
            for judgement in result.judgements {
                let template = judgement.component == "structure" ? structureTemplate : contentTemplate
                let own = entries.filter { $0.request.subjects == [judgement.component] }.sorted { $0.request.attempt < $1.request.attempt }
                if own.isEmpty {
                    calls.append(
                        JudgeCallRecord(
                            criterionID: judgement.component, templateHash: judgement.templateHash, judgeModel: judgeConfig.model,
                            judgeParams: params, requestText: "", rawResponse: judgement.rawText.isEmpty ? nil : judgement.rawText,
                            status: judgement.status, met: nil, cacheHit: judgement.cached, error: judgement.failure))
                }
                for (k, e) in own.enumerated() {
                    let last = k == own.count - 1
                    calls.append(
                        JudgeCallRecord(
                            criterionID: judgement.component, templateHash: template?.hash ?? judgement.templateHash,
                            judgeModel: judgeConfig.model, judgeParams: params, requestText: e.request.renderedText,
                            rawResponse: e.response?.text, status: last ? judgement.status : (e.error == nil ? .nonBinary : .failed),
                            met: nil, latency: e.latency, promptTokens: e.response?.inputTokens, completionTokens: e.response?.outputTokens,
                            cacheHit: false, error: e.error ?? (last ? judgement.failure : nil)))
                }
            }
        }
        let v = result.verification
        var aggregates: [String: Double?] = [
            "correct": v.correct ? 1 : 0,
            "gold_displayed_index": Double(permutation.displayedIndex(ofOriginal: v.goldOriginalIndex)),
            "predicted_original_index": v.predictedOriginalIndex.map(Double.init),
            "length_reward": result.length.value,
        ]
        for name in result.gated { aggregates["gated_" + name] = 1 }
        return ScoredSample(
            rollout: rollout, reward: result.reward, judgeCalls: calls, parseStatus: v.extraction.status.rawValue,
            aggregates: aggregates, refLogprobMean: nil)
    }
}
