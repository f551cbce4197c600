/// A place in an input file, used in every error and every loaded record.
public struct SourceLocation: Sendable, Hashable, Codable, CustomStringConvertible {
    /// The file path as given by the user.
    public var file: String
    /// The 1-based line number (of the first line of a multi-line record).
    public var line: Int
    /// The 1-based column, when known.
    public var column: Int?

    /// Creates a location.
    public init(file: String, line: Int, column: Int? = nil) {
        self.file = file
        self.line = line
        self.column = column
    }

    public var description: String {
        if let column { return "\(file):\(line):\(column)" }
        return "\(file):\(line)"
    }
}
