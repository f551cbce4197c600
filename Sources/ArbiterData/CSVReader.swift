/// A streaming RFC 4180 CSV reader that tracks the line where each record starts.
///
/// Reads one line at a time from a ``LineReader``; a quoted field may span lines. A malformed
/// record (a quote inside an unquoted field, text after a closing quote, a quoted field still
/// open at the end of the input) throws ``CSVReader/Failure``; the reader has then skipped the
/// rest of the offending line, so the caller may report it and keep reading.
public struct CSVReader: Sendable {
    /// A malformed record.
    public struct Failure: Error, Sendable, Hashable, CustomStringConvertible {
        /// The line where the record starts.
        public var line: Int
        /// The line where the problem is.
        public var problemLine: Int
        /// What is wrong.
        public var message: String

        public var description: String { "line \(line): \(message)" }
    }

    private var lines: LineReader
    private let separator: Unicode.Scalar

    /// Creates a reader over `lines`.
    public init(lines: LineReader, separator: Unicode.Scalar = ",") {
        self.lines = lines
        self.separator = separator
    }

    private enum State { case fieldStart, unquoted, quoted, quoteInQuoted }

    /// The next record, or nil at the end of the input. Blank lines come back as records
    /// with ``CSVRecord/isBlank`` set; callers usually skip them.
    public mutating func nextRecord() throws -> CSVRecord? {
        var fields: [String] = []
        var field = String.UnicodeScalarView()
        var state = State.fieldStart
        var startLine: Int?
        while true {
            guard let line = try lines.nextLine() else {
                guard let startLine else { return nil }
                // Only a quoted field can leave a record open across lines.
                throw Failure(
                    line: startLine, problemLine: lines.lineNumber,
                    message: "quoted field opened on line \(startLine) is never closed (end of input)")
            }
            let lineNo = lines.lineNumber
            if startLine == nil { startLine = lineNo }
            var column = 0
            for scalar in line.unicodeScalars {
                column += 1
                switch state {
                case .fieldStart:
                    if scalar == "\"" {
                        state = .quoted
                    } else if scalar == separator {
                        fields.append("")
                    } else {
                        field.append(scalar)
                        state = .unquoted
                    }
                case .unquoted:
                    if scalar == separator {
                        fields.append(String(field))
                        field = String.UnicodeScalarView()
                        state = .fieldStart
                    } else if scalar == "\"" {
                        throw Failure(
                            line: startLine ?? lineNo, problemLine: lineNo,
                            message: "line \(lineNo), column \(column): quote inside an unquoted field (field \(fields.count + 1))")
                    } else {
                        field.append(scalar)
                    }
                case .quoted:
                    if scalar == "\"" { state = .quoteInQuoted } else { field.append(scalar) }
                case .quoteInQuoted:
                    if scalar == "\"" {
                        field.append(scalar)
                        state = .quoted
                    } else if scalar == separator {
                        fields.append(String(field))
                        field = String.UnicodeScalarView()
                        state = .fieldStart
                    } else {
                        throw Failure(
                            line: startLine ?? lineNo, problemLine: lineNo,
                            message: "line \(lineNo), column \(column): unexpected character after the closing quote of field \(fields.count + 1)")
                    }
                }
            }
            if state == .quoted {
                field.append("\n")
                continue
            }
            fields.append(String(field))
            return CSVRecord(fields: fields, line: startLine ?? lineNo, endLine: lineNo)
        }
    }
}
