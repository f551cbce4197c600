/// The error type of ArbiterData: a stable code plus the context a user needs to fix the input.
///
/// Hard errors only: a missing file, an unreadable file, a missing column, an invalid dataset
/// configuration, or (in strict mode) the first bad row. Bad rows in a lenient load are not errors;
/// they become ``RejectedRow`` values.
public struct DataError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Stable error codes.
    public enum Code: String, Sendable, Equatable, Codable {
        /// The dataset file or folder does not exist (or a folder holds no matching files).
        case fileNotFound = "file_not_found"
        /// The file exists but could not be read.
        case unreadable = "unreadable"
        /// A required column is absent from a table's header.
        case missingColumn = "missing_column"
        /// A row could not be loaded and the dataset is `strict`.
        case badRow = "bad_row"
        /// The dataset configuration asks for something the loader cannot do.
        case invalidConfig = "invalid_config"
        /// The file's format could not be determined or is not supported.
        case unsupportedFormat = "unsupported_format"
    }

    /// The code.
    public var code: Code
    /// Human-readable explanation.
    public var message: String
    /// Where it happened (`file:line`, or a path), when known.
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
