/// The error type of ArbiterRewards: a stable code plus the context a user needs to fix the input.
///
/// Judge-call failures are not errors of this type: they become `failed` verdicts or missing
/// reward components, so a run keeps going and the log says what happened.
public struct RewardsError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Stable error codes.
    public enum Code: String, Sendable, Equatable {
        /// A judge template file does not follow the template syntax (context: `file:line`).
        case templateSyntax = "template_syntax"
        /// A judge template parsed but is not a valid template (missing key, bad value, unknown placeholder).
        case invalidTemplate = "invalid_template"
        /// Input data (a `rubric score` file, a criterion list) is malformed.
        case invalidInput = "invalid_input"
        /// A reward configuration cannot be used (unknown component, missing template, bad style).
        case invalidConfig = "invalid_config"
        /// A file could not be read.
        case io
    }

    /// The code.
    public var code: Code
    /// Human-readable explanation.
    public var message: String
    /// Where it happened (file:line, JSON path, response id), when known.
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
