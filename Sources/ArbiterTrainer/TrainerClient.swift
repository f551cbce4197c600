import ArbiterCore
import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOHTTP1

/// Protocol v1 over HTTP with an explicitly configured `HTTPClient` that this object owns.
///
/// Connection establishment is not retried inside the HTTP client, so a trainer that is down answers
/// an attempt at once with ``DeliveryOutcome/transportFailure(message:)`` and the outbox's
/// ``RetryPolicy`` decides when to try again. Call ``shutdown()`` when done, or use
/// ``withTrainerClient(configuration:logger:_:)``.
public final class TrainerClient: TrainerTransport {
    /// How to reach the trainer.
    public struct Configuration: Sendable, Hashable {
        /// Base URL, e.g. `http://127.0.0.1:9000` (paths `/v1/...` are appended).
        public var baseURL: String
        /// Bearer token sent as `Authorization: Bearer <token>`, if any.
        public var bearerToken: String?
        /// Deadline of one request, connect to last response byte.
        public var requestTimeout: Duration
        /// Connect timeout.
        public var connectTimeout: Duration
        /// Largest response body read.
        public var maxResponseBytes: Int
        /// Bodies of at least this many bytes go out gzip-compressed; 0 never compresses.
        public var gzipMinBytes: Int

        /// Creates a configuration.
        public init(
            baseURL: String, bearerToken: String? = nil, requestTimeout: Duration = .seconds(60),
            connectTimeout: Duration = .seconds(5), maxResponseBytes: Int = 1 << 20, gzipMinBytes: Int = 1 << 20
        ) {
            self.baseURL = baseURL
            self.bearerToken = bearerToken
            self.requestTimeout = requestTimeout
            self.connectTimeout = connectTimeout
            self.maxResponseBytes = maxResponseBytes
            self.gzipMinBytes = gzipMinBytes
        }

        /// Derives a configuration from the run config, reading the bearer token from the environment
        /// variable named by `token_env`.
        ///
        /// - Throws: ``TrainerError/Code/invalidInput`` when `token_env` names a variable that is unset or empty.
        public init(_ trainer: TrainerConfig, environment: [String: String] = ProcessInfo.processInfo.environment) throws {
            var token: String?
            if let name = trainer.tokenEnv {
                guard let value = environment[name], !value.isEmpty else {
                    throw TrainerError(
                        .invalidInput, "environment variable \(name) (trainer.token_env) is not set", context: "trainer.token_env")
                }
                token = value
            }
            self.init(
                baseURL: trainer.url, bearerToken: token, requestTimeout: .milliseconds(Int64(trainer.timeoutSeconds * 1000)),
                gzipMinBytes: trainer.gzipMinBytes)
        }
    }

    /// The configuration.
    public let configuration: Configuration
    private let httpClient: HTTPClient
    private let baseURL: String
    private let logger: Logger

    /// Creates a client and its HTTP connection pool.
    ///
    /// - Throws: ``TrainerError/Code/invalidInput`` for a base URL that is not `http(s)://host[:port][/prefix]`.
    public init(
        configuration: Configuration, eventLoopGroup: any EventLoopGroup = HTTPClient.defaultEventLoopGroup,
        logger: Logger = Logger(label: "arbiter.trainer.client")
    ) throws {
        var base = configuration.baseURL.trimmingCharacters(in: .whitespaces)
        while base.hasSuffix("/") { base.removeLast() }
        guard let url = URL(string: base), let scheme = url.scheme?.lowercased(), scheme == "http" || scheme == "https",
            url.host != nil
        else {
            throw TrainerError(.invalidInput, "trainer URL must be http(s)://host[:port]: \(configuration.baseURL)", context: "trainer.url")
        }
        var http = HTTPClient.Configuration(
            redirectConfiguration: .disallow,
            timeout: .init(connect: Self.timeAmount(configuration.connectTimeout), read: Self.timeAmount(configuration.requestTimeout)),
            connectionPool: .init(idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: 2),
            decompression: .disabled)
        http.connectionPool.retryConnectionEstablishment = false
        http.httpVersion = .http1Only
        self.configuration = configuration
        self.baseURL = base
        self.logger = logger
        self.httpClient = HTTPClient(eventLoopGroup: eventLoopGroup, configuration: http, backgroundActivityLogger: logger)
    }

