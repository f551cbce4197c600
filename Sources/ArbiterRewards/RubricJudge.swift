import ArbiterCore

/// Scores policy outputs against a MoReBench-style rubric with an LLM judge.
///
/// Flow for one output: select the judged text (``ArbiterCore/JudgedText``, `<think>` stripping);
/// empty, refused or truncated outputs get ``ArbiterCore/JudgeConfig/floor`` without judge calls;
/// otherwise each criterion is looked up in the session's cache, then judged (one call per
/// criterion for `per_criterion` templates, one call for all pending criteria for `batched`
/// ones), each call admitted by the session's budget. Unreadable answers are re-asked up to
/// `max_retries` times; what stays undecided follows `failure_policy`. A failed or denied call
/// makes the verdict `failed` and the score missing.
public struct RubricJudge: Sendable {
    /// The judge template (`per_criterion` or `batched`).
    public var template: JudgeTemplate
    /// Judge settings (model, parser, aggregator, retries, failure policy, floor, sampling).
    public var config: JudgeConfig
    /// Where calls go.
    public var backend: any JudgeBackend
    /// Refusal detection for judge answers and policy outputs.
    public var refusals: RefusalDetector

    /// Creates a judge.
    ///
    /// - Throws: ``RewardsError`` (`invalid_config`) when the template is not a rubric template.
    public init(template: JudgeTemplate, config: JudgeConfig, backend: any JudgeBackend, refusals: RefusalDetector = RefusalDetector())
        throws
    {
        guard template.callProtocol == .perCriterion || template.callProtocol == .batched else {
            throw RewardsError(
                .invalidConfig,
                "template `\(template.name)` has protocol `\(template.callProtocol.rawValue)`; a rubric judge needs `per_criterion` or `batched`",
                context: template.file)
        }
        self.template = template
        self.config = config
        self.backend = backend
        self.refusals = refusals
    }

    /// Judges a rollout against a scenario's rubric.
    public func judge(rollout: Rollout, scenario: RubricScenario, session: JudgeSession) async throws -> RubricJudgement {
        try await judge(completion: rollout.completionText, truncated: rollout.truncated, criteria: scenario.criteria, session: session)
    }

    /// Judges one policy completion.
    ///
    /// - Throws: ``RewardsError`` (`invalid_input`) when criterion ids repeat. Judge failures never throw.
    public func judge(completion: String, truncated: Bool, criteria: [RubricCriterion], session: JudgeSession) async throws
        -> RubricJudgement
    {
        var ids = Set<String>()
        for c in criteria where !ids.insert(c.id).inserted {
            throw RewardsError(.invalidInput, "criterion id `\(c.id)` occurs more than once in the rubric")
        }
        let text = config.judgedText.extract(from: completion, stripThink: config.stripThink)
        let textHash = SHA256.hex(text)
        var result = RubricJudgement(
            judgedText: text, judgedTextHash: textHash, templateName: template.name, templateHash: template.hash,
            floored: nil, verdicts: [], score: .floored(criteria: criteria, aggregator: config.aggregator, floor: config.floor),
            aggregator: config.aggregator, reward: config.floor
        )
        if truncated {
            result.floored = .truncated
        } else if text.isEmpty {
            result.floored = .empty
        } else if refusals.isRefusal(text) {
            result.floored = .refusal
        }
        if result.floored != nil { return result }

        let records: [JudgedVerdict]
        switch template.callProtocol {
        case .batched: records = await judgeBatched(text: text, textHash: textHash, criteria: criteria, session: session)
        default: records = await judgeEach(text: text, textHash: textHash, criteria: criteria, session: session)
        }
        result.verdicts = records
        result.score = RubricScore.aggregate(
            zip(criteria, records).map { JudgedCriterion(criterion: $0.0, verdict: $0.1.verdict) },
            failurePolicy: config.failurePolicy
        )
        result.reward = result.score.value(config.aggregator)
        return result
    }

    func cacheKey(_ textHash: String, _ c: RubricCriterion) -> JudgeCacheKey {
        JudgeCacheKey(
            judgedTextHash: textHash, subject: JudgeCacheKey.subject(for: c), templateHash: template.hash, model: config.model,
            sampling: config.sampling)
    }

    /// A cached answer re-read with this judge's parser; an answer this parser cannot decide
    /// (cached by a `substring` judge, read by a `strict` one) is a miss.
    func cachedVerdict(_ key: JudgeCacheKey, _ c: RubricCriterion, _ session: JudgeSession) async -> JudgedVerdict? {
        let parser = config.parser
        let refusals = refusals
        guard let hit = await session.lookup(key, where: { parser.verdict(for: c, rawText: $0.rawText, refusals: refusals).met != nil })
        else {
            return nil
        }
        return record(parser.verdict(for: c, rawText: hit.rawText, refusals: refusals), calls: 0, cached: true)
    }

    func request(_ messages: [ChatMessage], subjects: [String], attempt: Int) -> JudgeRequest {
        JudgeRequest(
            model: config.model, messages: messages, sampling: config.sampling, templateName: template.name, templateHash: template.hash,
            subjects: subjects, attempt: attempt)
    }

    func record(_ v: Verdict, calls: Int, cached: Bool = false, earlier: [String] = [], callText: String? = nil, failure: String? = nil)
        -> JudgedVerdict
    {
        JudgedVerdict(
            verdict: v, parser: config.parser, templateHash: template.hash, model: config.model, calls: calls, cached: cached,
            earlierAnswers: earlier, callText: callText, failure: failure)
    }

