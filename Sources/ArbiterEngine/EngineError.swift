/// The error type of ArbiterEngine: a stable code plus context.
public struct EngineError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Stable error codes.
    public enum Code: String, Sendable, Equatable {
        /// Bad configuration or arguments (a field is named in the context).
        case invalidInput = "invalid_input"
        /// The run cannot be resumed as asked (unknown run, config mismatch, finished run).
        case cannotResume = "cannot_resume"
        /// The reward log refused a write or a read failed.
        case storeFailure = "store_failure"
        /// The trainer refused a batch; the run stops instead of dropping data.
        case trainerRejected = "trainer_rejected"
        /// Generation failed beyond what retries and re-routing could absorb.
        case generationFailed = "generation_failed"
        /// The dataset ran out of prompts before the requested steps were done.
        case datasetExhausted = "dataset_exhausted"
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
