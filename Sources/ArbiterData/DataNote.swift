import ArbiterCore

/// Something worth knowing about a row that was loaded anyway (a quirk, not a rejection).
///
/// Kinds in use: `two_options`, `language_mismatch`, `duplicate_option`, `answer_normalized`,
/// `unknown_dimension`, `missing_dimension`, `answer_text_mismatch`, `missing_column`.
public struct DataNote: Sendable, Hashable, Codable, CustomStringConvertible {
    /// Where the row starts.
    public var location: SourceLocation
    /// A stable snake_case kind, for grouping.
    public var kind: String
    /// The details.
    public var message: String

    /// Creates a note.
    public init(location: SourceLocation, kind: String, message: String) {
        self.location = location
        self.kind = kind
        self.message = message
    }

    public var description: String { "\(location): [\(kind)] \(message)" }
}
