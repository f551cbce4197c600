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

    static func client(_ server: FakeInferenceServer, maxConcurrency: Int) throws -> InferenceClient {
        try InferenceClient(
            endpoints: [EndpointConfig(url: server.baseURL, maxConcurrency: maxConcurrency)],
            configuration: .init(connectTimeout: 5))
    }

    static func withClient<T: Sendable>(
        _ server: FakeInferenceServer, maxConcurrency: Int, configuration: InferenceClient.Configuration? = nil,
        _ body: (InferenceClient) async throws -> T
    ) async throws -> T {
        try await InferenceClientTests.withClient(
            endpoints: [EndpointConfig(url: server.baseURL, maxConcurrency: maxConcurrency)],
            configuration: configuration ?? .init(connectTimeout: 5), body)
    }

    /// Waits until the server has received `count` generation requests.
    static func waitForRequests(_ server: FakeInferenceServer, _ count: Int) async throws {
        for _ in 0..<1000 where await server.stats().generationRequests < count {
            try await Task.sleep(for: .milliseconds(10))
        }
        #expect(await server.stats().generationRequests >= count)
    }

    static func call(_ i: Int) -> InferenceCall {
        InferenceCall(
            api: .completions, model: "m", input: .text("prompt \(i) with \"quotes\", a tab\t and ünïcödé"), n: 2,
            sampling: SamplingParams(temperature: 1, maxTokens: 8, logprobs: true), seed: UInt64(i))
    }

    @Test func answersEqualAsyncHTTPClientsAnswers() async throws {
        let server = try await FakeInferenceServer.start()
        try await Self.withClient(server, maxConcurrency: 4) { direct in
            try await Self.withClient(server, maxConcurrency: 4, configuration: .init(connectTimeout: 5, directHTTP1: false)) { pooled in
                #expect(direct.clients[0].direct != nil)
                #expect(pooled.clients[0].direct == nil)
                for i in 0..<6 {
                    let a = try await direct.generate(Self.call(i), endpoint: 0, timeout: .seconds(10))
                    let b = try await pooled.generate(Self.call(i), endpoint: 0, timeout: .seconds(10))
                    #expect(a.choices == b.choices)
                    #expect(a.usage == b.usage)
                    #expect(a.promptTokenIDs == b.promptTokenIDs)
                }
            }
        }
        await server.shutdown()
    }

    @Test func moreCallsThanConnectionsWaitForOne() async throws {
        let server = try await FakeInferenceServer.start(.init(latency: 0.01))
        let responses = try await Self.withClient(server, maxConcurrency: 2) { client in
            try await withThrowingTaskGroup(of: (Int, InferenceResponse).self) { group in
                for i in 0..<24 {
                    group.addTask { (i, try await client.generate(Self.call(i), endpoint: 0, timeout: .seconds(30))) }
                }
                var out: [Int: InferenceResponse] = [:]
                for try await (i, r) in group { out[i] = r }
                return out
            }
        }
        #expect(responses.count == 24)
        for (i, r) in responses {
            let expected = FakeModel.sample(prompt: FakeModel.tokenize(Self.call(i).input.renderedText), seed: UInt64(i), index: 0, maxTokens: 8)
            #expect(r.choices.first?.tokenIDs == expected.tokenIDs)
        }
        #expect(await server.stats().generationRequests == 24)
        await server.shutdown()
    }

    @Test func aCancelledCallFailsAndTheNextOneGetsAFreshConnection() async throws {
        let server = try await FakeInferenceServer.start(.init(faults: .burst(.hang, count: 1)))
        try await Self.withClient(server, maxConcurrency: 1) { client in
            let hung = try client.start(Self.call(0), endpoint: 0, deadline: .now() + .seconds(60))
            // Cancel once the server holds it (not while it is still connecting).
            try await Self.waitForRequests(server, 1)
            hung.cancel()
            do {
                _ = try await hung.futureResult.get()
                Issue.record("a cancelled call succeeded")
            } catch let error as InferenceError {
                #expect(error.code == .cancelled)
            }
            // The only connection was closed with the cancelled call; the next call opens another.
            let next = try await client.generate(Self.call(1), endpoint: 0, timeout: .seconds(30))
            #expect(next.choices.count == 2)
        }
        await server.shutdown()
    }

    @Test func aHungServerTimesOutAtTheDeadline() async throws {
        let server = try await FakeInferenceServer.start(.init(faults: .burst(.hang, count: 1)))
        try await Self.withClient(server, maxConcurrency: 1) { client in
            let started = ContinuousClock.now
            do {
                _ = try await client.generate(Self.call(0), endpoint: 0, timeout: .milliseconds(500))
                Issue.record("a hung call succeeded")
            } catch let error as InferenceError {
                #expect(error.code == .timeout)
            }
            #expect(ContinuousClock.now - started >= .milliseconds(500))
            // Only the first request the server sees hangs: make sure that was this one.
            try await Self.waitForRequests(server, 1)
            let next = try await client.generate(Self.call(1), endpoint: 0, timeout: .seconds(30))
            #expect(next.choices.count == 2)
        }
        await server.shutdown()
    }

    /// Shutdown while the first call's connection is still being opened (`false`) or once the
    /// server holds that call (`true`). The server never answers, so no call can end on its own
    /// whatever the machine's load: each must fail with `.shutdown`.
    @Test(.timeLimit(.minutes(1)), arguments: [false, true])
    func shutdownFailsRunningWaitingAndNewCalls(afterTheServerHasTheFirst: Bool) async throws {
        let server = try await FakeInferenceServer.start(.init(faults: .burst(.hang, count: 1000)))
        // By name, the connect waits for the resolver's thread: shutdown can then come before
        // the first connection's channel exists.
        let url = server.baseURL.replacingOccurrences(of: "127.0.0.1", with: "localhost")
        let client = try InferenceClient(
            endpoints: [EndpointConfig(url: url, maxConcurrency: 1)], configuration: .init(connectTimeout: 5))
        let running = try client.start(Self.call(0), endpoint: 0, deadline: .now() + .seconds(60))
        let waiting = try client.start(Self.call(1), endpoint: 0, deadline: .now() + .seconds(60))
        if afterTheServerHasTheFirst { try await Self.waitForRequests(server, 1) }
        try await client.shutdown()
        for (name, attempt) in [("running", running), ("waiting", waiting)] {
            // A call sent after shutdown would hang here for good (the server never answers and
            // the deadline sweeps are stopped): give up after 20 s instead.
            let outcome = attempt.futureResult.eventLoop.makePromise(of: InferenceResponse.self)
            attempt.futureResult.cascade(to: outcome)
            let giveUp = outcome.futureResult.eventLoop.scheduleTask(in: .seconds(20)) {
                outcome.fail(InferenceError(.timeout, "still running 20 s after shutdown", context: name))
            }
            do {
                _ = try await outcome.futureResult.get()
                Issue.record("the \(name) call succeeded after shutdown")
            } catch let error as InferenceError {
                #expect(error.code == .shutdown, "\(name): \(error)")
            }
            giveUp.cancel()
        }
        let late = try client.start(Self.call(2), endpoint: 0, deadline: .now() + .seconds(1))
        do {
            _ = try await late.futureResult.get()
            Issue.record("call after shutdown succeeded")
        } catch let error as InferenceError {
            #expect(error.code == .shutdown)
        }
        // At most the first call reached the server; the waiting one never did.
        #expect(await server.stats().generationRequests <= 1)
        await server.shutdown()
    }

    @Test func silenceLongerThanTheReadTimeoutFailsTheCall() async throws {
        let server = try await FakeInferenceServer.start(.init(latency: 3))
        try await Self.withClient(server, maxConcurrency: 1, configuration: .init(connectTimeout: 5, readTimeout: 0.3)) { client in
            do {
                _ = try await client.generate(Self.call(0), endpoint: 0, timeout: .seconds(30))
                Issue.record("a silent server's answer arrived")
            } catch let error as InferenceError {
                #expect(error.code == .timeout)
                #expect(error.message.contains("no data"), "\(error)")
            }
        }
        await server.shutdown()
    }

    @Test func idleConnectionsAreClosed() async throws {
        let server = try await FakeInferenceServer.start()
        try await Self.withClient(server, maxConcurrency: 2, configuration: .init(connectTimeout: 5, idleTimeout: 0.1)) { client in
            let pool = try #require(client.clients[0].direct)
            _ = try await client.generate(Self.call(0), endpoint: 0, timeout: .seconds(30))
            var waited = 0
            while pool.openConnections > 0, waited < 1000 {
                try await Task.sleep(for: .milliseconds(10))
                waited += 1
            }
            #expect(pool.openConnections == 0)
            // A later call opens a new one (which the idle timeout may already have closed again).
            let next = try await client.generate(Self.call(1), endpoint: 0, timeout: .seconds(30))
            #expect(next.choices.count == 2)
        }
        await server.shutdown()
    }
}
