/// Hand-written JSON text for places that need byte-stable output (hash chains, JSON
/// lines, wire bodies written without an encoder).
public enum JSONLiteral {
    /// `s` as a JSON string literal: `"`, `\` and control characters escaped, nothing else
    /// (no `\/`, non-ASCII kept as UTF-8), so the result is the same on every platform.
    public static func quote(_ s: String) -> String {
        var out = "\""
        out.reserveCapacity(s.utf8.count + 2)
        for u in s.unicodeScalars {
            switch u {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case "\u{08}": out += "\\b"
            case "\u{0C}": out += "\\f"
            default:
                if u.value < 0x20 {
                    let hex = String(u.value, radix: 16)
                    out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    out.unicodeScalars.append(u)
                }
            }
        }
        out += "\""
        return out
    }

    /// A flat object of strings with keys sorted: `{"a":"x","b":"y"}`.
    public static func object(_ fields: [String: String]) -> String {
        "{" + fields.keys.sorted().map { quote($0) + ":" + quote(fields[$0]!) }.joined(separator: ",") + "}"
    }
}
