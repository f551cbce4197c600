import ArbiterCore
import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOHTTP1

/// An HTTP client for OpenAI-compatible inference servers (vLLM, SGLang, llama.cpp).
///
/// One explicitly configured `HTTPClient` per endpoint: its HTTP/1.1 pool holds up to the
/// endpoint's `max_concurrency` connections, connection establishment is not retried inside
/// the pool (the scheduler decides about retries, so a refused connection fails fast), and no
/// redirects or decompression are done. `HTTPClient.shared` is never used. Call
/// ``shutdown()`` once no call is outstanding.
///
/// Calls are started with ``start(_:endpoint:deadline:)``, which returns AsyncHTTPClient's
/// cancellable task (the scheduler cancels losing hedges through it); ``generate(_:endpoint:timeout:)``
/// and the probe methods are the `async` conveniences.
public final class InferenceClient: Sendable {
    /// Transport settings.
    public struct Configuration: Sendable, Hashable {
        /// TCP connect timeout, seconds.
        public var connectTimeout: Double
        /// Longest silence while reading a response, seconds (nil: only the call deadline).
        public var readTimeout: Double?
        /// Idle pooled connections are closed after this many seconds.
        public var idleTimeout: Double
        /// Largest accepted response body, bytes.
        public var maxBodyBytes: Int
        /// Send non-streaming generation calls to plain-`http` endpoints over the lean
        /// keep-alive pool (``DirectHTTP1Pool``) instead of AsyncHTTPClient.
        public var directHTTP1: Bool

        /// Creates a configuration.
        public init(
            connectTimeout: Double = 5, readTimeout: Double? = nil, idleTimeout: Double = 60, maxBodyBytes: Int = 64 << 20,
            directHTTP1: Bool = true
        ) {
            self.connectTimeout = connectTimeout
            self.readTimeout = readTimeout
            self.idleTimeout = idleTimeout
            self.maxBodyBytes = maxBodyBytes
            self.directHTTP1 = directHTTP1
        }
    }

    /// One endpoint's client and prepared request parts.
    struct Endpoint: Sendable {
        let config: EndpointConfig
        let http: HTTPClient
        let baseURL: String
        let jsonHeaders: HTTPHeaders
        let streamHeaders: HTTPHeaders
        let getHeaders: HTTPHeaders
        let completionsURL: URL
        let chatURL: URL
        /// The lean pool for non-streaming generation calls (plain http only).
        let direct: DirectHTTP1Pool?
        /// Error contexts of the two generation paths.
        let completionsContext: String
        let chatContext: String

        func context(_ call: InferenceCall) -> String { call.isChat ? chatContext : completionsContext }
    }

    /// The endpoints, in configuration order (the scheduler addresses them by index).
    public let endpoints: [EndpointConfig]
    let clients: [Endpoint]
    /// The transport settings.
    public let configuration: Configuration
    /// The event loops both transports run on.
    public let eventLoopGroup: any EventLoopGroup

