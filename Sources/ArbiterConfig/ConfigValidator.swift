import ArbiterCore
import Foundation
import Yams

/// Semantic checks of a decoded configuration: ranges, cross-field rules, files it points to,
/// the eval-only rule, and secrets kept out of the file. Each problem names file, line and field.
struct ConfigValidator {
    let loaded: LoadedConfig
    let root: Node
    let environment: [String: String]
    private(set) var issues: [ConfigIssue] = []

    /// Reward component names the reward pipeline knows.
    static let knownComponents: Set<String> = Set(["format", "outcome", "structure", "content", "length", "rubric"])
        .union(RubricDimension.allCases.map(\.componentName))

    init(loaded: LoadedConfig, root: Node, environment: [String: String]) {
        self.loaded = loaded
        self.root = root
        self.environment = environment
    }

    private var config: RunConfig { loaded.config }

    mutating func report(_ field: String, _ message: String, _ severity: ConfigIssue.Severity = .error) {
        let path = FieldPath(field)
        let (node, complete, keyNode) = path.locate(in: root)
        let mark = complete ? (node.mark ?? keyNode?.mark) : node.mark
        issues.append(ConfigIssue(file: loaded.displayPath, line: mark?.line, column: mark?.column, field: field, message: message, severity: severity))
    }

    mutating func validate() {
        validateRun()
        validateDataset(config.dataset, field: "dataset", training: config.run.mode == .train)
        for (i, d) in config.evalDatasets.enumerated() {
            validateDataset(d, field: "eval_datasets[\(i)]", training: false)
        }
        validatePolicy()
        validateJudge()
        validateRewards()
        validateAdvantage()
        validateSampling()
        validateStaleness()
        validateTrainer()
    }

    mutating func validateRun() {
        let run = config.run
        if run.name.trimmingCharacters(in: .whitespaces).isEmpty { report("run.name", "must not be empty") }
        if run.name.contains("/") { report("run.name", "must not contain `/` (it is used in run ids and file names)") }
        if run.steps < 1 { report("run.steps", "must be at least 1, found \(run.steps)") }
        if let e = run.epochs, e < 1 { report("run.epochs", "must be at least 1, found \(e)") }
        if run.storeBackend == .postgres && run.postgresURLEnv == nil {
            report("run.store_backend", "postgres needs `run.postgres_url_env`: the name of the environment variable holding the connection URL")
        }
        if let env = run.postgresURLEnv { checkEnvName(env, field: "run.postgres_url_env") }
    }

    mutating func validateDataset(_ d: DatasetConfig, field: String, training: Bool) {
        let url = loaded.resolve(d.path)
        var isDir: ObjCBool = false
        if !FileManager.default.fileExists(atPath: url.path, isDirectory: &isDir) {
            report("\(field).path", "no such file or folder: \(url.path) (relative paths resolve against the config file's folder)")
        } else if isDir.boolValue && d.kind != .tombenchJSONL {
            report("\(field).path", "\(d.kind.rawValue) needs a file, found a folder: \(url.path)")
        }
        if !["en", "zh"].contains(d.language) { report("\(field).language", "must be `en` or `zh`, found `\(d.language)`") }
        if let limit = d.limit, limit < 1 { report("\(field).limit", "must be at least 1, found \(limit)") }
        if d.kind == .tomTable {
            if d.format == nil && !(d.path.hasSuffix(".csv") || d.path.hasSuffix(".jsonl")) {
                report("\(field).format", "cannot infer the table format from `\(d.path)`: set `format: csv` or `format: jsonl`")
            }
            if let cols = d.columns, cols.options.count < 2 {
                report("\(field).columns.options", "name at least 2 option columns, found \(cols.options.count)")
            }
        } else if d.columns != nil {
            report("\(field).columns", "column mappings apply to `kind: tom_table` only", .warning)
        }
        if training && d.isEvalOnly {
            let why = d.kind == .tombenchJSONL
                ? "ToMBench is evaluation-only (its authors forbid training on it)"
                : "the dataset is marked `eval_only: true`"
            let at = d.evalOnly ? "\(field).eval_only" : "\(field).kind"
            report(at, "\(why), but `run.mode` is `train`: move it to `eval_datasets` or set `run.mode: eval`")
        }
    }

    mutating func validateEndpoints(_ endpoints: [EndpointConfig], field: String) {
        if endpoints.isEmpty { report(field, "list at least one endpoint") }
        for (i, e) in endpoints.enumerated() {
            checkURL(e.url, field: "\(field)[\(i)].url")
            if e.maxConcurrency < 1 { report("\(field)[\(i)].max_concurrency", "must be at least 1, found \(e.maxConcurrency)") }
            if let env = e.apiKeyEnv { checkEnvName(env, field: "\(field)[\(i)].api_key_env") }
            if let r = e.requestsPerSecond, r <= 0 { report("\(field)[\(i)].requests_per_second", "must be positive") }
            if let t = e.tokensPerMinute, t <= 0 { report("\(field)[\(i)].tokens_per_minute", "must be positive") }
        }
    }

