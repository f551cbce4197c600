/// What `arbiter export` can write.
public enum ExportFormat: String, Sendable, Hashable, CaseIterable {
    /// One self-describing JSON object per line (each with `"type"` and `"run_id"`).
    case jsonl
    /// RFC 4180 CSV with a header line.
    case csv
}

/// A row that can be exported as a JSON line or a CSV record.
public protocol ExportRow: Sendable {
    /// The `"type"` field of its JSON lines.
    static var exportType: String { get }
    /// CSV column names.
    static var csvHeader: [String] { get }
    /// The run it belongs to.
    var runID: String { get }
    /// The JSON fields after `type` and `run_id`, as `(key, rendered JSON value)`.
    var jsonFields: [(String, String)] { get }
    /// CSV fields matching `csvHeader` (nil renders empty).
    var csvFields: [String?] { get }
}

extension ExportRow {
    /// One JSON line (no trailing newline): `{"type":…,"run_id":…,…}`.
    public var jsonLine: String {
        var s = "{\"type\":" + JSONText.quote(Self.exportType) + ",\"run_id\":" + JSONText.quote(runID)
        for (k, v) in jsonFields { s += "," + JSONText.quote(k) + ":" + v }
        return s + "}"
    }

    /// One CSV record (no trailing newline).
    public var csvLine: String { CSVText.line(csvFields) }

    /// The CSV header record.
    public static var csvHeaderLine: String { CSVText.line(csvHeader) }

    /// Renders in a format.
    public func line(_ format: ExportFormat) -> String { format == .jsonl ? jsonLine : csvLine }
}