    /// Creates a client for `endpoints`; reads API keys from the variables their `api_key_env` names.
    public init(
        endpoints: [EndpointConfig], configuration: Configuration = .init(),
        eventLoopGroup: any EventLoopGroup = HTTPClient.defaultEventLoopGroup,
        environment: [String: String] = ProcessInfo.processInfo.environment,
        backgroundActivityLogger: Logger = Logger(label: "arbiter.inference.http", factory: { _ in SwiftLogNoOpLogHandler() })
    ) throws(InferenceError) {
        var prepared: [(EndpointConfig, String, URL, URL)] = []
        for endpoint in endpoints {
            var base = endpoint.url
            while base.hasSuffix("/") { base.removeLast() }
            if base.hasSuffix("/v1") { base.removeLast(3) }
            guard let completions = URL(string: base + "/v1/completions"), let chat = URL(string: base + "/v1/chat/completions"),
                completions.host != nil, ["http", "https"].contains(completions.scheme ?? "")
            else {
                throw InferenceError(.invalidConfiguration, "not an http(s) URL", context: endpoint.url)
            }
            guard endpoint.maxConcurrency > 0 else {
                throw InferenceError(.invalidConfiguration, "max_concurrency must be positive", context: endpoint.url)
            }
            prepared.append((endpoint, base, completions, chat))
        }
        var clients: [Endpoint] = []
        for (endpoint, base, completions, chat) in prepared {
            var http = HTTPClient.Configuration(
                redirectConfiguration: .disallow,
                timeout: .init(
                    connect: .nanoseconds(Int64(configuration.connectTimeout * 1e9)),
                    read: configuration.readTimeout.map { .nanoseconds(Int64($0 * 1e9)) }),
                connectionPool: .init(
                    idleTimeout: .nanoseconds(Int64(configuration.idleTimeout * 1e9)),
                    concurrentHTTP1ConnectionsPerHostSoftLimit: endpoint.maxConcurrency),
                decompression: .disabled)
            http.connectionPool.retryConnectionEstablishment = false
            http.httpVersion = .http1Only
            let client = HTTPClient(
                eventLoopGroup: eventLoopGroup, configuration: http, backgroundActivityLogger: backgroundActivityLogger)
            var headers = HTTPHeaders()
            if let env = endpoint.apiKeyEnv, let key = environment[env], !key.isEmpty {
                headers.add(name: "authorization", value: "Bearer \(key)")
            }
            var json = headers
            json.add(name: "content-type", value: "application/json")
            var stream = json
            stream.add(name: "accept", value: "text/event-stream")
            json.add(name: "accept", value: "application/json")
            let direct =
                configuration.directHTTP1
                ? DirectHTTP1Pool(
                    baseURL: base, maxConnections: endpoint.maxConcurrency, maxBodyBytes: configuration.maxBodyBytes,
                    connectTimeout: configuration.connectTimeout, readTimeout: configuration.readTimeout,
                    idleTimeout: configuration.idleTimeout, headers: json, group: eventLoopGroup) : nil
            clients.append(
                Endpoint(
                    config: endpoint, http: client, baseURL: base, jsonHeaders: json, streamHeaders: stream,
                    getHeaders: headers, completionsURL: completions, chatURL: chat, direct: direct,
                    completionsContext: "POST \(base)/v1/completions", chatContext: "POST \(base)/v1/chat/completions"))
        }
        self.endpoints = endpoints
        self.clients = clients
        self.configuration = configuration
        self.eventLoopGroup = eventLoopGroup
    }

    /// Shuts every endpoint's `HTTPClient` down; outstanding calls fail.
    public func shutdown() async throws {
        var firstError: (any Error)?
        for c in clients {
            await c.direct?.shutdown()
            do {
                try await c.http.shutdown()
            } catch let error as HTTPClientError where error == .alreadyShutdown {
                continue
            } catch {
                if firstError == nil { firstError = error }
            }
        }
        if let firstError { throw firstError }
    }

    /// The base URL of endpoint `index` (without `/v1`).
    public func baseURL(_ index: Int) -> String { clients[index].baseURL }

    /// Starts a generation call on endpoint `index`; the returned attempt can be cancelled.
    ///
    /// Non-streaming calls to plain-`http` endpoints go over the endpoint's ``DirectHTTP1Pool``
    /// (unless ``Configuration/directHTTP1`` is off), the rest over AsyncHTTPClient. The future
    /// fails with the transport's error; map it with ``classify(_:context:)``.
    public func start(_ call: InferenceCall, endpoint index: Int, deadline: NIODeadline) throws(InferenceError)
        -> InferenceAttempt
    {
        let endpoint = clients[index]
        let context = endpoint.context(call)
        if let direct = endpoint.direct, !call.stream {
            let promise = direct.group.any().makePromise(of: InferenceResponse.self)
            let request = direct.execute(
                path: call.path, body: OpenAIWire.body(for: call), deadline: deadline, context: context
            ) { result in
                promise.completeWith(result.mapError { $0 })
            }
            return InferenceAttempt(.direct(request, promise.futureResult))
        }
        let url = call.isChat ? endpoint.chatURL : endpoint.completionsURL
        let delegate = GenerationDelegate(
            context: context, streaming: call.stream, maxBodyBytes: configuration.maxBodyBytes)
        do {
            let request = try HTTPClient.Request(
                url: url, method: .POST, headers: call.stream ? endpoint.streamHeaders : endpoint.jsonHeaders,
                body: .bytes(OpenAIWire.body(for: call)))
            return InferenceAttempt(.pooled(endpoint.http.execute(request: request, delegate: delegate, deadline: deadline)))
        } catch {
            throw InferenceError(.invalidConfiguration, "\(error)", context: context)
        }
    }

