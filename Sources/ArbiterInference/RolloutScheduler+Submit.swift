import ArbiterCore

extension RolloutScheduler {
    /// Generates the samples of one prompt; waits for admission (staleness control), then for
    /// every sample. Failed samples are reported in ``GenerationResult/errors``.
    ///
    /// - Throws: ``InferenceError/Code/shutdown`` when the scheduler is stopping, or
    ///   ``InferenceError/Code/cancelled`` when the calling task was cancelled and nothing came back.
    public nonisolated func submit(_ request: GenerationRequest) async throws(InferenceError) -> GenerationResult {
        try await generate([request], stepDeadline: nil)[0]
    }

    /// Generates a training step's prompts together under the configured
    /// ``StepDeadlinePolicy``: with `.partialAfter`, groups still unfinished at the deadline
    /// come back with the samples they have, flagged ``GenerationResult/partial``.
    public nonisolated func generateStep(_ requests: [GenerationRequest]) async throws(InferenceError) -> [GenerationResult] {
        let deadline: Double? =
            switch configuration.stepDeadline {
            case .wait: nil
            case .partialAfter(let seconds): now() + seconds
            }
        return try await generate(requests, stepDeadline: deadline)
    }

    /// Sends one call (a judge prompt, a reference-scoring call) through the same routing,
    /// retries, circuit breaker and rate limits as generation; no admission control.
    ///
    /// - Parameter timeout: overall deadline in seconds (nil: the configured request deadline).
    public nonisolated func complete(_ call: InferenceCall, timeout: Double? = nil) async throws(InferenceError)
        -> InferenceResponse
    {
        let deadline = timeout.map { now() + $0 }
        let ids = try await submitGroups(
            [[call]], bodies: [[OpenAIWire.body(for: call)]], firstSamples: [[0]], needsAdmission: false, stepDeadline: nil,
            requestDeadline: deadline)
        let outcomes = await awaitGroupsCancellable(ids)
        guard let outcome = outcomes.first?.calls.first else {
            throw InferenceError(.shutdown, "call ended without an outcome")
        }
        return try outcome.result.get()
    }

    /// The trainer published `version`: groups generated from now on are tagged with it, and
    /// admission control may start more groups.
    public func updatePolicyVersion(_ version: PolicyVersion) {
        guard version > self.currentVersion else { return }
        self.currentVersion = version
        executeOutput(machine.updatePolicyVersion(version, now: now()))
    }

    /// The engine discarded `count` finished groups (dynamic sampling): they stop counting as
    /// accepted, so as many new groups may start.
    public func recordRejected(_ count: Int) {
        executeOutput(machine.recordRejected(count, now: now()))
    }

    /// The policy version new attempts are tagged with.
    public var policyVersion: PolicyVersion { currentVersion }

    /// A snapshot of the counters.
    public func metrics() -> SchedulerMetrics {
        machine.metrics(now: now())
    }

    // MARK: Internals

    nonisolated func generate(_ requests: [GenerationRequest], stepDeadline: Double?) async throws(InferenceError)
        -> [GenerationResult]
    {
        var calls: [[InferenceCall]] = []
        var bodies: [[[UInt8]]] = []
        var firsts: [[Int]] = []
        calls.reserveCapacity(requests.count)
        bodies.reserveCapacity(requests.count)
        for request in requests {
            let (c, f) = makeCalls(request)
            calls.append(c)
            // Request bodies are encoded here, on the caller's task, not on the scheduler.
            bodies.append(c.map(OpenAIWire.body(for:)))
            firsts.append(f)
        }
        let ids = try await submitGroups(
            calls, bodies: bodies, firstSamples: firsts, needsAdmission: true, stepDeadline: stepDeadline, requestDeadline: nil)
        let outcomes = await awaitGroupsCancellable(ids)
        var results: [GenerationResult] = []
        results.reserveCapacity(requests.count)
        for (request, outcome) in zip(requests, outcomes) {
            results.append(Self.result(for: request, outcome: outcome))
        }
        if let first = results.first, results.allSatisfy({ $0.rollouts.isEmpty }),
            let error = first.errors.first, error.code == .shutdown || error.code == .cancelled,
            results.allSatisfy({ $0.errors.allSatisfy { $0.code == error.code } })
        {
            throw error
        }
        return results
    }

    /// The wire calls of a request and the sample index of each call's first choice.
    nonisolated func makeCalls(_ request: GenerationRequest) -> ([InferenceCall], [Int]) {
        let g = configuration.generation
        let sampling = request.sampling ?? g.sampling
        var request = request
        if request.seed == nil { request.seed = sampling.seed }
        let input: PromptInput
        switch (g.api, request.input) {
        case (.chat, .text(let text)):
            var messages: [ChatMessage] = []
            if let system = g.systemPrompt { messages.append(ChatMessage(role: "system", content: system)) }
            messages.append(ChatMessage(role: "user", content: text))
            input = .chat(messages)
        case (_, .chat(let messages)):
            if let system = g.systemPrompt, messages.first?.role != "system" {
                input = .chat([ChatMessage(role: "system", content: system)] + messages)
            } else {
                input = .chat(messages)
            }
        default:
            input = request.input
        }
        switch g.requestMode {
        case .nPerRequest:
            let call = InferenceCall(
                api: g.api, model: g.model, input: input, n: max(1, request.samples), sampling: sampling,
                seed: request.requestSeed, stream: g.stream, returnTokenIDs: g.returnTokenIDs)
            return ([call], [0])
        case .onePerSample:
            var calls: [InferenceCall] = []
            calls.reserveCapacity(request.samples)
            for i in 0..<max(1, request.samples) {
                calls.append(
                    InferenceCall(
                        api: g.api, model: g.model, input: input, n: 1, sampling: sampling, seed: request.sampleSeed(i),
                        stream: g.stream, returnTokenIDs: g.returnTokenIDs))
            }
            return (calls, Array(0..<calls.count))
        }
    }

    /// Assembles rollouts from a group's outcomes (off the actor).
    static func result(for request: GenerationRequest, outcome: GroupOutcome) -> GenerationResult {
        var rollouts: [Rollout] = []
        var errors: [InferenceError] = []
        for call in outcome.calls {
            switch call.result {
            case .failure(let error):
                errors.append(error)
            case .success(let response):
                for choice in response.choices {
                    let index = call.firstSample + choice.index
                    let tokens =
                        choice.tokenIDs?.count
                        ?? (response.choices.count == 1 ? response.usage?.completionTokens : nil)
                        ?? choice.logprobs?.count ?? 0
                    let timing = RolloutTiming(
                        requestedAt: call.requestedAt,
                        firstTokenAt: response.timeToFirstToken.map { call.requestedAt + $0 },
                        completedAt: call.completedAt)
                    rollouts.append(
                        Rollout(
                            id: request.rolloutID(index), promptID: request.promptID, sampleIndex: index,
                            endpoint: call.endpoint, policyVersion: call.version, promptText: request.input.renderedText,
                            completionText: choice.text,
                            promptTokenIDs: choice.promptTokenIDs ?? response.promptTokenIDs,
                            completionTokenIDs: choice.tokenIDs, completionLogprobs: choice.completionLogprobs,
                            finishReason: choice.finishReason, completionTokens: tokens, timing: timing))
                }
            }
        }
        rollouts.sort { $0.sampleIndex < $1.sampleIndex }
        return GenerationResult(
            request: request, rollouts: rollouts, partial: outcome.partial || rollouts.count < request.samples,
            errors: errors)
    }
}
