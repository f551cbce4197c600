import ArbiterCore

/// Deterministic synthetic log content for benchmarks, crash tests and demos.
///
/// Every group is a pure function of (run, step, index), so a test can regenerate exactly what
/// a child process wrote.
public struct SyntheticRewardLog: Sendable {
    /// The size of what is generated.
    public struct Shape: Sendable, Hashable {
        /// Samples per group.
        public var samplesPerGroup: Int
        /// Judge calls per sample.
        public var judgeCallsPerSample: Int
        /// Reward components per sample.
        public var components: Int
        /// Completion length in tokens (ids and logprobs stored).
        public var completionTokens: Int
        /// Prompt length in tokens (ids stored once per group, content-addressed).
        public var promptTokens: Int
        /// Completion text bytes.
        public var completionTextBytes: Int
        /// Prompt text bytes (stored once per group, content-addressed).
        public var promptTextBytes: Int
        /// Judge request text bytes.
        public var requestTextBytes: Int
        /// Whether every judge call has its own request text (true) or all calls of a sample share one.
        public var distinctRequests: Bool

        /// Creates a shape.
        public init(
            samplesPerGroup: Int = 8, judgeCallsPerSample: Int = 0, components: Int = 3, completionTokens: Int = 64,
            promptTokens: Int = 100, completionTextBytes: Int = 256, promptTextBytes: Int = 400,
            requestTextBytes: Int = 256, distinctRequests: Bool = true
        ) {
            self.samplesPerGroup = samplesPerGroup
            self.judgeCallsPerSample = judgeCallsPerSample
            self.components = components
            self.completionTokens = completionTokens
            self.promptTokens = promptTokens
            self.completionTextBytes = completionTextBytes
            self.promptTextBytes = promptTextBytes
            self.requestTextBytes = requestTextBytes
            self.distinctRequests = distinctRequests
        }
    }

    /// The run id.
    public let runID: String
    /// The shape.
    public let shape: Shape
    private let filler: String
    private let completionIDs: [Int]
    private let logprobs: [Double]

    /// Creates a generator.
    public init(runID: String, shape: Shape = Shape()) {
        self.runID = runID
        self.shape = shape
        let words = "the agent believes that the box holds the ball because she saw it moved while he was away so "
        let need = max(shape.completionTextBytes, shape.promptTextBytes, shape.requestTextBytes) + 64
        filler = String(String(repeating: words, count: need / words.utf8.count + 1).prefix(need))
        completionIDs = (0..<shape.completionTokens).map { ($0 &* 7919 &+ 13) % 151_000 }
        logprobs = (0..<shape.completionTokens).map { -Double($0 % 17) * 0.125 }
    }

    /// The run record.
    public func run(startedAt: Double, codeVersion: String = "synthetic") -> RunRecord {
        let yaml = "run:\n  name: \(runID)\n  seed: 0\n"
        return RunRecord(
            id: runID, name: runID, configYAML: yaml, configHash: FastSHA256.digest(yaml).hex, codeVersion: codeVersion,
            startedAt: startedAt)
    }

    /// The prompt id of group `index` of `step`.
    public func promptID(step: Int, index: Int) -> PromptID {
        var x = UInt64(truncatingIfNeeded: step) &* 0x9E37_79B9_7F4A_7C15 ^ UInt64(truncatingIfNeeded: index) &* 0xC2B2_AE3D_27D4_EB4F
        x ^= x >> 29
        let hi = String(x, radix: 16)
        let lo = String(x &* 0x1656_67B1_9E37_79F9 ^ UInt64(truncatingIfNeeded: index), radix: 16)
        return PromptID(String(repeating: "0", count: 16 - hi.count) + hi + String(repeating: "0", count: 16 - lo.count) + lo)
    }

    private func text(_ bytes: Int, tag: String) -> String {
        guard bytes > tag.utf8.count else { return String(tag.prefix(max(0, bytes))) }
        return tag + " " + filler.prefix(bytes - tag.utf8.count - 1)
    }

    /// Group `index` of `step`.
    public func group(step: Int, index: Int) -> GroupRecord {
        let pid = promptID(step: step, index: index)
        // Group and rollout ids in the engine's format (`StepAssembler.groupID`, `GenerationRequest.rolloutID`).
        let groupID = "s\(step)-e0-\(pid.rawValue.prefix(16))"
        let promptText = text(shape.promptTextBytes, tag: "prompt \(pid.rawValue)")
        let promptIDs = (0..<shape.promptTokens).map { ($0 &* 31 &+ index) % 151_000 }
        var samples: [SampleRecord] = []
        samples.reserveCapacity(shape.samplesPerGroup)
        for s in 0..<shape.samplesPerGroup {
            let rid = "\(groupID)/\(s)"
            let rollout = Rollout(
                id: rid, promptID: pid, sampleIndex: s, endpoint: "http://10.0.0.\(s % 4 + 1):8000", policyVersion: PolicyVersion(step),
                promptText: promptText, completionText: text(shape.completionTextBytes, tag: "answer \(rid)"),
                promptTokenIDs: shape.promptTokens > 0 ? promptIDs : nil,
                completionTokenIDs: shape.completionTokens > 0 ? completionIDs : nil,
                completionLogprobs: shape.completionTokens > 0 ? logprobs : nil,
                finishReason: (index + s) % 11 == 0 ? .length : .stop, completionTokens: shape.completionTokens,
                timing: RolloutTiming(requestedAt: Double(step) * 10, firstTokenAt: Double(step) * 10 + 0.05, completedAt: Double(step) * 10 + 1.5))
            let value = Double((index &* 31 &+ s &* 17) % 100) / 100
            var components: [RewardComponent] = []
            for c in 0..<shape.components {
                components.append(
                    RewardComponent(name: "c\(c)", value: (index + s + c) % 23 == 0 ? nil : value, weight: 1.0 / Double(shape.components)))
            }
            var calls: [JudgeCallRecord] = []
            calls.reserveCapacity(shape.judgeCallsPerSample)
            let sharedRequest = shape.distinctRequests ? nil : text(shape.requestTextBytes, tag: "judge \(rid)")
            for j in 0..<shape.judgeCallsPerSample {
                let met = (index + s + j) % 3 != 0
                calls.append(
                    JudgeCallRecord(
                        criterionID: "crit-\(j)", dimension: RubricDimension.allCases[j % 5].rawValue,
                        criterionWeight: j % 7 - 3, templateHash: "tmpl-v1", judgeModel: "judge-7b",
                        judgeParams: "max_tokens=8;temperature=0",
                        requestText: sharedRequest ?? text(shape.requestTextBytes, tag: "judge \(rid) #\(j)"),
                        rawResponse: met ? "Yes" : "No", status: .ok, met: met, latency: 0.2 + Double(j % 5) * 0.01,
                        promptTokens: shape.requestTextBytes / 4, completionTokens: 1, cacheHit: j % 10 == 0))
            }
            samples.append(
                SampleRecord(
                    rollout: rollout, parseStatus: s % 13 == 0 ? "no_answer" : "ok", judgeCalls: calls,
                    reward: RewardVector(components: components, missing: .renormalize),
                    aggregates: ["weighted_mean": value], advantage: AdvantageRecord(estimator: "grpo", paramsHash: "p1", value: value - 0.5)))
        }
        return GroupRecord(
            runID: runID, step: step, groupID: groupID, promptID: pid, epoch: 0,
            ordinal: step * 1_000_000 + index, samples: samples)
    }
}
