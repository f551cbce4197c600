import Foundation

/// A value in a judge template file: a string scalar or a flat list of strings.
public enum TemplateValue: Sendable, Hashable {
    /// A plain, quoted or `|` block scalar.
    case scalar(String)
    /// A flow sequence of plain scalars, `[a, b, c]`.
    case list([String])
}

/// One top-level `key: value` entry of a template file.
public struct TemplateEntry: Sendable, Hashable {
    /// The key.
    public var key: String
    /// The value.
    public var value: TemplateValue
    /// The 1-based line of the key.
    public var line: Int
    /// The 1-based line of the value's first content line (the next line for a `|` block).
    public var valueLine: Int
}

/// A judge template file parsed with a tiny strict parser for a restricted YAML subset.
///
/// The subset, which keeps ArbiterRewards free of a YAML dependency:
/// - top-level `key: value` entries only, keys `[a-z][a-z0-9_]*`, each key at most once;
/// - values: plain scalars (to end of line, ` #` starts a comment), `"double"` (JSON escapes) or
///   `'single'` quoted scalars on one line, flow lists of plain scalars `[a, b]`, and literal
///   block scalars `|` (clip: one final newline) or `|-` (strip: no final newline);
/// - blank lines and `#` comment lines anywhere outside a block; an optional leading `---`.
///
/// Everything else (nesting, `>` folded scalars, `|+`, anchors, tags, flow mappings, tabs in
/// indentation, multi-line plain or quoted scalars) is an error naming the file and line.
/// Any file in this subset is also valid YAML with the same meaning.
public struct TemplateDocument: Sendable, Hashable {
    /// The file name used in error contexts.
    public var file: String
    /// Entries in file order.
    public var entries: [TemplateEntry]

    /// Parses template text; `file` names the file in errors.
    public static func parse(_ text: String, file: String) throws -> TemplateDocument {
        var parser = Parser(file: file, text: text)
        return TemplateDocument(file: file, entries: try parser.parse())
    }

    /// The entry for `key`, if present.
    public subscript(key: String) -> TemplateEntry? {
        entries.first(where: { $0.key == key })
    }

    /// The canonical content hashed into a template's identity.
    ///
    /// A JSON object with keys in code-point order, every scalar a JSON string and every list
    /// a JSON array of strings, no whitespace: comments, blank lines, quoting style and key
    /// order do not change it; any change to a value does.
    public var canonicalContent: String {
        let sorted = entries.sorted {
            Array($0.key.unicodeScalars.map(\.value)).lexicographicallyPrecedes($1.key.unicodeScalars.map(\.value))
        }
        let parts = sorted.map { entry -> String in
            let value: String
            switch entry.value {
            case .scalar(let s): value = JSONText.quote(s)
            case .list(let items): value = "[" + items.map(JSONText.quote).joined(separator: ",") + "]"
            }
            return JSONText.quote(entry.key) + ":" + value
        }
        return "{" + parts.joined(separator: ",") + "}"
    }

    /// The line-oriented parser.
    private struct Parser {
        let file: String
        let lines: [Substring]
        var index = 0

        init(file: String, text: String) {
            self.file = file
            var t = text
            if t.hasPrefix("\u{FEFF}") { t.removeFirst() }
            t = t.replacingOccurrences(of: "\r\n", with: "\n")
            self.lines = t.split(separator: "\n", omittingEmptySubsequences: false)
        }

        func error(_ message: String, line: Int) -> RewardsError {
            RewardsError(.templateSyntax, message, context: "\(file):\(line)")
        }

        mutating func parse() throws -> [TemplateEntry] {
            var entries: [TemplateEntry] = []
            var seen: [String: Int] = [:]
            while index < lines.count {
                let line = lines[index]
                let lineNumber = index + 1
                if line.allSatisfy({ $0 == " " }) || line.drop(while: { $0 == " " }).hasPrefix("#") {
                    index += 1
                    continue
                }
                if line.trimmingTrailingSpaces() == "---" {
                    guard entries.isEmpty else { throw error("a second document (`---`) is not supported", line: lineNumber) }
                    index += 1
                    continue
                }
                if line.first == " " || line.first == "\t" {
                    throw error(
                        "unexpected indentation: only top-level `key: value` entries are allowed outside a `|` block", line: lineNumber)
                }
                let entry = try parseEntry(line, lineNumber: lineNumber)
                if let first = seen[entry.key] {
                    throw error("duplicate key `\(entry.key)` (first defined on line \(first))", line: lineNumber)
                }
                seen[entry.key] = lineNumber
                entries.append(entry)
            }
            return entries
        }

