/// A strict recursive-descent parser for Python literals (the `ast.literal_eval` subset datasets use).
///
/// Supports `None`, `True`, `False`; ints (decimal, `0x`, `0o`, `0b`, underscores, one unary sign);
/// floats; strings in single, double or triple quotes with `r`/`u` prefixes, all standard escapes
/// (`\n \t \' \\ \xhh \uhhhh \Uhhhhhhhh`, octal, line continuation) and implicit concatenation of
/// adjacent literals; lists, tuples and dicts, with trailing commas; `#` comments. Anything else
/// (sets, bytes, f-strings, complex numbers, names, expressions) is an error with its position.
struct PythonLiteralParser {
    private let scalars: [Unicode.Scalar]
    private var pos = 0
    private var depth = 0
    private static let maxDepth = 256

    init(_ text: String) { scalars = Array(text.unicodeScalars) }

    /// Parses the whole text as one literal.
    mutating func parseDocument() throws(PythonLiteralError) -> PythonLiteral {
        skipTrivia()
        if pos >= scalars.count { throw error("empty input: expected a literal") }
        let value = try parseValue()
        skipTrivia()
        if pos < scalars.count {
            throw error("trailing garbage after the literal: unexpected \(describe(scalars[pos]))")
        }
        return value
    }

    // MARK: - Values

    private mutating func parseValue() throws(PythonLiteralError) -> PythonLiteral {
        skipTrivia()
        guard let c = peek() else { throw error("unexpected end of input: expected a value") }
        switch c {
        case "[": return try parseList()
        case "(": return try parseParenthesized()
        case "{": return try parseDict()
        case "'", "\"": return try parseStrings()
        case "-", "+": return try parseSigned()
        case "0"..."9": return try parseNumber(negative: false)
        case ".":
            if let n = peek(1), ("0"..."9").contains(n) { return try parseNumber(negative: false) }
            throw error("unexpected '.'")
        case "]", ")", "}": throw error("unbalanced '\(c)': no value before it")
        default:
            if isIdentifierStart(c) {
                if isStringPrefixStart() { return try parseStrings() }
                return try parseName()
            }
            throw error("unexpected \(describe(c))")
        }
    }

    private mutating func enter() throws(PythonLiteralError) {
        depth += 1
        if depth > Self.maxDepth { throw error("nesting deeper than \(Self.maxDepth) levels") }
    }

    private mutating func parseList() throws(PythonLiteralError) -> PythonLiteral {
        let open = pos
        try enter()
        defer { depth -= 1 }
        pos += 1
        var items: [PythonLiteral] = []
        skipTrivia()
        if peek() == "]" {
            pos += 1
            return .list(items)
        }
        while true {
            items.append(try parseValue())
            skipTrivia()
            guard let c = peek() else { throw error("unbalanced '[' opened at \(location(open)): missing ']'") }
            if c == "]" {
                pos += 1
                return .list(items)
            }
            guard c == "," else { throw error("expected ',' or ']' in the list opened at \(location(open)), found \(describe(c))") }
            pos += 1
            skipTrivia()
            if peek() == "]" {
                pos += 1
                return .list(items)
            }
        }
    }

    private mutating func parseParenthesized() throws(PythonLiteralError) -> PythonLiteral {
        let open = pos
        try enter()
        defer { depth -= 1 }
        pos += 1
        skipTrivia()
        if peek() == ")" {
            pos += 1
            return .tuple([])
        }
        let first = try parseValue()
        skipTrivia()
        guard let c = peek() else { throw error("unbalanced '(' opened at \(location(open)): missing ')'") }
        if c == ")" {
            pos += 1
            return first  // a parenthesized value, not a tuple
        }
        guard c == "," else { throw error("expected ',' or ')' in the tuple opened at \(location(open)), found \(describe(c))") }
        var items = [first]
        while true {
            // positioned at ','
            pos += 1
            skipTrivia()
            if peek() == ")" {
                pos += 1
                return .tuple(items)
            }
            items.append(try parseValue())
            skipTrivia()
            guard let c = peek() else { throw error("unbalanced '(' opened at \(location(open)): missing ')'") }
            if c == ")" {
                pos += 1
                return .tuple(items)
            }
            guard c == "," else { throw error("expected ',' or ')' in the tuple opened at \(location(open)), found \(describe(c))") }
        }
    }

