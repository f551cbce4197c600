import ArbiterCore
import Foundation

/// Minimal JSON rendering for export lines and canonical aggregate maps.
enum JSONText {
    /// A JSON string literal (see ``ArbiterCore/JSONLiteral/quote(_:)``).
    static func quote(_ s: String) -> String { JSONLiteral.quote(s) }

    /// A JSON number (non-finite values render as `null`).
    static func number(_ d: Double?) -> String {
        guard let d, d.isFinite else { return "null" }
        if d == d.rounded(), abs(d) < 1e15 { return String(Int64(d)) + ".0" }
        return "\(d)"
    }

    /// A JSON integer or `null`.
    static func int(_ i: Int?) -> String { i.map(String.init) ?? "null" }

    /// A JSON boolean or `null`.
    static func bool(_ b: Bool?) -> String { b.map { $0 ? "true" : "false" } ?? "null" }

    /// A JSON string or `null`.
    static func string(_ s: String?) -> String { s.map(quote) ?? "null" }

    /// `{"k":v,...}` with keys in UTF-8 byte order: the canonical form of aggregate maps.
    static func canonicalObject(_ values: [String: Double?]) -> String {
        let keys = values.keys.sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }
        return "{" + keys.map { quote($0) + ":" + number(values[$0] ?? nil) }.joined(separator: ",") + "}"
    }

    /// Parses a flat `{"k": number|null}` object as written by `canonicalObject`.
    static func parseFlatObject(_ text: String) -> [String: Double?] {
        guard let data = text.data(using: .utf8),
            let obj = try? JSONSerialization.jsonObject(with: data) as? [String: Any]
        else { return [:] }
        var out: [String: Double?] = [:]
        for (k, v) in obj {
            if let n = v as? NSNumber { out[k] = n.doubleValue } else { out[k] = .some(nil) }
        }
        return out
    }
}