    /// Starts a generation call like ``start(_:endpoint:deadline:)`` and reports its outcome
    /// through `onComplete` (called once, on an event loop) instead of a future: the scheduler's
    /// path, which skips the promise machinery on the lean pool.
    ///
    /// `body` is the call's JSON body when the caller encoded it already (`OpenAIWire.body(for:)`).
    func start(
        _ call: InferenceCall, body: [UInt8]? = nil, endpoint index: Int, deadline: NIODeadline,
        onComplete: @escaping @Sendable (Result<InferenceResponse, InferenceError>) -> Void
    ) throws(InferenceError) -> InferenceAttempt {
        let endpoint = clients[index]
        if let direct = endpoint.direct, !call.stream {
            let request = direct.execute(
                path: call.path, body: body ?? OpenAIWire.body(for: call), deadline: deadline, context: endpoint.context(call),
                onComplete: onComplete)
            return InferenceAttempt(.direct(request, nil))
        }
        let attempt = try start(call, endpoint: index, deadline: deadline)
        let context = endpoint.context(call)
        attempt.futureResult.whenComplete { result in
            onComplete(result.mapError { Self.classify($0, context: context) })
        }
        return attempt
    }

    /// The error context of `call` on endpoint `index` ("POST base/v1/...").
    public func context(_ call: InferenceCall, endpoint index: Int) -> String { clients[index].context(call) }

    /// Sends a generation call and waits for its parsed response.
    public func generate(_ call: InferenceCall, endpoint index: Int, timeout: Duration) async throws(InferenceError)
        -> InferenceResponse
    {
        let task = try start(call, endpoint: index, deadline: .now() + TimeAmount(timeout))
        do {
            return try await withTaskCancellationHandler {
                try await task.futureResult.get()
            } onCancel: {
                task.cancel()
            }
        } catch {
            throw Self.classify(error, context: clients[index].context(call))
        }
    }

    /// `GET /health` (vLLM, SGLang, llama.cpp): true on a 2xx answer.
    public func health(endpoint index: Int, timeout: Duration) async -> Bool {
        do {
            try await healthCheck(endpoint: index, timeout: timeout)
            return true
        } catch {
            return false
        }
    }

    /// `GET /health`, throwing the classified failure.
    public func healthCheck(endpoint index: Int, timeout: Duration) async throws(InferenceError) {
        let (status, _) = try await get(path: "/health", endpoint: index, timeout: timeout)
        guard (200..<300).contains(status) else {
            throw InferenceError(
                status >= 500 ? .serverError : .clientError, "health answered \(status)",
                context: "GET \(clients[index].baseURL)/health")
        }
    }

    /// Starts a health probe; the future succeeds with whether the endpoint answered 2xx.
    func startHealthProbe(endpoint index: Int, deadline: NIODeadline) -> EventLoopFuture<Bool> {
        let endpoint = clients[index]
        do {
            let request = try HTTPClient.Request(url: endpoint.baseURL + "/health", method: .GET, headers: endpoint.getHeaders)
            return endpoint.http.execute(request: request, deadline: deadline).map { (200..<300).contains($0.status.code) }
                .recover { _ in false }
        } catch {
            return endpoint.http.eventLoopGroup.any().makeSucceededFuture(false)
        }
    }

    /// `GET /v1/models`: the served model ids.
    public func models(endpoint index: Int, timeout: Duration) async throws(InferenceError) -> [String] {
        let context = "GET \(clients[index].baseURL)/v1/models"
        let (status, body) = try await get(path: "/v1/models", endpoint: index, timeout: timeout)
        try Self.checkStatus(status, headers: [:], body: body, context: context)
        return try body.withUnsafeReadableBytes { (b) throws(InferenceError) in try OpenAIWire.decodeModels(b, context: context) }
    }

    /// `POST /v1/embeddings`: one vector per input, in input order.
    public func embeddings(_ inputs: [String], model: String, endpoint index: Int, timeout: Duration) async throws(InferenceError)
        -> [Embedding]
    {
        let endpoint = clients[index]
        let context = "POST \(endpoint.baseURL)/v1/embeddings"
        let status: Int
        let headers: HTTPHeaders
        let body: ByteBuffer
        do {
            let request = try HTTPClient.Request(
                url: endpoint.baseURL + "/v1/embeddings", method: .POST, headers: endpoint.jsonHeaders,
                body: .bytes(OpenAIWire.embeddingsBody(model: model, inputs: inputs)))
            let task = endpoint.http.execute(request: request, deadline: .now() + TimeAmount(timeout))
            let response = try await withTaskCancellationHandler {
                try await task.get()
            } onCancel: {
                // The future-based execute has no handle; the deadline bounds it.
            }
            status = Int(response.status.code)
            headers = response.headers
            body = response.body ?? ByteBuffer()
        } catch {
            throw Self.classify(error, context: context)
        }
        try Self.checkStatus(status, headers: headers, body: body, context: context)
        return try body.withUnsafeReadableBytes { (b) throws(InferenceError) in try OpenAIWire.decodeEmbeddings(b, context: context) }
    }