    private mutating func parseDict() throws(PythonLiteralError) -> PythonLiteral {
        let open = pos
        try enter()
        defer { depth -= 1 }
        pos += 1
        var entries: [PythonLiteral.Entry] = []
        skipTrivia()
        if peek() == "}" {
            pos += 1
            return .dict(entries)
        }
        while true {
            let keyStart = pos
            let key = try parseValue()
            switch key {
            case .list, .dict: throw error("unhashable dict key of type \(key.typeName)", at: keyStart)
            default: break
            }
            skipTrivia()
            guard let colon = peek() else { throw error("unbalanced '{' opened at \(location(open)): missing '}'") }
            if colon == "," || colon == "}" { throw error("expected ':' after the dict key (sets are not supported)") }
            guard colon == ":" else { throw error("expected ':' after the dict key, found \(describe(colon))") }
            pos += 1
            let value = try parseValue()
            entries.append(.init(key: key, value: value))
            skipTrivia()
            guard let c = peek() else { throw error("unbalanced '{' opened at \(location(open)): missing '}'") }
            if c == "}" {
                pos += 1
                return .dict(entries)
            }
            guard c == "," else { throw error("expected ',' or '}' in the dict opened at \(location(open)), found \(describe(c))") }
            pos += 1
            skipTrivia()
            if peek() == "}" {
                pos += 1
                return .dict(entries)
            }
        }
    }

    private mutating func parseName() throws(PythonLiteralError) -> PythonLiteral {
        let start = pos
        var name = String.UnicodeScalarView()
        while let c = peek(), isIdentifierContinue(c) {
            name.append(c)
            pos += 1
        }
        switch String(name) {
        case "None": return .none
        case "True": return .bool(true)
        case "False": return .bool(false)
        case let other: throw error("unknown name '\(other)' (only None, True and False are literals)", at: start)
        }
    }

    // MARK: - Numbers

    private mutating func parseSigned() throws(PythonLiteralError) -> PythonLiteral {
        let signPos = pos
        let negative = scalars[pos] == "-"
        pos += 1
        skipTrivia()
        guard let c = peek() else { throw error("unexpected end of input after the sign", at: signPos) }
        guard ("0"..."9").contains(c) || (c == "." && peek(1).map { ("0"..."9").contains($0) } == true) else {
            throw error("a sign must be followed by a number, found \(describe(c))")
        }
        return try parseNumber(negative: negative)
    }

    private mutating func parseNumber(negative: Bool) throws(PythonLiteralError) -> PythonLiteral {
        let start = pos
        if scalars[pos] == "0", let p = peek(1), "xXoObB".unicodeScalars.contains(p) {
            let radix: Int = switch p {
            case "x", "X": 16
            case "o", "O": 8
            default: 2
            }
            pos += 2
            var digits = ""
            while let c = peek(), c == "_" || c.properties.isASCIIHexDigit {
                if c != "_" { digits.unicodeScalars.append(c) }
                pos += 1
            }
            try checkNumberEnd(start)
            guard !digits.isEmpty, let magnitude = Int(digits, radix: radix) else {
                throw error("invalid or too large integer literal", at: start)
            }
            return .int(negative ? -magnitude : magnitude)
        }
        var text = ""
        var isFloat = false
        func digits(_ p: inout Self, _ text: inout String) {
            while let c = p.peek(), ("0"..."9").contains(c) || c == "_" {
                if c != "_" { text.unicodeScalars.append(c) }
                p.pos += 1
            }
        }
        digits(&self, &text)
        if peek() == "." {
            isFloat = true
            text += "."
            pos += 1
            digits(&self, &text)
        }
        if let e = peek(), e == "e" || e == "E" {
            isFloat = true
            text += "e"
            pos += 1
            if let s = peek(), s == "+" || s == "-" {
                text.unicodeScalars.append(s)
                pos += 1
            }
            let before = text.count
            digits(&self, &text)
            if text.count == before { throw error("malformed exponent in number", at: start) }
        }
        if let j = peek(), j == "j" || j == "J" { throw error("complex numbers are not supported", at: start) }
        try checkNumberEnd(start)
        if isFloat {
            guard let d = Double(text) else { throw error("malformed float literal", at: start) }
            return .float(negative ? -d : d)
        }
        if text.count > 1, text.first == "0", text.contains(where: { $0 != "0" }) {
            throw error("leading zeros in a decimal integer are not allowed", at: start)
        }
        guard let i = Int(negative ? "-" + text : text) else { throw error("integer literal too large", at: start) }
        return .int(i)
    }

