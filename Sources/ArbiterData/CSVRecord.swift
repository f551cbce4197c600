/// One CSV record: its fields and the line it starts on.
public struct CSVRecord: Sendable, Hashable {
    /// The fields, unquoted (doubled quotes collapsed; embedded line breaks are `\n`).
    public var fields: [String]
    /// The 1-based line number where the record starts.
    public var line: Int
    /// The 1-based line number where the record ends (greater than `line` for multi-line fields).
    public var endLine: Int

    /// Creates a record.
    public init(fields: [String], line: Int, endLine: Int) {
        self.fields = fields
        self.line = line
        self.endLine = endLine
    }

    /// Whether the record is a blank line (one empty, unquoted field).
    public var isBlank: Bool { fields.count == 1 && fields[0].isEmpty && line == endLine }
}