        mutating func parseEntry(_ line: Substring, lineNumber: Int) throws -> TemplateEntry {
            guard let colon = line.firstIndex(of: ":") else {
                throw error("expected `key: value`", line: lineNumber)
            }
            let key = String(line[..<colon])
            guard Self.isValidKey(key) else {
                throw error("invalid key `\(key)`: keys are lower-case letters, digits and `_`, starting with a letter", line: lineNumber)
            }
            var rest = line[line.index(after: colon)...]
            guard rest.isEmpty || rest.first == " " else {
                throw error("expected a space after `\(key):`", line: lineNumber)
            }
            rest = rest.drop(while: { $0 == " " })
            if rest.isEmpty || rest.first == "#" {
                throw error("`\(key)` has no value (nested mappings are not supported)", line: lineNumber)
            }
            index += 1
            switch rest.first! {
            case "|":
                let (text, firstLine) = try parseBlock(indicator: rest, key: key, lineNumber: lineNumber)
                return TemplateEntry(key: key, value: .scalar(text), line: lineNumber, valueLine: firstLine)
            case "\"":
                let text = try parseDoubleQuoted(rest, lineNumber: lineNumber)
                return TemplateEntry(key: key, value: .scalar(text), line: lineNumber, valueLine: lineNumber)
            case "'":
                let text = try parseSingleQuoted(rest, lineNumber: lineNumber)
                return TemplateEntry(key: key, value: .scalar(text), line: lineNumber, valueLine: lineNumber)
            case "[":
                let items = try parseFlowList(rest, lineNumber: lineNumber)
                return TemplateEntry(key: key, value: .list(items), line: lineNumber, valueLine: lineNumber)
            case ">":
                throw error("folded scalars (`>`) are not supported; use a literal block `|` or `|-`", line: lineNumber)
            case "{":
                throw error("flow mappings (`{...}`) are not supported", line: lineNumber)
            case "&", "*", "!", "%", "@", "`":
                throw error("`\(rest.first!)` (anchors, aliases, tags, reserved indicators) is not supported", line: lineNumber)
            case "-" where rest.count == 1 || rest.dropFirst().first == " ":
                throw error("block sequences are not supported; use a flow list `[a, b]`", line: lineNumber)
            default:
                return TemplateEntry(
                    key: key, value: .scalar(try parsePlain(rest, lineNumber: lineNumber)), line: lineNumber, valueLine: lineNumber)
            }
        }

        static func isValidKey(_ key: String) -> Bool {
            guard let first = key.unicodeScalars.first, ("a"..."z").contains(first) else { return false }
            return key.unicodeScalars.allSatisfy { ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "_" }
        }

        /// Strips a trailing ` # comment` and requires nothing else after a closed construct.
        func requireOnlyComment(_ tail: Substring, lineNumber: Int) throws {
            let t = tail.drop(while: { $0 == " " })
            if t.isEmpty { return }
            guard t.first == "#", tail.first == " " else {
                throw error("unexpected text after the value: `\(t)`", line: lineNumber)
            }
        }

        func parsePlain(_ rest: Substring, lineNumber: Int) throws -> String {
            var value = rest
            if let hash = value.range(of: " #") { value = value[..<hash.lowerBound] }
            let text = String(value.trimmingTrailingSpaces())
            if text.contains(": ") || text.hasSuffix(":") {
                throw error("a plain value may not contain `: `; quote it", line: lineNumber)
            }
            if text.contains("\t") {
                throw error("tabs are not allowed in plain values; quote the value", line: lineNumber)
            }
            return text
        }

        func parseDoubleQuoted(_ rest: Substring, lineNumber: Int) throws -> String {
            var out = ""
            var i = rest.index(after: rest.startIndex)
            while i < rest.endIndex {
                let c = rest[i]
                if c == "\"" {
                    try requireOnlyComment(rest[rest.index(after: i)...], lineNumber: lineNumber)
                    return out
                }
                if c == "\\" {
                    i = rest.index(after: i)
                    guard i < rest.endIndex else { break }
                    switch rest[i] {
                    case "\"": out.append("\"")
                    case "\\": out.append("\\")
                    case "/": out.append("/")
                    case "n": out.append("\n")
                    case "t": out.append("\t")
                    case "r": out.append("\r")
                    case "b": out.append("\u{8}")
                    case "f": out.append("\u{c}")
                    case "u":
                        let hexStart = rest.index(after: i)
                        guard let hexEnd = rest.index(hexStart, offsetBy: 4, limitedBy: rest.endIndex),
                            let code = UInt32(rest[hexStart..<hexEnd], radix: 16), let scalar = Unicode.Scalar(code)
                        else { throw error("invalid `\\u` escape", line: lineNumber) }
                        out.unicodeScalars.append(scalar)
                        i = rest.index(before: hexEnd)
                    default:
                        throw error("unsupported escape `\\\(rest[i])` in a double-quoted value", line: lineNumber)
                    }
                } else {
                    out.append(c)
                }
                i = rest.index(after: i)
            }
            throw error("unterminated double-quoted value (quoted values must fit on one line; use `|` for text)", line: lineNumber)
        }