    private func get(path: String, endpoint index: Int, timeout: Duration) async throws(InferenceError) -> (Int, ByteBuffer) {
        let endpoint = clients[index]
        let context = "GET \(endpoint.baseURL)\(path)"
        do {
            let request = try HTTPClient.Request(url: endpoint.baseURL + path, method: .GET, headers: endpoint.getHeaders)
            let response = try await endpoint.http.execute(request: request, deadline: .now() + TimeAmount(timeout)).get()
            return (Int(response.status.code), response.body ?? ByteBuffer())
        } catch {
            throw Self.classify(error, context: context)
        }
    }

    /// Throws the classified error of a non-2xx status.
    static func checkStatus(_ status: Int, headers: HTTPHeaders, body: ByteBuffer, context: String) throws(InferenceError) {
        guard !(200..<300).contains(status) else { return }
        throw statusError(status, retryAfter: headers.first(name: "retry-after"), body: body, context: context)
    }

    /// The error for HTTP `status`: 429 → rate limited (with `Retry-After`), 408 → timeout,
    /// 5xx → server error, other 4xx → client error (not retried).
    static func statusError(_ status: Int, retryAfter: String?, body: ByteBuffer, context: String) -> InferenceError {
        let prefix = body.withUnsafeReadableBytes { OpenAIWire.prefix($0) }
        let ctx = "\(context) body: \(prefix)"
        let after = retryAfter.flatMap(parseRetryAfter)
        switch status {
        case 429: return InferenceError(.rateLimited, "HTTP 429", context: ctx, retryAfter: after)
        case 408: return InferenceError(.timeout, "HTTP 408", context: ctx)
        case 500...: return InferenceError(.serverError, "HTTP \(status)", context: ctx, retryAfter: after)
        default: return InferenceError(.clientError, "HTTP \(status)", context: ctx)
        }
    }

    /// `Retry-After` in delta-seconds (HTTP dates are not used by inference servers).
    static func parseRetryAfter(_ value: String) -> Double? {
        guard let seconds = Double(value.trimmingCharacters(in: .whitespaces)), seconds >= 0, seconds.isFinite else {
            return nil
        }
        return seconds
    }

    /// Maps a transport or parse failure to an ``InferenceError``.
    public static func classify(_ error: any Error, context: String) -> InferenceError {
        if let error = error as? InferenceError { return error }
        if let error = error as? HTTPClientError {
            switch error {
            case .connectTimeout: return InferenceError(.connectionFailed, "connect timeout", context: context)
            case .readTimeout, .writeTimeout, .deadlineExceeded, .getConnectionFromPoolTimeout:
                return InferenceError(.timeout, "\(error)", context: context)
            case .remoteConnectionClosed, .bodyLengthMismatch:
                return InferenceError(.connectionReset, "\(error)", context: context)
            case .cancelled: return InferenceError(.cancelled, "cancelled", context: context)
            case .alreadyShutdown: return InferenceError(.shutdown, "HTTP client is shut down", context: context)
            case .invalidURL, .emptyHost, .emptyScheme:
                return InferenceError(.invalidConfiguration, "\(error)", context: context)
            default: return InferenceError(.connectionReset, "\(error)", context: context)
            }
        }
        if let error = error as? IOError {
            switch error.errnoCode {
            case ECONNREFUSED, EHOSTUNREACH, ENETUNREACH, EADDRNOTAVAIL:
                return InferenceError(.connectionFailed, "\(error)", context: context)
            default: return InferenceError(.connectionReset, "\(error)", context: context)
            }
        }
        if let error = error as? ChannelError {
            switch error {
            case .connectTimeout: return InferenceError(.connectionFailed, "\(error)", context: context)
            default: return InferenceError(.connectionReset, "\(error)", context: context)
            }
        }
        if error is CancellationError { return InferenceError(.cancelled, "cancelled", context: context) }
        let text = String(describing: error)
        if text.localizedCaseInsensitiveContains("refused") {
            return InferenceError(.connectionFailed, text, context: context)
        }
        return InferenceError(.connectionReset, text, context: context)
    }
}

extension TimeAmount {
    init(_ duration: Duration) {
        let (seconds, attoseconds) = duration.components
        self = .nanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
    }
}