    private func checkNumberEnd(_ start: Int) throws(PythonLiteralError) {
        if let c = peek(), isIdentifierContinue(c) || c == "." {
            throw error("bad token: unexpected \(describe(c)) in a number", at: pos)
        }
    }

    // MARK: - Strings

    private func isStringPrefixStart() -> Bool {
        var i = pos
        var n = 0
        while i < scalars.count, "rRuUbBfF".unicodeScalars.contains(scalars[i]), n < 2 {
            i += 1
            n += 1
        }
        return n > 0 && i < scalars.count && (scalars[i] == "'" || scalars[i] == "\"")
    }

    /// One or more adjacent string literals, concatenated.
    private mutating func parseStrings() throws(PythonLiteralError) -> PythonLiteral {
        var result = String.UnicodeScalarView()
        repeat {
            result.append(contentsOf: try parseOneString())
            skipTrivia()
        } while peek() == "'" || peek() == "\"" || (peek().map(isIdentifierStart) == true && isStringPrefixStart())
        return .string(String(result))
    }

    private mutating func parseOneString() throws(PythonLiteralError) -> String.UnicodeScalarView {
        let start = pos
        var raw = false
        while let c = peek(), c != "'", c != "\"" {
            switch c {
            case "r", "R": raw = true
            case "u", "U": break
            case "b", "B": throw error("bytes literals are not supported", at: start)
            case "f", "F": throw error("f-strings are not supported", at: start)
            default: throw error("bad string prefix", at: start)
            }
            pos += 1
        }
        guard let quote = peek() else { throw error("unexpected end of input", at: start) }
        let triple = peek(1) == quote && peek(2) == quote
        pos += triple ? 3 : 1
        var out = String.UnicodeScalarView()
        while true {
            guard let c = peek() else {
                throw error("unterminated string literal (opened at \(location(start)))", at: start)
            }
            if c == quote {
                if !triple {
                    pos += 1
                    return out
                }
                if peek(1) == quote && peek(2) == quote {
                    pos += 3
                    return out
                }
                out.append(c)
                pos += 1
                continue
            }
            if c == "\n" && !triple {
                throw error("unterminated string literal (line break before the closing quote)", at: start)
            }
            if c == "\\" {
                guard let next = peek(1) else {
                    throw error("unterminated string literal (opened at \(location(start)))", at: start)
                }
                if raw {
                    // In a raw string a backslash keeps itself and protects the next character.
                    out.append(c)
                    out.append(next)
                    pos += 2
                    continue
                }
                try parseEscape(into: &out)
                continue
            }
            out.append(c)
            pos += 1
        }
    }