    /// `per_criterion`: one call per criterion (concurrently), each with its own retries.
    func judgeEach(text: String, textHash: String, criteria: [RubricCriterion], session: JudgeSession) async -> [JudgedVerdict] {
        await withTaskGroup(of: (Int, JudgedVerdict).self) { group in
            for (i, c) in criteria.enumerated() {
                group.addTask { (i, await self.judgeOne(text: text, textHash: textHash, criterion: c, session: session)) }
            }
            var out = [JudgedVerdict?](repeating: nil, count: criteria.count)
            for await (i, r) in group { out[i] = r }
            return out.map { $0! }
        }
    }

    func judgeOne(text: String, textHash: String, criterion c: RubricCriterion, session: JudgeSession) async -> JudgedVerdict {
        let key = cacheKey(textHash, c)
        if let hit = await cachedVerdict(key, c, session) { return hit }
        let values = ["response": text, "criterion": c.title]
        var messages = template.messages(values)
        var earlier: [String] = []
        var attempt = 0
        while true {
            guard await session.admitCall() == .allow else {
                return record(.failed(criterionID: c.id), calls: attempt, earlier: earlier, failure: "judge-call budget spent")
            }
            let answer: String
            do {
                answer = try await backend.complete(request(messages, subjects: [c.id], attempt: attempt)).text
            } catch {
                return record(.failed(criterionID: c.id), calls: attempt + 1, earlier: earlier, failure: String(describing: error))
            }
            let v = config.parser.verdict(for: c, rawText: answer, refusals: refusals)
            if v.met != nil {
                await session.store(JudgeCacheEntry(rawText: answer, status: v.status, met: v.met), for: key)
                return record(v, calls: attempt + 1, earlier: earlier)
            }
            if attempt >= config.maxRetries { return record(v, calls: attempt + 1, earlier: earlier) }
            earlier.append(answer)
            attempt += 1
            messages = template.retryMessages(values, previousAnswer: answer)
        }
    }

    /// The `{criteria}` rendering: one JSON object per line, `{"id": ..., "criterion": ...}`.
    public static func renderCriteria(_ criteria: [RubricCriterion]) -> String {
        criteria.map { "{\"id\": \(JSONText.quote($0.id)), \"criterion\": \(JSONText.quote($0.title))}" }.joined(separator: "\n")
    }

    /// Reads a batched answer: the JSON list's `verdict` strings by `id` (a boolean is read as
    /// yes/no; an id given two different verdicts is left out, i.e. undecided).
    public static func batchedEntries(_ text: String) -> [String: String]? {
        guard let list = JSONText.embeddedArray(in: text) else { return nil }
        var out: [String: String] = [:]
        var conflicting = Set<String>()
        for element in list {
            guard case .object(let obj) = element, let id = obj["id"]?.string else { continue }
            let value: String
            switch obj["verdict"] {
            case .string(let s)?: value = s
            case .bool(let b)?: value = b ? "yes" : "no"
            default: continue
            }
            if let previous = out[id], previous != value { conflicting.insert(id) }
            out[id] = value
        }
        for id in conflicting { out[id] = nil }
        return out
    }

    /// `batched`: one call for all criteria not in the cache; retries ask again for the undecided ones only.
    func judgeBatched(text: String, textHash: String, criteria: [RubricCriterion], session: JudgeSession) async -> [JudgedVerdict] {
        var out = [JudgedVerdict?](repeating: nil, count: criteria.count)
        var pending: [Int] = []
        for (i, c) in criteria.enumerated() {
            if let hit = await cachedVerdict(cacheKey(textHash, c), c, session) {
                out[i] = hit
            } else {
                pending.append(i)
            }
        }
        var earlier: [Int: [String]] = [:]
        var attempt = 0
        var previous: String?
        while !pending.isEmpty {
            let subset = pending.map { criteria[$0] }
            let values = ["response": text, "criteria": Self.renderCriteria(subset)]
            let messages = previous.map { template.retryMessages(values, previousAnswer: $0) } ?? template.messages(values)
            guard await session.admitCall() == .allow else {
                for i in pending {
                    out[i] = record(
                        .failed(criterionID: criteria[i].id), calls: attempt, earlier: earlier[i] ?? [], failure: "judge-call budget spent")
                }
                break
            }
            let answer: String
            do {
                answer = try await backend.complete(request(messages, subjects: subset.map(\.id), attempt: attempt)).text
            } catch {
                for i in pending {
                    out[i] = record(
                        .failed(criterionID: criteria[i].id), calls: attempt + 1, earlier: earlier[i] ?? [],
                        failure: String(describing: error))
                }
                break
            }
            let entries = Self.batchedEntries(answer)
            var still: [Int] = []
            for i in pending {
                let c = criteria[i]
                let v: Verdict
                if let entry = entries?[c.id] {
                    v = config.parser.verdict(for: c, rawText: entry, refusals: refusals)
                } else {
                    let status = VerdictParser.status(of: answer, refusals: refusals)
                    v = Verdict(criterionID: c.id, rawText: answer, status: status == .ok ? .nonBinary : status, met: nil)
                }
                if v.met != nil {
                    await session.store(JudgeCacheEntry(rawText: v.rawText, status: v.status, met: v.met), for: cacheKey(textHash, c))
                    out[i] = record(v, calls: attempt + 1, earlier: earlier[i] ?? [], callText: answer)
                } else if attempt >= config.maxRetries {
                    out[i] = record(v, calls: attempt + 1, earlier: earlier[i] ?? [], callText: answer)
                } else {
                    earlier[i, default: []].append(answer)
                    still.append(i)
                }
            }
            pending = still
            previous = answer
            attempt += 1
        }
        return out.map { $0! }
    }
}
