import Foundation

/// RFC 4180 quoting.
public enum CSVText {
    /// Quotes a field when it holds a comma, quote, CR or LF, or leading/trailing space.
    public static func field(_ s: String?) -> String {
        guard let s else { return "" }
        let needs = s.utf8.contains { $0 == UInt8(ascii: ",") || $0 == UInt8(ascii: "\"") || $0 == 10 || $0 == 13 }
            || s.first == " " || s.last == " "
        guard needs else { return s }
        return "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    /// A record.
    public static func line(_ fields: [String?]) -> String { fields.map(field).joined(separator: ",") }

    /// A number for CSV (empty when missing).
    static func number(_ d: Double?) -> String? {
        guard let d, !d.isNaN else { return nil }
        return "\(d)"
    }
}