    private mutating func parseEscape(into out: inout String.UnicodeScalarView) throws(PythonLiteralError) {
        let escStart = pos
        let e = scalars[pos + 1]
        pos += 2
        switch e {
        case "\n": break  // line continuation
        case "\\": out.append("\\")
        case "'": out.append("'")
        case "\"": out.append("\"")
        case "a": out.append("\u{07}")
        case "b": out.append("\u{08}")
        case "f": out.append("\u{0C}")
        case "n": out.append("\n")
        case "r": out.append("\r")
        case "t": out.append("\t")
        case "v": out.append("\u{0B}")
        case "0"..."7":
            var value = Int(e.value - 48)
            var n = 1
            while n < 3, let d = peek(), ("0"..."7").contains(d) {
                value = value * 8 + Int(d.value - 48)
                pos += 1
                n += 1
            }
            out.append(try scalar(value, at: escStart))
        case "x": out.append(try scalar(try hexDigits(2, escape: "\\x", at: escStart), at: escStart))
        case "u", "U":
            let value = try hexDigits(e == "u" ? 4 : 8, escape: "\\\(e)", at: escStart)
            if (0xD800...0xDBFF).contains(value) {
                // A surrogate pair written as two \u escapes: combine it.
                if peek() == "\\", peek(1) == "u" {
                    let save = pos
                    pos += 2
                    let low = try hexDigits(4, escape: "\\u", at: save)
                    if (0xDC00...0xDFFF).contains(low) {
                        out.append(try scalar(0x10000 + ((value - 0xD800) << 10) + (low - 0xDC00), at: escStart))
                        break
                    }
                }
                throw error("lone surrogate \\u\(String(value, radix: 16)) cannot be represented", at: escStart)
            }
            out.append(try scalar(value, at: escStart))
        case "N": throw error("\\N{...} escapes are not supported", at: escStart)
        default:
            // Python keeps unknown escapes verbatim.
            out.append("\\")
            out.append(e)
        }
    }

    private mutating func hexDigits(_ count: Int, escape: String, at start: Int) throws(PythonLiteralError) -> Int {
        var value = 0
        for _ in 0..<count {
            guard let d = peek(), d.properties.isASCIIHexDigit, let v = Int(String(d), radix: 16) else {
                throw error("truncated \(escape) escape: expected \(count) hex digits", at: start)
            }
            value = value * 16 + v
            pos += 1
        }
        return value
    }

    private func scalar(_ value: Int, at start: Int) throws(PythonLiteralError) -> Unicode.Scalar {
        guard let s = Unicode.Scalar(UInt32(truncatingIfNeeded: value)), value <= 0x10FFFF else {
            throw error("escape value \(value) is not a valid Unicode scalar", at: start)
        }
        return s
    }

    // MARK: - Helpers

    private func peek(_ ahead: Int = 0) -> Unicode.Scalar? {
        let i = pos + ahead
        return i < scalars.count ? scalars[i] : nil
    }

    private mutating func skipTrivia() {
        while let c = peek() {
            switch c {
            case " ", "\t", "\n", "\r", "\u{0C}":
                pos += 1
            case "\\" where peek(1) == "\n":
                pos += 2
            case "#":
                while let c = peek(), c != "\n" { pos += 1 }
            default:
                return
            }
        }
    }

    private func isIdentifierStart(_ c: Unicode.Scalar) -> Bool {
        c == "_" || c.properties.isAlphabetic
    }

    private func isIdentifierContinue(_ c: Unicode.Scalar) -> Bool {
        c == "_" || c.properties.isAlphabetic || c.properties.numericType != nil
    }

    private func describe(_ c: Unicode.Scalar) -> String {
        switch c {
        case "\n": "line break"
        case "'": "\"'\""
        default: "'\(Character(c))'"
        }
    }

    private func lineColumn(_ offset: Int) -> (line: Int, column: Int) {
        var line = 1
        var column = 1
        for i in 0..<min(offset, scalars.count) {
            if scalars[i] == "\n" {
                line += 1
                column = 1
            } else {
                column += 1
            }
        }
        return (line, column)
    }

    private func location(_ offset: Int) -> String {
        let (l, c) = lineColumn(offset)
        return "line \(l), column \(c)"
    }

    private func error(_ message: String, at offset: Int? = nil) -> PythonLiteralError {
        let o = offset ?? pos
        let (l, c) = lineColumn(o)
        return PythonLiteralError(message: message, offset: o, line: l, column: c)
    }
}
