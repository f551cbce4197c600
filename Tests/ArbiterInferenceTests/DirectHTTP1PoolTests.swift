import ArbiterCore
import ArbiterTesting
import NIOCore
import Testing

@testable import ArbiterInference

/// The lean keep-alive pool (the hot path for generation and judge calls) on loopback.
@Suite("Direct HTTP/1.1 pool")
struct DirectHTTP1PoolTests {
    @Test(arguments: [
        ("http://127.0.0.1:8000", "127.0.0.1", 8000),
        ("http://localhost", "localhost", 80),
        ("http://judge.internal:9/", "judge.internal", 9),
        ("http://[::1]:8080", "::1", 8080),
    ])
    func servedURLs(_ url: String, _ host: String, _ port: Int) {
        let parsed = DirectHTTP1Pool.hostAndPort(url)
        #expect(parsed?.0 == host)
        #expect(parsed?.1 == port)
    }

    @Test(arguments: ["https://api.example.com", "http://h:0", "http://h:99999", "http://user@h:1", "http://h:1/prefix", "http://", "ftp://h"])
    func urlsLeftToAsyncHTTPClient(_ url: String) {
        #expect(DirectHTTP1Pool.hostAndPort(url) == nil)
    }

    static func client(_ server: FakeInferenceServer, maxConcurrency: Int, direct: Bool = true) throws -> InferenceClient {
        try InferenceClient(
            endpoints: [EndpointConfig(url: server.baseURL, maxConcurrency: maxConcurrency)],
            configuration: .init(connectTimeout: 1, directHTTP1: direct))
    }

    static func call(_ i: Int) -> InferenceCall {
        InferenceCall(
            api: .completions, model: "m", input: .text("prompt \(i) with \"quotes\", a tab\t and ünïcödé"), n: 2,
            sampling: SamplingParams(temperature: 1, maxTokens: 8, logprobs: true), seed: UInt64(i))
    }

    @Test func answersEqualAsyncHTTPClientsAnswers() async throws {
        let server = try await FakeInferenceServer.start()
        let direct = try Self.client(server, maxConcurrency: 4)
        let pooled = try Self.client(server, maxConcurrency: 4, direct: false)
        for i in 0..<6 {
            let a = try await direct.generate(Self.call(i), endpoint: 0, timeout: .seconds(5))
            let b = try await pooled.generate(Self.call(i), endpoint: 0, timeout: .seconds(5))
            #expect(a.choices == b.choices)
            #expect(a.usage == b.usage)
            #expect(a.promptTokenIDs == b.promptTokenIDs)
        }
        try await direct.shutdown()
        try await pooled.shutdown()
        await server.shutdown()
    }

    @Test func moreCallsThanConnectionsWaitForOne() async throws {
        let server = try await FakeInferenceServer.start(.init(latency: 0.01))
        let client = try Self.client(server, maxConcurrency: 2)
        let responses = try await withThrowingTaskGroup(of: (Int, InferenceResponse).self) { group in
            for i in 0..<24 {
                group.addTask { (i, try await client.generate(Self.call(i), endpoint: 0, timeout: .seconds(10))) }
            }
            var out: [Int: InferenceResponse] = [:]
            for try await (i, r) in group { out[i] = r }
            return out
        }
        #expect(responses.count == 24)
        for (i, r) in responses {
            let expected = FakeModel.sample(prompt: FakeModel.tokenize(Self.call(i).input.renderedText), seed: UInt64(i), index: 0, maxTokens: 8)
            #expect(r.choices.first?.tokenIDs == expected.tokenIDs)
        }
        #expect(await server.stats().generationRequests == 24)
        try await client.shutdown()
        await server.shutdown()
    }

