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
    ///
    /// Numbers are read with `Double(String)` (correctly rounded), so every value written by
    /// `canonicalObject` reads back bit-exact; Foundation's JSON reader is not exact on every
    /// platform. Anything else yields an empty map.
    static func parseFlatObject(_ text: String) -> [String: Double?] {
        var p = FlatObjectParser(Array(text.utf8))
        return p.parse() ?? [:]
    }
}

/// A reader of the flat aggregate objects: strings as keys, numbers or `null` as values.
struct FlatObjectParser {
    let b: [UInt8]
    var i = 0

    init(_ bytes: [UInt8]) { b = bytes }

    mutating func skip() {
        while i < b.count, b[i] == 0x20 || b[i] == 0x0A || b[i] == 0x0D || b[i] == 0x09 { i += 1 }
    }

    mutating func expect(_ c: UInt8) -> Bool {
        skip()
        guard i < b.count, b[i] == c else { return false }
        i += 1
        return true
    }

    mutating func parse() -> [String: Double?]? {
        guard expect(UInt8(ascii: "{")) else { return nil }
        var out: [String: Double?] = [:]
        if expect(UInt8(ascii: "}")) { return out }
        while true {
            skip()
            guard let key = string(), expect(UInt8(ascii: ":")) else { return nil }
            skip()
            if b[i...].starts(with: Array("null".utf8)) {
                i += 4
                out[key] = .some(nil)
            } else {
                let start = i
                while i < b.count, let c = Optional(b[i]), (c >= 0x30 && c <= 0x39) || c == 0x2D || c == 0x2B || c == 0x2E || c == 0x65 || c == 0x45 {
                    i += 1
                }
                guard let d = Double(String(decoding: b[start..<i], as: UTF8.self)) else { return nil }
                out[key] = d
            }
            if expect(UInt8(ascii: ",")) { continue }
            return expect(UInt8(ascii: "}")) ? out : nil
        }
    }

    mutating func string() -> String? {
        guard i < b.count, b[i] == UInt8(ascii: "\"") else { return nil }
        i += 1
        var bytes: [UInt8] = []
        while i < b.count {
            let c = b[i]
            i += 1
            switch c {
            case UInt8(ascii: "\""):
                return String(decoding: bytes, as: UTF8.self)
            case UInt8(ascii: "\\"):
                guard i < b.count else { return nil }
                let e = b[i]
                i += 1
                switch e {
                case UInt8(ascii: "n"): bytes.append(0x0A)
                case UInt8(ascii: "r"): bytes.append(0x0D)
                case UInt8(ascii: "t"): bytes.append(0x09)
                case UInt8(ascii: "b"): bytes.append(0x08)
                case UInt8(ascii: "f"): bytes.append(0x0C)
                case UInt8(ascii: "u"):
                    guard i + 4 <= b.count, let v = UInt32(String(decoding: b[i..<(i + 4)], as: UTF8.self), radix: 16),
                        let scalar = Unicode.Scalar(v)
                    else { return nil }
                    i += 4
                    bytes.append(contentsOf: Array(String(Character(scalar)).utf8))
                default: bytes.append(e)
                }
            default:
                bytes.append(c)
            }
        }
        return nil
    }
}
