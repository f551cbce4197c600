import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix

/// An OpenAI-compatible inference server for tests, on a real loopback socket (ephemeral port).
///
/// It speaks the wire format of vLLM (and llama.cpp's logprob shape on demand):
/// `/v1/completions` and `/v1/chat/completions` with `n`, `max_tokens`, `seed`, `logprobs`
/// (completions shape `tokens/token_logprobs/text_offset`, or chat shape `content[]` with
/// token `id`s as llama.cpp sends them), `return_token_ids`, `echo`, `prompt_logprobs` and SSE
/// streaming; `/v1/embeddings`, `/v1/models` and `/health`. Answers are deterministic in the
/// request (``FakeModel``), so a run's rollouts do not depend on which server answered or how
/// often a request was retried.
///
/// Faults are scripted per server by generation-request ordinal (``FaultPlan``): HTTP statuses
/// (with `Retry-After`), a connection reset mid-body, a hang, malformed JSON, missing `choices`,
/// extra delay, and a crash that takes the server down for a while and restarts it on the same
/// port. ``stats()`` counts what was injected.
///
/// All state lives on the server's one event loop; the public methods hop onto it.
public final class FakeInferenceServer: Sendable {
    /// Which logprob shape `/v1/completions` answers with.
    public enum LogprobsShape: String, Sendable, Hashable {
        /// vLLM/OpenAI legacy: `tokens`, `token_logprobs`, `top_logprobs`, `text_offset`.
        case completions
        /// llama.cpp: `content[] {id, token, logprob, bytes, top_logprobs}`.
        case chat
    }

    /// One scripted fault.
    public enum Fault: Sendable, Hashable {
        /// Answer with this HTTP status (and `Retry-After` seconds, when given).
        case status(Int, retryAfter: Double? = nil)
        /// Send the head and half the body, then reset the connection.
        case resetMidBody
        /// Never answer (the connection stays open).
        case hang
        /// Answer 200 with a truncated JSON body.
        case malformedJSON
        /// Answer 200 with JSON that has no `choices`.
        case missingChoices
        /// Answer normally after this many extra seconds.
        case delay(Double)
        /// Close the listener and every connection now; listen again on the same port after
        /// this many seconds.
        case crash(downFor: Double)

        /// The fault's name in ``Stats/faults``.
        public var kind: String {
            switch self {
            case .status(let code, _): "status_\(code)"
            case .resetMidBody: "reset_mid_body"
            case .hang: "hang"
            case .malformedJSON: "malformed_json"
            case .missingChoices: "missing_choices"
            case .delay: "delay"
            case .crash: "crash"
            }
        }
    }

    /// Faults by generation-request ordinal (0-based, counted per server).
    public struct FaultPlan: Sendable, Hashable {
        /// One rule: requests whose ordinal is in `requests` get `fault`.
        public struct Rule: Sendable, Hashable {
            public var requests: Range<Int>
            public var fault: Fault
            public init(requests: Range<Int>, fault: Fault) {
                self.requests = requests
                self.fault = fault
            }
        }

        /// The rules; the first that matches applies.
        public var rules: [Rule]
        /// Every `period`-th request (ordinal % period == phase) gets `fault`, when set.
        public var periodic: (period: Int, phase: Int, fault: Fault)? {
            get { periodicRule.map { ($0.period, $0.phase, $0.fault) } }
            set { periodicRule = newValue.map { Periodic(period: $0.period, phase: $0.phase, fault: $0.fault) } }
        }
        struct Periodic: Sendable, Hashable {
            var period: Int
            var phase: Int
            var fault: Fault
        }
        var periodicRule: Periodic?

        /// Creates a plan.
        public init(_ rules: [Rule] = []) { self.rules = rules }

        /// No faults.
        public static let none = FaultPlan()

        /// `fault` for requests `start ..< start + count`.
        public static func burst(_ fault: Fault, from start: Int = 0, count: Int) -> FaultPlan {
            FaultPlan([Rule(requests: start..<(start + count), fault: fault)])
        }

        /// `fault` for every `period`-th request starting at `phase`.
        public static func every(_ period: Int, phase: Int = 0, _ fault: Fault) -> FaultPlan {
            var plan = FaultPlan()
            plan.periodic = (period, phase, fault)
            return plan
        }

