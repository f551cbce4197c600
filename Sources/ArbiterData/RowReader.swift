/// Reads one file's rows as outcomes. Implemented per format.
protocol RowReader: Sendable {
    /// The next row's outcome, or nil at the end of the file. Throws ``DataError`` only for hard errors.
    mutating func next() throws -> RowOutcome?
}
