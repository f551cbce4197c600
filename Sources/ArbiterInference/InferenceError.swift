/// The error type of ArbiterInference: a stable code plus context.
///
/// Every failure of an inference call is classified into one ``Code``; the scheduler counts
/// failures by code, retries the retryable ones (``isRetryable``) and blames the endpoint for
/// the ones an endpoint causes (``blamesEndpoint``).
public struct InferenceError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Stable error codes.
    public enum Code: String, Sendable, Equatable, Hashable, CaseIterable, Comparable {
        case notImplemented = "not_implemented"
        case invalidInput = "invalid_input"
        /// The TCP connection could not be established (refused, unreachable, connect timeout).
        case connectionFailed = "connection_failed"
        /// The connection closed or reset before the response was complete.
        case connectionReset = "connection_reset"
        /// No response (or no further bytes) within the attempt's timeout.
        case timeout
        /// HTTP 429; ``InferenceError/retryAfter`` carries the server's `Retry-After`.
        case rateLimited = "rate_limited"
        /// HTTP 5xx.
        case serverError = "server_error"
        /// HTTP 4xx other than 408 and 429: the request itself is wrong; not retried.
        case clientError = "client_error"
        /// The body is not the JSON the API defines (truncated, wrong types, not JSON).
        case malformedBody = "malformed_body"
        /// The body is JSON but has no usable `choices`.
        case missingChoices = "missing_choices"
        /// The request's overall deadline passed before any attempt succeeded.
        case deadlineExceeded = "deadline_exceeded"
        /// The request was cancelled (by its caller, a step deadline, or a won hedge).
        case cancelled
        /// The scheduler or client is shut down.
        case shutdown
        /// The configuration cannot work (no endpoints, bad URL).
        case invalidConfiguration = "invalid_configuration"
        /// Every endpoint stayed ejected for longer than the circuit breaker's `giveUpAfter`.
        case unavailable = "endpoints_unavailable"

        public static func < (lhs: Code, rhs: Code) -> Bool { lhs.rawValue < rhs.rawValue }
    }

    /// The code.
    public var code: Code
    /// Human-readable explanation.
    public var message: String
    /// Where it happened (endpoint URL and path, field, body prefix), when known.
    public var context: String?
    /// Seconds the server asked us to wait (`Retry-After` of a 429 or 503), when given.
    public var retryAfter: Double?

    /// Creates an error.
    public init(_ code: Code, _ message: String, context: String? = nil, retryAfter: Double? = nil) {
        self.code = code
        self.message = message
        self.context = context
        self.retryAfter = retryAfter
    }

    public var description: String {
        if let context { return "\(context): \(message) [\(code.rawValue)]" }
        return "\(message) [\(code.rawValue)]"
    }

    /// Whether another attempt (on this or another endpoint) may succeed.
    public var isRetryable: Bool {
        switch code {
        case .connectionFailed, .connectionReset, .timeout, .rateLimited, .serverError, .malformedBody,
            .missingChoices:
            true
        case .notImplemented, .invalidInput, .clientError, .deadlineExceeded, .cancelled, .shutdown,
            .invalidConfiguration, .unavailable:
            false
        }
    }

    /// Whether the failure counts against the endpoint's circuit breaker.
    ///
    /// Rate limiting pauses an endpoint instead; client errors and cancellations are not the
    /// endpoint's fault.
    public var blamesEndpoint: Bool {
        switch code {
        case .connectionFailed, .connectionReset, .timeout, .serverError, .malformedBody, .missingChoices: true
        default: false
        }
    }

    /// Whether the endpoint looks unreachable, so that a retry should go elsewhere at once.
    public var suggestsReroute: Bool {
        code == .connectionFailed || code == .timeout
    }
}
