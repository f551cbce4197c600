/// Why a Python literal did not parse, and where.
public struct PythonLiteralError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What is wrong.
    public var message: String
    /// 0-based offset in Unicode scalars from the start of the text.
    public var offset: Int
    /// 1-based line within the text.
    public var line: Int
    /// 1-based column (in Unicode scalars) within the line.
    public var column: Int

    /// Creates an error.
    public init(message: String, offset: Int, line: Int, column: Int) {
        self.message = message
        self.offset = offset
        self.line = line
        self.column = column
    }

    public var description: String { "line \(line), column \(column): \(message)" }
}