        /// The fault for request `ordinal`, if any.
        public func fault(for ordinal: Int) -> Fault? {
            if let rule = rules.first(where: { $0.requests.contains(ordinal) }) { return rule.fault }
            if let p = periodicRule, p.period > 0, ordinal % p.period == p.phase { return p.fault }
            return nil
        }
    }

    /// Server settings.
    public struct Configuration: Sendable, Hashable {
        /// Model id reported by `/v1/models` and in responses.
        public var model: String
        /// Logprob shape of `/v1/completions` answers.
        public var completionsLogprobs: LogprobsShape
        /// Whether `return_token_ids` is honoured (vLLM ≥ 0.10.2); else ids are never sent.
        public var returnsTokenIDs: Bool
        /// Service time of every generation request, seconds (a slow server).
        public var latency: Double
        /// Scripted faults.
        public var faults: FaultPlan
        /// Dimension of `/v1/embeddings` vectors.
        public var embeddingDimension: Int
        /// What the model acts as: filler words (the default), a multiple-choice policy, or an LLM judge.
        public var behaviour: FakeBehaviour

        /// Creates settings.
        public init(
            model: String = "fake-model", completionsLogprobs: LogprobsShape = .completions, returnsTokenIDs: Bool = true,
            latency: Double = 0, faults: FaultPlan = .none, embeddingDimension: Int = 8, behaviour: FakeBehaviour = .words
        ) {
            self.model = model
            self.completionsLogprobs = completionsLogprobs
            self.returnsTokenIDs = returnsTokenIDs
            self.latency = latency
            self.faults = faults
            self.embeddingDimension = embeddingDimension
            self.behaviour = behaviour
        }
    }

    /// What the server saw and did.
    public struct Stats: Sendable, Hashable {
        /// All HTTP requests received.
        public var requests = 0
        /// Generation requests received (the ordinal faults are scripted by).
        public var generationRequests = 0
        /// Generation requests answered normally.
        public var served = 0
        /// Faults injected, by ``Fault/kind``.
        public var faults: [String: Int] = [:]
        /// `/health` requests.
        public var healthChecks = 0
        /// Times the server (re)started listening.
        public var starts = 0

        /// Faults injected over all kinds.
        public var totalFaults: Int { faults.values.reduce(0, +) }
    }

    let loop: any EventLoop
    let state: NIOLoopBound<ServerState>

    /// The bound port.
    public let port: Int
    /// `http://127.0.0.1:<port>`.
    public var baseURL: String { "http://127.0.0.1:\(port)" }

    private init(loop: any EventLoop, state: ServerState, port: Int) {
        self.loop = loop
        self.state = NIOLoopBound(state, eventLoop: loop)
        self.port = port
    }

    /// Starts a server on `127.0.0.1` at an ephemeral port (or `port`).
    public static func start(
        _ configuration: Configuration = .init(), port: Int = 0,
        group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton
    ) async throws -> FakeInferenceServer {
        let loop = group.next()
        let bound = try await loop.submit { () -> EventLoopFuture<(NIOLoopBound<ServerState>, Int)> in
            let state = NIOLoopBound(ServerState(configuration: configuration, loop: loop), eventLoop: loop)
            return state.value.bind(port: port).map { p in (state, p) }
        }.flatMap { $0 }.get()
        return try await loop.submit { FakeInferenceServer(loop: loop, state: bound.0.value, port: bound.1) }.get()
    }

    /// Starts `count` servers with the same settings.
    public static func start(count: Int, _ configuration: Configuration = .init()) async throws -> [FakeInferenceServer] {
        var servers: [FakeInferenceServer] = []
        for _ in 0..<count { servers.append(try await start(configuration)) }
        return servers
    }

    /// Stops listening and closes every connection.
    public func shutdown() async {
        let state = self.state
        try? await loop.flatSubmit { state.value.stop(reset: false) }.get()
    }

    /// Closes the listener and resets every connection, then listens again on the same port
    /// after `downFor` seconds (immediately when 0). Returns once listening again.
    public func restart(downFor: Double = 0) async throws {
        let state = self.state
        try await loop.flatSubmit { state.value.stop(reset: true) }.get()
        if downFor > 0 { try await Task.sleep(for: .seconds(downFor)) }
        let port = self.port
        _ = try await loop.flatSubmit { state.value.bind(port: port) }.get()
    }

