/// The error type of ArbiterTrainer: a stable code plus context.
///
/// Every failure of the trainer hand-off (protocol v1, outbox, staleness control) surfaces as a
/// `TrainerError`. `context` names where it happened: a batch id, an HTTP status, a file.
public struct TrainerError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Stable error codes.
    public enum Code: String, Sendable, Equatable {
        case notImplemented = "not_implemented"
        /// A value handed to ArbiterTrainer cannot be sent (non-finite number, empty batch, bad URL, missing token).
        case invalidInput = "invalid_input"
        /// The trainer refused a batch with a 4xx status; the run is paused with the trainer's message.
        case rejected = "trainer_rejected"
        /// The trainer answered something protocol v1 does not allow (unparseable acknowledgement, `accepted: false` on 2xx).
        case invalidResponse = "invalid_response"
        /// The trainer could not be reached (connection refused, reset, timed out).
        case transport = "transport"
        /// The outbox store failed to read or write.
        case storeFailure = "store_failure"
        /// The outbox or tracker was shut down while a caller waited on it.
        case shutdown = "shutdown"
    }

    /// The code.
    public var code: Code
    /// Human-readable explanation.
    public var message: String
    /// Where it happened (file:line, field, endpoint), when known.
    public var context: String?

    /// Creates an error.
    public init(_ code: Code, _ message: String, context: String? = nil) {
        self.code = code
        self.message = message
        self.context = context
    }

    public var description: String {
        if let context { return "\(context): \(message) [\(code.rawValue)]" }
        return "\(message) [\(code.rawValue)]"
    }
}