        func parseSingleQuoted(_ rest: Substring, lineNumber: Int) throws -> String {
            var out = ""
            var i = rest.index(after: rest.startIndex)
            while i < rest.endIndex {
                let c = rest[i]
                if c == "'" {
                    let next = rest.index(after: i)
                    if next < rest.endIndex, rest[next] == "'" {
                        out.append("'")
                        i = rest.index(after: next)
                        continue
                    }
                    try requireOnlyComment(rest[next...], lineNumber: lineNumber)
                    return out
                }
                out.append(c)
                i = rest.index(after: i)
            }
            throw error("unterminated single-quoted value (quoted values must fit on one line; use `|` for text)", line: lineNumber)
        }

        func parseFlowList(_ rest: Substring, lineNumber: Int) throws -> [String] {
            guard let close = rest.firstIndex(of: "]") else {
                throw error("unterminated flow list (lists must fit on one line)", line: lineNumber)
            }
            try requireOnlyComment(rest[rest.index(after: close)...], lineNumber: lineNumber)
            let inner = rest[rest.index(after: rest.startIndex)..<close]
            if inner.allSatisfy({ $0 == " " }) { return [] }
            var items: [String] = []
            for raw in inner.split(separator: ",", omittingEmptySubsequences: false) {
                let item = raw.drop(while: { $0 == " " }).trimmingTrailingSpaces()
                guard !item.isEmpty else { throw error("empty item in flow list", line: lineNumber) }
                guard item.allSatisfy({ $0.isLetter || $0.isNumber || "_-.".contains($0) }) else {
                    throw error("flow list items must be plain words (letters, digits, `_`, `-`, `.`), found `\(item)`", line: lineNumber)
                }
                items.append(String(item))
            }
            return items
        }

        mutating func parseBlock(indicator: Substring, key: String, lineNumber: Int) throws -> (String, Int) {
            var ind = indicator
            if let hash = ind.range(of: " #") { ind = ind[..<hash.lowerBound] }
            let header = ind.trimmingTrailingSpaces()
            let strip: Bool
            switch header {
            case "|": strip = false
            case "|-": strip = true
            case "|+": throw error("keep chomping (`|+`) is not supported; use `|` or `|-`", line: lineNumber)
            default: throw error("unsupported block header `\(header)`; use `|` or `|-`", line: lineNumber)
            }
            let firstContentLine = index + 1
            var contentLines: [Substring] = []
            var indent: Int?
            while index < lines.count {
                let line = lines[index]
                let blank = line.allSatisfy { $0 == " " }
                if !blank, line.first != " " {
                    if line.first == "\t" {
                        throw error("tabs are not allowed for indentation", line: index + 1)
                    }
                    break
                }
                if blank {
                    if let indent, line.count > indent {
                        contentLines.append(line.dropFirst(indent))
                    } else {
                        contentLines.append("")
                    }
                    index += 1
                    continue
                }
                let leading = line.prefix(while: { $0 == " " }).count
                if line.dropFirst(leading).first == "\t" {
                    throw error("tabs are not allowed for indentation", line: index + 1)
                }
                if indent == nil {
                    indent = leading
                }
                guard let indent, leading >= indent else {
                    throw error("line is indented less than the first line of the `\(key)` block", line: index + 1)
                }
                contentLines.append(line.dropFirst(indent))
                index += 1
            }
            guard indent != nil else {
                throw error("the block scalar of `\(key)` is empty", line: lineNumber)
            }
            while let last = contentLines.last, last.isEmpty { contentLines.removeLast() }
            var text = contentLines.joined(separator: "\n")
            if !strip { text += "\n" }
            return (text, firstContentLine)
        }
    }
}

extension Substring {
    /// The substring without trailing spaces.
    func trimmingTrailingSpaces() -> Substring {
        var s = self
        while s.last == " " { s.removeLast() }
        return s
    }
}