    mutating func validateSamplingParams(_ s: SamplingParams, field: String) {
        if s.temperature < 0 { report("\(field).temperature", "must be ≥ 0, found \(s.temperature)") }
        if !(s.topP > 0 && s.topP <= 1) { report("\(field).top_p", "must be in (0, 1], found \(s.topP)") }
        if let k = s.topK, k < -1 || k == 0 { report("\(field).top_k", "must be ≥ 1 (or -1 for off), found \(k)") }
        if s.maxTokens < 1 { report("\(field).max_tokens", "must be at least 1, found \(s.maxTokens)") }
    }

    mutating func validatePolicy() {
        let p = config.policy
        if p.model.isEmpty { report("policy.model", "must not be empty") }
        validateEndpoints(p.endpoints, field: "policy.endpoints")
        validateSamplingParams(p.sampling, field: "policy.sampling")
        if p.groupSize < 1 { report("policy.group_size", "must be at least 1, found \(p.groupSize)") }
        if p.groupSize < 2 && config.run.mode == .train {
            report("policy.group_size", "group-relative advantages need at least 2 samples per prompt, found \(p.groupSize)")
        }
        if p.promptsPerStep < 1 { report("policy.prompts_per_step", "must be at least 1, found \(p.promptsPerStep)") }
        if p.maxConcurrency < 1 { report("policy.max_concurrency", "must be at least 1, found \(p.maxConcurrency)") }
        if p.timeoutSeconds <= 0 { report("policy.timeout_seconds", "must be positive") }
        if p.maxRetries < 0 { report("policy.max_retries", "must be ≥ 0") }
        if !(p.unavailableTimeoutSeconds > 0) { report("policy.unavailable_timeout_seconds", "must be positive") }
        if let t = p.promptTemplate {
            if !t.contains("{prompt}") { report("policy.prompt_template", "must contain the `{prompt}` placeholder") }
            if p.api != .completions {
                report("policy.prompt_template", "applies to `api: completions` only; chat servers apply their own template", .warning)
            }
        }
        if let r = config.reference {
            validateEndpoints(r.endpoints, field: "reference.endpoints")
            if !(r.unavailableTimeoutSeconds > 0) { report("reference.unavailable_timeout_seconds", "must be positive") }
        }
    }

    mutating func validateJudge() {
        let needsRubricJudge = config.dataset.kind == .morebenchCSV
            || config.evalDatasets.contains { $0.kind == .morebenchCSV }
        guard let j = config.judge else {
            if needsRubricJudge { report("dataset.kind", "MoReBench is scored by a rubric judge: add a `judge` section") }
            return
        }
        if j.model.isEmpty { report("judge.model", "must not be empty") }
        validateEndpoints(j.endpoints, field: "judge.endpoints")
        validateSamplingParams(j.sampling, field: "judge.sampling")
        checkFile(j.rubric, field: "judge.rubric", what: "rubric template")
        if j.maxRetries < 0 { report("judge.max_retries", "must be ≥ 0") }
        if !(j.unavailableTimeoutSeconds > 0) { report("judge.unavailable_timeout_seconds", "must be positive") }
        if let b = j.callBudget, b < 1 { report("judge.call_budget", "must be at least 1") }
        if j.aggregator == .paper && !(j.floor >= -1 && j.floor <= 1) {
            report("judge.floor", "the `paper` aggregator scores in [-1, 1]; a floor of \(j.floor) is outside it")
        }
        if j.aggregator == .official && !(j.floor >= 0 && j.floor <= 100) {
            report("judge.floor", "the `official` aggregator scores in [0, 100]; a floor of \(j.floor) is outside it")
        }
    }

    mutating func validateRewards() {
        let r = config.rewards
        let components = r.effectiveComponents
        var seen = Set<String>()
        for (i, c) in r.components.enumerated() {
            let f = "rewards.components[\(i)]"
            if !Self.knownComponents.contains(c.name) {
                report("\(f).name", "unknown reward component `\(c.name)`; known: \(Self.knownComponents.sorted().joined(separator: ", "))")
            }
            if !seen.insert(c.name).inserted { report("\(f).name", "component `\(c.name)` is listed twice") }
            if let points = c.schedule {
                if points.isEmpty { report("\(f).schedule", "an empty schedule: remove it or give points") }
                for (a, b) in zip(points, points.dropFirst()) where b.step <= a.step {
                    report("\(f).schedule", "steps must increase strictly (\(a.step) then \(b.step))")
                }
                for (k, p) in points.enumerated() where p.step < 0 {
                    report("\(f).schedule[\(k)].step", "must be ≥ 0")
                }
            }
            for req in c.requires where !components.contains(where: { $0.name == req }) {
                report("\(f).requires", "gates on `\(req)`, which is not a component of this run")
            }
        }
        if r.preset != nil && !r.components.isEmpty {
            report("rewards.preset", "both `preset` and `components` are set; `components` wins", .warning)
        }
        let names = Set(components.map(\.name))
        let processNeedsJudge = names.contains("structure") || names.contains("content")
        if processNeedsJudge && config.judge == nil {
            report("rewards", "the `structure` and `content` components are judged: add a `judge` section")
        }
        if names.contains("structure") {
            if let s = r.structureRubric { checkFile(s, field: "rewards.structure_rubric", what: "structure rubric") } else {
                report("rewards", "the `structure` component needs `structure_rubric`")
            }
        }
        if names.contains("content") {
            if let s = r.contentRubric { checkFile(s, field: "rewards.content_rubric", what: "content rubric") } else {
                report("rewards", "the `content` component needs `content_rubric`")
            }
        }
        if !["answer_tag", "double_brackets"].contains(r.answer.style) {
            report("rewards.answer.style", "must be `answer_tag` or `double_brackets`, found `\(r.answer.style)`")
        }
        let l = r.length
        if !(0 <= l.floor && l.floor <= l.target && l.target <= l.ceiling) {
            report("rewards.length", "needs 0 ≤ floor ≤ target ≤ ceiling, found \(l.floor), \(l.target), \(l.ceiling)")
        }
        let mcData = config.dataset.kind != .morebenchCSV
        if mcData && config.run.mode == .train && components.isEmpty {
            report("rewards", "a multiple-choice run needs reward components (e.g. `preset: outcome_only`)")
        }
    }