    /// Counters so far.
    public func stats() async -> Stats {
        let state = self.state
        return (try? await loop.submit { state.value.stats }.get()) ?? Stats()
    }

    /// Replaces the fault plan (ordinals keep counting).
    public func setFaults(_ plan: FaultPlan) async {
        let state = self.state
        try? await loop.submit { state.value.configuration.faults = plan }.get()
    }

    /// Replaces the service time.
    public func setLatency(_ seconds: Double) async {
        let state = self.state
        try? await loop.submit { state.value.configuration.latency = seconds }.get()
    }

    /// Makes `/health` answer 503 (`false`) or 200 (`true`).
    public func setHealthy(_ healthy: Bool) async {
        let state = self.state
        try? await loop.submit { state.value.healthy = healthy }.get()
    }
}

/// The server's mutable state, confined to its event loop.
final class ServerState {
    var configuration: FakeInferenceServer.Configuration
    let loop: any EventLoop
    var stats = FakeInferenceServer.Stats()
    var listener: (any Channel)?
    var connections: [ObjectIdentifier: any Channel] = [:]
    var healthy = true
    var port = 0

    init(configuration: FakeInferenceServer.Configuration, loop: any EventLoop) {
        self.configuration = configuration
        self.loop = loop
    }

    func bind(port: Int) -> EventLoopFuture<Int> {
        let bound = NIOLoopBound(self, eventLoop: loop)
        let bootstrap = ServerBootstrap(group: loop)
            .serverChannelOption(.backlog, value: 512)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline(withErrorHandling: true)
                    try channel.pipeline.syncOperations.addHandler(FakeHTTPHandler(state: bound.value))
                }
            }
        return bootstrap.bind(host: "127.0.0.1", port: port).map { channel in
            bound.value.listener = channel
            bound.value.stats.starts += 1
            bound.value.port = channel.localAddress?.port ?? port
            return bound.value.port
        }
    }

    /// Closes the listener and all connections (with a TCP reset when `reset`).
    func stop(reset: Bool) -> EventLoopFuture<Void> {
        var futures: [EventLoopFuture<Void>] = []
        if let listener {
            futures.append(listener.close())
            self.listener = nil
        }
        for (_, channel) in connections {
            if reset { Self.resetOnClose(channel) }
            futures.append(channel.close().recover { _ in })
        }
        connections.removeAll()
        return EventLoopFuture.andAllComplete(futures, on: loop)
    }

    /// Makes the next close send RST instead of FIN.
    static func resetOnClose(_ channel: any Channel) {
        if let provider = channel as? any SocketOptionProvider {
            _ = provider.setSoLinger(linger(l_onoff: 1, l_linger: 0))
        }
    }

    /// Scheduled crash: down now, up again after `downFor`.
    func crash(downFor: Double) {
        let bound = NIOLoopBound(self, eventLoop: loop)
        let port = self.port
        _ = stop(reset: true).flatMap {
            bound.value.loop.scheduleTask(in: .nanoseconds(Int64(downFor * 1e9))) {}.futureResult
        }.flatMap {
            bound.value.bind(port: port).map { _ in }
        }
    }
}

extension FakeInferenceServer {
    /// Starts one server per configuration, runs `body` with them, and shuts them down
    /// afterwards, also when `body` throws.
    public static func withServers<T: Sendable>(
        _ configurations: [Configuration], _ body: ([FakeInferenceServer]) async throws -> T
    ) async throws -> T {
        var servers: [FakeInferenceServer] = []
        do {
            for c in configurations { servers.append(try await start(c)) }
            let value = try await body(servers)
            for s in servers { await s.shutdown() }
            return value
        } catch {
            for s in servers { await s.shutdown() }
            throw error
        }
    }

    /// Starts one server, runs `body` with it, and shuts it down afterwards.
    public static func withServer<T: Sendable>(
        _ configuration: Configuration = .init(), _ body: (FakeInferenceServer) async throws -> T
    ) async throws -> T {
        try await withServers([configuration]) { try await body($0[0]) }
    }
}
