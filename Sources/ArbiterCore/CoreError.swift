/// The error type of ArbiterCore: a code plus the context a user needs to fix the input.
public struct CoreError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What went wrong, as a stable machine-readable code.
    public enum Code: String, Sendable, Equatable {
        case invalidValue = "invalid_value"
        case inconsistentShape = "inconsistent_shape"
        case outOfRange = "out_of_range"
    }

    /// The stable code.
    public var code: Code
    /// A human-readable explanation.
    public var message: String
    /// Where the problem was found (a field path, file:line, or id), when known.
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