    @Test func aCancelledCallFailsAndTheNextOneGetsAFreshConnection() async throws {
        let server = try await FakeInferenceServer.start(.init(faults: .burst(.hang, count: 1)))
        let client = try Self.client(server, maxConcurrency: 1)
        let hung = try client.start(Self.call(0), endpoint: 0, deadline: .now() + .seconds(30))
        try await Task.sleep(for: .milliseconds(50))
        hung.cancel()
        await #expect(throws: InferenceError.self) { _ = try await hung.futureResult.get() }
        do {
            _ = try await hung.futureResult.get()
        } catch let error as InferenceError {
            #expect(error.code == .cancelled)
        }
        // The only connection was closed with the cancelled call; the next call opens another.
        let next = try await client.generate(Self.call(1), endpoint: 0, timeout: .seconds(5))
        #expect(next.choices.count == 2)
        try await client.shutdown()
        await server.shutdown()
    }

    @Test func aHungServerTimesOutAtTheDeadline() async throws {
        let server = try await FakeInferenceServer.start(.init(faults: .burst(.hang, count: 1)))
        let client = try Self.client(server, maxConcurrency: 1)
        let started = ContinuousClock.now
        do {
            _ = try await client.generate(Self.call(0), endpoint: 0, timeout: .milliseconds(200))
            Issue.record("a hung call succeeded")
        } catch {
            #expect(error.code == .timeout)
        }
        #expect(ContinuousClock.now - started >= .milliseconds(200))
        let next = try await client.generate(Self.call(1), endpoint: 0, timeout: .seconds(5))
        #expect(next.choices.count == 2)
        try await client.shutdown()
        await server.shutdown()
    }

    @Test func shutdownFailsWaitingAndNewCalls() async throws {
        let server = try await FakeInferenceServer.start(.init(latency: 5))
        let client = try Self.client(server, maxConcurrency: 1)
        let running = try client.start(Self.call(0), endpoint: 0, deadline: .now() + .seconds(30))
        let waiting = try client.start(Self.call(1), endpoint: 0, deadline: .now() + .seconds(30))
        try await Task.sleep(for: .milliseconds(50))
        try await client.shutdown()
        for attempt in [running, waiting] {
            do {
                _ = try await attempt.futureResult.get()
                Issue.record("call survived shutdown")
            } catch let error as InferenceError {
                #expect(error.code == .shutdown)
            }
        }
        let late = try client.start(Self.call(2), endpoint: 0, deadline: .now() + .seconds(1))
        do {
            _ = try await late.futureResult.get()
            Issue.record("call after shutdown succeeded")
        } catch let error as InferenceError {
            #expect(error.code == .shutdown)
        }
        await server.shutdown()
    }

    @Test func silenceLongerThanTheReadTimeoutFailsTheCall() async throws {
        let server = try await FakeInferenceServer.start(.init(latency: 2))
        let client = try InferenceClient(
            endpoints: [EndpointConfig(url: server.baseURL, maxConcurrency: 1)],
            configuration: .init(connectTimeout: 1, readTimeout: 0.2))
        do {
            _ = try await client.generate(Self.call(0), endpoint: 0, timeout: .seconds(30))
            Issue.record("a silent server's answer arrived")
        } catch {
            #expect(error.code == .timeout)
            #expect(error.message.contains("no data"), "\(error)")
        }
        try await client.shutdown()
        await server.shutdown()
    }

    @Test func idleConnectionsAreClosed() async throws {
        let server = try await FakeInferenceServer.start()
        let client = try InferenceClient(
            endpoints: [EndpointConfig(url: server.baseURL, maxConcurrency: 2)],
            configuration: .init(connectTimeout: 1, idleTimeout: 0.1))
        let pool = try #require(client.clients[0].direct)
        _ = try await client.generate(Self.call(0), endpoint: 0, timeout: .seconds(5))
        #expect(pool.openConnections == 1)
        var waited = 0
        while pool.openConnections > 0, waited < 200 {
            try await Task.sleep(for: .milliseconds(10))
            waited += 1
        }
        #expect(pool.openConnections == 0)
        // A later call opens a new one.
        _ = try await client.generate(Self.call(1), endpoint: 0, timeout: .seconds(5))
        try await client.shutdown()
        await server.shutdown()
    }
}
