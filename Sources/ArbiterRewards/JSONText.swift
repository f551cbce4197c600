import ArbiterCore
import Foundation

/// Small JSON helpers: deterministic string quoting and locating JSON inside judge text.
enum JSONText {
    /// A JSON string literal (see ``ArbiterCore/JSONLiteral/quote(_:)``).
    static func quote(_ s: String) -> String { JSONLiteral.quote(s) }

    /// The JSON value spanning the first `open` to the last `close` in `text` (judges often wrap
    /// JSON in prose or code fences), decoded; nil when absent or not valid JSON.
    static func embedded(in text: String, open: Character, close: Character) -> JSONValue? {
        guard let start = text.firstIndex(of: open), let end = text.lastIndex(of: close), start < end else { return nil }
        return try? JSONDecoder().decode(JSONValue.self, from: Data(text[start...end].utf8))
    }

    /// A JSON object embedded in judge text.
    static func embeddedObject(in text: String) -> [String: JSONValue]? {
        if case .object(let o) = embedded(in: text, open: "{", close: "}") { return o }
        return nil
    }

    /// A JSON array embedded in judge text.
    static func embeddedArray(in text: String) -> [JSONValue]? {
        if case .array(let a) = embedded(in: text, open: "[", close: "]") { return a }
        return nil
    }
}

/// A decoded JSON value (booleans stay distinct from numbers).
enum JSONValue: Decodable, Equatable {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        if c.decodeNil() {
            self = .null
        } else if let b = try? c.decode(Bool.self) {
            self = .bool(b)
        } else if let d = try? c.decode(Double.self) {
            self = .number(d)
        } else if let s = try? c.decode(String.self) {
            self = .string(s)
        } else if let a = try? c.decode([JSONValue].self) {
            self = .array(a)
        } else {
            self = .object(try c.decode([String: JSONValue].self))
        }
    }

    /// The string, if this is one.
    var string: String? {
        if case .string(let s) = self { return s }
        return nil
    }

    /// A strict yes/no: a JSON boolean, or a string matching the strict verdict rule.
    var yesNo: Bool? {
        switch self {
        case .bool(let b): return b
        case .string(let s): return VerdictParser.strictAnswer(s)
        default: return nil
        }
    }
}
