/// The header record of a CSV table, with lenient name lookup.
struct TableHeader {
    /// Column names as written (trimmed).
    var names: [String]
    /// The header's line.
    var line: Int

    /// Reads the first non-blank record as the header; throws ``DataError`` for an empty or malformed one.
    static func read(_ csv: inout CSVReader, file: String) throws -> TableHeader {
        while true {
            let record: CSVRecord?
            do {
                record = try csv.nextRecord()
            } catch let failure as CSVReader.Failure {
                throw DataError(.unsupportedFormat, "malformed CSV header: \(failure.message)", context: "\(file):\(failure.line)")
            }
            guard let record else { throw DataError(.missingColumn, "the file is empty: no header row", context: file) }
            if record.isBlank { continue }
            return TableHeader(names: record.fields.map(OptionLabel.trimmed), line: record.line)
        }
    }

    /// The index of `name`: exact match first, then case-insensitive.
    func index(of name: String) -> Int? {
        if let i = names.firstIndex(of: name) { return i }
        let lower = name.lowercased()
        return names.firstIndex(where: { $0.lowercased() == lower })
    }
}