    mutating func validateAdvantage() {
        let a = config.advantage
        do {
            try AdvantageParamsCheck.check(estimator: a.estimator, params: a.params, componentCount: config.rewards.effectiveComponents.count)
        } catch {
            report(error.field, error.message)
        }
        if a.estimator == "flowrl_tb" && config.reference == nil {
            report("advantage.estimator", "flowrl_tb needs reference logprobs ℓ_ref: add a `reference` section (model and endpoints)")
        }
    }

    mutating func validateSampling() {
        let s = config.sampling
        let ds = s.dynamicSampling
        if ds.tolerance < 0 { report("sampling.dynamic_sampling.tolerance", "must be ≥ 0") }
        if ds.maxExtraBatches < 0 { report("sampling.dynamic_sampling.max_extra_batches", "must be ≥ 0") }
        let o = s.overlong
        if o.enabled {
            if o.buffer < 1 || o.buffer >= o.maxLength {
                report("sampling.overlong.buffer", "must be in [1, max_length), found \(o.buffer) with max_length \(o.maxLength)")
            }
            if o.factor <= 0 { report("sampling.overlong.factor", "must be positive") }
            if o.maxLength > config.policy.sampling.maxTokens {
                report("sampling.overlong.max_length", "exceeds policy.sampling.max_tokens (\(config.policy.sampling.maxTokens)): the penalty can never apply fully", .warning)
            }
        }
        if s.lengthPenalty < 0 { report("sampling.length_penalty", "must be ≥ 0") }
        if let lo = s.clipMin, let hi = s.clipMax, lo > hi { report("sampling.clip_min", "is greater than clip_max") }
        if s.scale == 0 || !s.scale.isFinite { report("sampling.scale", "must be a non-zero finite number") }
    }

    mutating func validateStaleness() {
        let s = config.staleness
        if s.maxStaleness < 0 { report("staleness.max_staleness", "must be ≥ 0") }
        if s.mode == .async && s.maxStaleness < 1 {
            report("staleness.max_staleness", "async mode overlaps generation with training, so it needs max_staleness ≥ 1")
        }
    }

    mutating func validateTrainer() {
        guard let t = config.trainer else {
            if config.run.mode == .train { report("trainer", "a training run needs a `trainer` section (url of a protocol-v1 trainer)") }
            return
        }
        checkURL(t.url, field: "trainer.url")
        if let env = t.tokenEnv { checkEnvName(env, field: "trainer.token_env") }
        if t.timeoutSeconds <= 0 { report("trainer.timeout_seconds", "must be positive") }
        if t.maxPendingBatches < 1 { report("trainer.max_pending_batches", "must be at least 1") }
    }

    mutating func checkURL(_ s: String, field: String) {
        guard let u = URL(string: s), let scheme = u.scheme, ["http", "https"].contains(scheme), u.host != nil else {
            report(field, "`\(s)` is not an http(s) URL")
            return
        }
    }

    /// Secrets are named by environment variable, never written in the file.
    mutating func checkEnvName(_ name: String, field: String) {
        let ok = !name.isEmpty && name.allSatisfy { $0.isASCII && ($0.isUppercase || $0.isNumber || $0 == "_") }
            && !(name.first?.isNumber ?? true)
        if !ok {
            report(field, "must name an environment variable (UPPER_SNAKE_CASE), not hold a secret; found `\(name.prefix(4))…`")
        } else if environment[name] == nil {
            report(field, "environment variable \(name) is not set in this shell", .warning)
        }
    }

    mutating func checkFile(_ path: String, field: String, what: String) {
        let url = loaded.resolve(path)
        if !FileManager.default.fileExists(atPath: url.path) {
            report(field, "\(what) not found: \(url.path) (relative paths resolve against the config file's folder)")
        }
    }
}
