import Foundation

/// Decodes one JSONL line into a dictionary, tolerating the bare `NaN` token (as written by pandas).
enum JSONLine {
    /// A cell of a JSON object.
    enum Cell {
        /// The key is absent.
        case missing
        /// `null` (or `NaN`).
        case null
        /// A string, or a number/bool rendered as text.
        case text(String)
        /// An array or object.
        case structured
    }

    /// `line` with every `NaN` token outside strings replaced by `null`; strings are untouched.
    static func replacingNaN(_ line: String) -> String {
        let bytes = Array(line.utf8)
        guard bytes.count >= 3 else { return line }
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count + 8)
        var inString = false
        var escaped = false
        var i = 0
        func isWord(_ b: UInt8) -> Bool {
            (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A) || b == 0x5F || b >= 0x80
        }
        while i < bytes.count {
            let b = bytes[i]
            if inString {
                if escaped { escaped = false } else if b == 0x5C { escaped = true } else if b == 0x22 { inString = false }
                out.append(b)
                i += 1
                continue
            }
            if b == 0x22 {
                inString = true
            } else if b == 0x4E, i + 2 < bytes.count, bytes[i + 1] == 0x61, bytes[i + 2] == 0x4E,
                i == 0 || !isWord(bytes[i - 1]), i + 3 >= bytes.count || !isWord(bytes[i + 3])
            {
                out.append(contentsOf: Array("null".utf8))
                i += 3
                continue
            }
            out.append(b)
            i += 1
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// The object on `line`, or a reason it is not one.
    static func object(_ line: String) -> Result<[String: Any], RowProblem> {
        let data = Data(replacingNaN(line).utf8)
        let value: Any
        do {
            value = try JSONSerialization.jsonObject(with: data, options: [])
        } catch {
            return .failure(RowProblem("invalid JSON: \(jsonErrorSummary(error))"))
        }
        guard let object = value as? [String: Any] else {
            return .failure(RowProblem("the line is JSON but not an object"))
        }
        return .success(object)
    }

    /// The cell at `key`.
    static func cell(_ object: [String: Any], _ key: String) -> Cell {
        guard let v = object[key] else { return .missing }
        if v is NSNull { return .null }
        if let s = v as? String { return .text(s) }
        if let n = v as? NSNumber { return .text(n.stringValue) }
        if v is [Any] || v is [String: Any] { return .structured }
        return .text("\(v)")
    }

    private static func jsonErrorSummary(_ error: any Error) -> String {
        let ns = error as NSError
        if let detail = ns.userInfo[NSDebugDescriptionErrorKey] as? String { return detail }
        return ns.localizedDescription
    }
}
