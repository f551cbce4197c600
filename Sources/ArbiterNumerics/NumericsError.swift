/// The error type of ArbiterNumerics: a stable code, a message, and where the problem was found.
///
/// Configuration validation elsewhere relies on these codes and on `context` naming the
/// offending parameter (e.g. `advantage.params.epsilon`).
public struct NumericsError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Stable, machine-readable error codes.
    public enum Code: String, Sendable, Equatable {
        /// The estimator name is not one of ``AdvantageEstimator/allNames``.
        case unknownEstimator = "unknown_estimator"
        /// A parameter name the estimator does not take.
        case unknownParameter = "unknown_parameter"
        /// A required parameter is absent.
        case missingParameter = "missing_parameter"
        /// A parameter has the wrong type (a string where a number is expected...).
        case invalidParameter = "invalid_parameter"
        /// A parameter is outside its allowed range.
        case outOfRange = "out_of_range"
        /// Arrays whose lengths or offsets do not agree.
        case inconsistentShape = "inconsistent_shape"
        /// Input that is well-formed but cannot be used (a zero embedding, malformed JSON...).
        case invalidInput = "invalid_input"
        /// A LAPACK routine reported failure.
        case lapackFailure = "lapack_failure"
    }

    /// The stable code.
    public var code: Code
    /// A human-readable explanation.
    public var message: String
    /// Where the problem was found (a parameter name, a group index), when known.
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
