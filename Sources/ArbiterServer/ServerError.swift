/// The error type of ArbiterServer: a stable code plus context.
///
/// The dashboard turns `notFound` into a 404 page, `invalidInput` into a 400 page and anything
/// else into a 500 page.
public struct ServerError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Stable error codes.
    public enum Code: String, Sendable, Equatable {
        case notImplemented = "not_implemented"
        case invalidInput = "invalid_input"
        /// The run, rollout or comparison group asked for does not exist.
        case notFound = "not_found"
        /// The reward log failed to answer a query.
        case store
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
