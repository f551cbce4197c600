import ArbiterCore

/// A whole-response judgement for a Social-R1 process component (`structure`, `content`).
public struct ProcessJudgement: Sendable, Hashable, Codable {
    /// The component name.
    public var component: String
    /// The score in [0, 1]; nil when missing (failed or denied call, unreadable after retries).
    public var value: Double?
    /// Status of the last answer (`failed` when the call failed).
    public var status: VerdictStatus
    /// The last raw judge answer (empty for a failed call).
    public var rawText: String
    /// Template hash.
    public var templateHash: String
    /// Judge calls made (0 when cached or skipped).
    public var calls: Int
    /// Whether it came from the cache.
    public var cached: Bool
    /// Raw answers of earlier attempts that did not parse.
    public var earlierAnswers: [String]
    /// Why the call failed, when it did.
    public var failure: String?
}

/// Calls a judge with a `per_response` template and reads its answer into a score in [0, 1].
///
/// - `json_stages` (structure): the judge answers `yes`/`no` per stage plus `in_order`; score =
///   stages present / stages, halved when `in_order` is `no`. Every stage and `in_order` must be
///   present with a strict yes/no (or a JSON boolean), otherwise the answer is unreadable.
/// - `json_steps` (content): `{"steps": [{"step": 1, "grounded": "yes"}, …]}`; score = grounded /
///   steps. An empty list or a value other than a strict yes/no is unreadable.
///
/// Unreadable answers are re-asked up to `max_retries` times, then the value is missing; a
/// failed or budget-denied call makes it missing at once. Never 0 for a failure.
public struct ProcessJudge: Sendable {
    /// The component it scores.
    public var component: String
    /// The `per_response` template.
    public var template: JudgeTemplate
    /// Judge model, sampling and retries (parser, aggregator and floor do not apply).
    public var config: JudgeConfig
    /// Where calls go.
    public var backend: any JudgeBackend

    /// Creates a process judge.
    ///
    /// - Throws: ``RewardsError`` (`invalid_config`) unless the template is `per_response`.
    public init(component: String, template: JudgeTemplate, config: JudgeConfig, backend: any JudgeBackend) throws {
        guard template.callProtocol == .perResponse else {
            throw RewardsError(
                .invalidConfig,
                "the `\(component)` judge needs a `per_response` template; `\(template.name)` is `\(template.callProtocol.rawValue)`",
                context: template.file)
        }
        self.component = component
        self.template = template
        self.config = config
        self.backend = backend
    }

    /// Reads a judge answer; nil when unreadable.
    public func parse(_ text: String) -> Double? {
        switch template.answerFormat {
        case .jsonStages: Self.parseStages(text, stages: template.stages)?.score
        case .jsonSteps: Self.parseSteps(text)?.score
        default: nil
        }
    }

    /// Reads a `json_stages` answer.
    public static func parseStages(_ text: String, stages: [String]) -> (score: Double, present: [String: Bool], inOrder: Bool)? {
        guard !stages.isEmpty, let obj = JSONText.embeddedObject(in: text) else { return nil }
        var present: [String: Bool] = [:]
        for s in stages {
            guard let v = obj[s]?.yesNo else { return nil }
            present[s] = v
        }
        guard let inOrder = obj["in_order"]?.yesNo else { return nil }
        let fraction = Double(present.values.filter { $0 }.count) / Double(stages.count)
        return (inOrder ? fraction : fraction / 2, present, inOrder)
    }

    /// Reads a `json_steps` answer.
    public static func parseSteps(_ text: String) -> (score: Double, grounded: Int, total: Int)? {
        guard let obj = JSONText.embeddedObject(in: text), case .array(let steps)? = obj["steps"], !steps.isEmpty else { return nil }
        var grounded = 0
        for step in steps {
            guard case .object(let s) = step, let g = s["grounded"]?.yesNo else { return nil }
            if g { grounded += 1 }
        }
        return (Double(grounded) / Double(steps.count), grounded, steps.count)
    }

    /// Judges one response; `values` fill the template's placeholders.
    public func judge(values: [String: String], session: JudgeSession) async -> ProcessJudgement {
        let canonical = values.keys.sorted().map { "\($0)=\(values[$0]!)" }.joined(separator: "\u{1f}")
        let key = JudgeCacheKey(
            judgedTextHash: SHA256.hex(canonical), subject: component, templateHash: template.hash, model: config.model,
            sampling: config.sampling)
        var result = ProcessJudgement(
            component: component, value: nil, status: .failed, rawText: "", templateHash: template.hash, calls: 0, cached: false,
            earlierAnswers: [], failure: nil)
        if let hit = await session.lookup(key) {
            result.value = hit.score
            result.status = hit.status
            result.rawText = hit.rawText
            result.cached = true
            return result
        }
        var messages = template.messages(values)
        var attempt = 0
        while true {
            guard await session.admitCall() == .allow else {
                result.failure = "judge-call budget spent"
                result.status = .failed
                result.rawText = ""
                return result
            }
            let answer: String
            do {
                answer = try await backend.complete(
                    JudgeRequest(
                        model: config.model, messages: messages, sampling: config.sampling, templateName: template.name,
                        templateHash: template.hash, subjects: [component], attempt: attempt
                    )
                ).text
            } catch {
                result.calls = attempt + 1
                result.failure = String(describing: error)
                result.status = .failed
                result.rawText = ""
                return result
            }
            result.calls = attempt + 1
            result.rawText = answer
            if let score = parse(answer) {
                result.value = score
                result.status = .ok
                await session.store(JudgeCacheEntry(rawText: answer, status: .ok, score: score), for: key)
                return result
            }
            let status = VerdictParser.status(of: answer)
            result.status = status == .ok ? .nonBinary : status
            if attempt >= config.maxRetries { return result }
            result.earlierAnswers.append(answer)
            attempt += 1
            messages = template.retryMessages(values, previousAnswer: answer)
        }
    }
}
