/// The error type of ArbiterStore: a stable code plus context.
///
/// The append-only reward log lands in issue 6.
public struct StoreError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Stable error codes.
    public enum Code: String, Sendable, Equatable {
        case notImplemented = "not_implemented"
        case invalidInput = "invalid_input"
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
