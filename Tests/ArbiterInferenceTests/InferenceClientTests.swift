import ArbiterCore
import ArbiterTesting
import Testing

@testable import ArbiterInference

/// The client against the fake server on a real loopback socket.
@Suite("Inference client on loopback")
struct InferenceClientTests {
    static func withClient<T: Sendable>(
        _ servers: [FakeInferenceServer], _ body: (InferenceClient) async throws -> T
    ) async throws -> T {
        try await withClient(
            endpoints: servers.map { EndpointConfig(url: $0.baseURL, maxConcurrency: 8) }, configuration: .init(connectTimeout: 1), body)
    }

    /// Runs `body` with a client and shuts the client down whatever happens (AsyncHTTPClient
    /// traps on a client dropped without shutdown).
    static func withClient<T: Sendable>(
        endpoints: [EndpointConfig], configuration: InferenceClient.Configuration, _ body: (InferenceClient) async throws -> T
    ) async throws -> T {
        let client = try InferenceClient(endpoints: endpoints, configuration: configuration)
        do {
            let value = try await body(client)
            try await client.shutdown()
            return value
        } catch {
            try? await client.shutdown()
            throw error
        }
    }

    @Test func completionsReturnTokenIDsLogprobsAndFinishReasons() async throws {
        let server = try await FakeInferenceServer.start()
        let call = InferenceCall(
            api: .completions, model: "m", input: .text("Where will Sam look for the ball"), n: 3,
            sampling: SamplingParams(temperature: 1, maxTokens: 12), seed: 11)
        let response = try await Self.withClient([server]) { client in
            try await client.generate(call, endpoint: 0, timeout: .seconds(5))
        }
        #expect(response.choices.count == 3)
        let prompt = FakeModel.tokenize("Where will Sam look for the ball")
        #expect(response.promptTokenIDs == prompt)
        for (i, choice) in response.choices.enumerated() {
            let expected = FakeModel.sample(prompt: prompt, seed: 11, index: i, maxTokens: 12)
            #expect(choice.tokenIDs == expected.tokenIDs)
            #expect(choice.completionLogprobs == expected.logprobs)
            #expect(choice.text == expected.text)
            #expect(choice.finishReason == FinishReason(serverValue: expected.finishReason))
        }
        #expect(response.usage?.completionTokens == response.choices.reduce(0) { $0 + ($1.tokenIDs?.count ?? 0) })
        await server.shutdown()
    }

    @Test func llamaCppLogprobShapeAndChatEndpoint() async throws {
        let server = try await FakeInferenceServer.start(.init(completionsLogprobs: .chat, returnsTokenIDs: false))
        let (completion, chat) = try await Self.withClient([server]) { client in
            let c = try await client.generate(
                InferenceCall(api: .completions, model: "m", input: .text("a b c"), seed: 1), endpoint: 0, timeout: .seconds(5))
            let h = try await client.generate(
                InferenceCall(api: .chat, model: "m", input: .chat([ChatMessage(role: "user", content: "hi")]), seed: 1),
                endpoint: 0, timeout: .seconds(5))
            return (c, h)
        }
        let expected = FakeModel.sample(prompt: FakeModel.tokenize("a b c"), seed: 1, index: 0, maxTokens: 1024)
        // Token ids come from llama.cpp's `content[].id` even without return_token_ids support.
        #expect(completion.choices[0].tokenIDs == expected.tokenIDs)
        #expect(completion.choices[0].completionLogprobs == expected.logprobs)
        #expect(chat.choices[0].text.isEmpty == false)
        #expect(chat.choices[0].completionLogprobs?.count == chat.choices[0].text.split(separator: " ").count)
        await server.shutdown()
    }

    @Test(arguments: [InferenceAPI.completions, .chat])
    func streamingMatchesTheBufferedAnswerAndMeasuresTimeToFirstToken(_ api: InferenceAPI) async throws {
        let server = try await FakeInferenceServer.start()
        let input: PromptInput = api == .chat ? .chat([ChatMessage(role: "user", content: "x y z")]) : .text("x y z")
        var call = InferenceCall(api: api, model: "m", input: input, n: 2, sampling: SamplingParams(maxTokens: 30), seed: 5)
        let (buffered, streamed) = try await Self.withClient([server]) { client in
            let b = try await client.generate(call, endpoint: 0, timeout: .seconds(5))
            call.stream = true
            let s = try await client.generate(call, endpoint: 0, timeout: .seconds(5))
            return (b, s)
        }
        #expect(streamed.choices.map(\.text) == buffered.choices.map(\.text))
        #expect(streamed.choices.map(\.tokenIDs) == buffered.choices.map(\.tokenIDs))
        #expect(streamed.choices.map(\.completionLogprobs) == buffered.choices.map(\.completionLogprobs))
        #expect(streamed.choices.map(\.finishReason) == buffered.choices.map(\.finishReason))
        #expect(streamed.promptTokenIDs == buffered.promptTokenIDs)
        #expect(streamed.usage == buffered.usage)
        #expect(buffered.timeToFirstToken == nil)
        #expect((streamed.timeToFirstToken ?? -1) >= 0)
        await server.shutdown()
    }