    /// Shuts the HTTP client down; call exactly once.
    public func shutdown() async throws {
        try await httpClient.shutdown()
    }

    public func deliver(batchID: String, payload: Data) async -> DeliveryOutcome {
        var request = HTTPClientRequest(url: baseURL + TrainerProtocol.batchesPath)
        request.method = .POST
        request.headers = headers()
        request.headers.add(name: "Content-Type", value: TrainerProtocol.contentType)
        request.headers.add(name: TrainerProtocol.idempotencyKeyHeader, value: batchID)
        if configuration.gzipMinBytes > 0, payload.count >= configuration.gzipMinBytes, let compressed = try? Gzip.compress(payload) {
            request.headers.add(name: "Content-Encoding", value: "gzip")
            request.body = .bytes(ByteBuffer(bytes: compressed))
        } else {
            request.body = .bytes(ByteBuffer(bytes: payload))
        }
        do {
            let response = try await httpClient.execute(request, timeout: Self.timeAmount(configuration.requestTimeout), logger: logger)
            let body = try await response.body.collect(upTo: configuration.maxResponseBytes)
            return DeliveryOutcome.classify(
                status: Int(response.status.code), retryAfter: response.headers.first(name: "Retry-After"),
                body: Data(body.readableBytesView))
        } catch {
            return .transportFailure(message: Self.describe(error))
        }
    }

    public func status() async throws -> TrainerStatus {
        var request = HTTPClientRequest(url: baseURL + TrainerProtocol.statusPath)
        request.method = .GET
        request.headers = headers()
        let response: HTTPClientResponse
        let body: ByteBuffer
        do {
            response = try await httpClient.execute(request, timeout: Self.timeAmount(configuration.requestTimeout), logger: logger)
            body = try await response.body.collect(upTo: configuration.maxResponseBytes)
        } catch {
            throw TrainerError(.transport, Self.describe(error), context: "GET \(TrainerProtocol.statusPath)")
        }
        let data = Data(body.readableBytesView)
        guard response.status == .ok else {
            throw TrainerError(
                .invalidResponse, "HTTP \(response.status.code): \(TrainerErrorBody.message(in: data))",
                context: "GET \(TrainerProtocol.statusPath)")
        }
        do {
            return try JSONDecoder().decode(TrainerStatus.self, from: data)
        } catch {
            throw TrainerError(
                .invalidResponse, "not {\"policy_version\", \"ready\", \"queue_depth\"}: \(TrainerErrorBody.message(in: data, limit: 200))",
                context: "GET \(TrainerProtocol.statusPath)")
        }
    }

    private func headers() -> HTTPHeaders {
        var headers = HTTPHeaders()
        headers.add(name: "Accept", value: TrainerProtocol.contentType)
        headers.add(name: "User-Agent", value: "arbiter-trainer-protocol/\(TrainerProtocol.version)")
        if let token = configuration.bearerToken { headers.add(name: "Authorization", value: "Bearer \(token)") }
        return headers
    }

    static func timeAmount(_ duration: Duration) -> TimeAmount {
        let c = duration.components
        return .nanoseconds(c.seconds * 1_000_000_000 + c.attoseconds / 1_000_000_000)
    }

    static func describe(_ error: any Error) -> String {
        if let error = error as? HTTPClientError { return "\(error)" }
        return String(describing: error)
    }
}

/// Runs `body` with a ``TrainerClient`` and shuts the client down afterwards, whether `body` returns or throws.
public func withTrainerClient<Result: Sendable>(
    configuration: TrainerClient.Configuration, logger: Logger = Logger(label: "arbiter.trainer.client"),
    _ body: (TrainerClient) async throws -> Result
) async throws -> Result {
    let client = try TrainerClient(configuration: configuration, logger: logger)
    let result: Result
    do {
        result = try await body(client)
    } catch {
        try? await client.shutdown()
        throw error
    }
    try await client.shutdown()
    return result
}