    @Test func probesModelsAndEmbeddings() async throws {
        let server = try await FakeInferenceServer.start(.init(model: "policy-7b"))
        try await Self.withClient([server]) { client in
            #expect(await client.health(endpoint: 0, timeout: .seconds(2)))
            #expect(try await client.models(endpoint: 0, timeout: .seconds(2)) == ["policy-7b"])
            let e = try await client.embeddings(["a", "b", "a"], model: "emb", endpoint: 0, timeout: .seconds(2))
            #expect(e.count == 3 && e[0].vector.count == 8 && e[0].vector == e[2].vector && e[0].vector != e[1].vector)
            await server.setHealthy(false)
            #expect(await client.health(endpoint: 0, timeout: .seconds(2)) == false)
        }
        await server.shutdown()
    }

    @Test func failuresAreClassified() async throws {
        let server = try await FakeInferenceServer.start(
            .init(
                faults: FakeInferenceServer.FaultPlan([
                    .init(requests: 0..<1, fault: .status(429, retryAfter: 1.5)),
                    .init(requests: 1..<2, fault: .status(503)),
                    .init(requests: 2..<3, fault: .malformedJSON),
                    .init(requests: 3..<4, fault: .missingChoices),
                    .init(requests: 4..<5, fault: .resetMidBody),
                    .init(requests: 5..<6, fault: .hang),
                    .init(requests: 6..<7, fault: .status(400)),
                ])))
        let dead = try await FakeInferenceServer.start()
        await dead.shutdown()
        let call = InferenceCall(api: .completions, model: "m", input: .text("q"), seed: 1)
        let codes: [(InferenceError.Code, Double?)] = try await Self.withClient([server, dead]) { client in
            var out: [(InferenceError.Code, Double?)] = []
            for k in 0..<8 {
                do {
                    _ = try await client.generate(call, endpoint: k == 7 ? 1 : 0, timeout: .seconds(4))
                    out.append((.notImplemented, nil))
                } catch let error as InferenceError {
                    out.append((error.code, error.retryAfter))
                    if error.code == .malformedBody || error.code == .missingChoices {
                        #expect(error.context?.contains("body:") == true)
                    }
                }
            }
            return out
        }
        #expect(codes.map(\.0) == [.rateLimited, .serverError, .malformedBody, .missingChoices, .connectionReset, .timeout, .clientError, .connectionFailed])
        #expect(codes[0].1 == 1.5)
        await server.shutdown()
    }

    @Test func referenceLogprobsOfACompletion() async throws {
        let server = try await FakeInferenceServer.start()
        let prompt = FakeModel.tokenize("the ball is in the basket")
        let sample = FakeModel.sample(prompt: prompt, seed: 3, index: 0, maxTokens: 50)
        let rollout = Rollout(
            id: "p/0", promptID: PromptID("p"), sampleIndex: 0, endpoint: server.baseURL, policyVersion: 0,
            promptText: "the ball is in the basket", completionText: sample.text, promptTokenIDs: prompt,
            completionTokenIDs: sample.tokenIDs, completionLogprobs: sample.logprobs, finishReason: .stop,
            completionTokens: sample.tokenIDs.count)
        // The fake reference model scores a token at position k with promptLogprob(id, k).
        let all = prompt + sample.tokenIDs
        let expected = sample.tokenIDs.indices.map { k in
            FakeModel.promptLogprob(tokenID: sample.tokenIDs[k], position: prompt.count + k)
        }
        let mean = expected.reduce(0, +) / Double(expected.count)
        _ = all
        let (echo, promptLogprobs) = try await Self.withClient([server]) { client in
            let e = try await client.generate(
                ReferenceLogprobs.call(for: rollout, model: "ref", method: .echo), endpoint: 0, timeout: .seconds(5))
            let p = try await client.generate(
                ReferenceLogprobs.call(for: rollout, model: "ref", method: .promptLogprobs), endpoint: 0, timeout: .seconds(5))
            return (try ReferenceLogprobs.mean(in: e, for: rollout), try ReferenceLogprobs.mean(in: p, for: rollout))
        }
        #expect(abs(echo - mean) < 1e-12)
        #expect(abs(promptLogprobs - mean) < 1e-12)

        // Without token ids the completion is found by text offsets.
        var textOnly = rollout
        textOnly.promptTokenIDs = nil
        textOnly.completionTokenIDs = nil
        textOnly.promptText = "the ball is in the basket "
        let byText = try await Self.withClient([server]) { client in
            let e = try await client.generate(
                ReferenceLogprobs.call(for: textOnly, model: "ref"), endpoint: 0, timeout: .seconds(5))
            return try ReferenceLogprobs.completionLogprobs(in: e, for: textOnly)
        }
        #expect(byText.count == sample.tokenIDs.count)
        await server.shutdown()
    }
}
