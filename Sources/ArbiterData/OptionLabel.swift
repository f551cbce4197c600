/// Letter prefixes on option texts and gold labels (`"A. Yes"`, `"B.不是"`, `"A. "`).
enum OptionLabel {
    /// Separators accepted after a letter: `.` `．` `、` `)`.
    static let separators: Set<Unicode.Scalar> = [".", "\u{FF0E}", "\u{3001}", ")"]

    /// `text` without a leading `^[A-D]\s*[.．、)]\s*` prefix, trimmed of surrounding whitespace.
    static func stripPrefix(_ text: String, letters: ClosedRange<Unicode.Scalar> = "A"..."D") -> String {
        let scalars = Array(text.unicodeScalars)
        var i = 0
        while i < scalars.count, scalars[i].properties.isWhitespace { i += 1 }
        if i < scalars.count, letters.contains(scalars[i]) {
            var j = i + 1
            while j < scalars.count, scalars[j].properties.isWhitespace { j += 1 }
            if j < scalars.count, separators.contains(scalars[j]) {
                j += 1
                while j < scalars.count, scalars[j].properties.isWhitespace { j += 1 }
                return trimmed(String(String.UnicodeScalarView(scalars[j...])))
            }
        }
        return trimmed(text)
    }

    /// The letter of a gold label that is only a letter with an optional separator (`"A"`, `"a"`,
    /// `"A. "`, `"B)"`), as a 0-based index, or nil.
    static func letterIndex(_ label: String) -> Int? {
        let t = Array(trimmed(label).uppercased().unicodeScalars)
        guard let first = t.first, ("A"..."Z").contains(first) else { return nil }
        let rest = t.dropFirst().filter { !$0.properties.isWhitespace }
        guard rest.isEmpty || (rest.count == 1 && separators.contains(rest[rest.startIndex])) else { return nil }
        return Int(first.value - 65)
    }

    /// A label `"C. some text"`: the letter index and the text after the separator, or nil.
    static func letterAndText(_ label: String) -> (index: Int, text: String)? {
        let scalars = Array(trimmed(label).unicodeScalars)
        guard let first = scalars.first else { return nil }
        let up = first.properties.uppercaseMapping.unicodeScalars.first ?? first
        guard ("A"..."Z").contains(up) else { return nil }
        var j = 1
        while j < scalars.count, scalars[j].properties.isWhitespace { j += 1 }
        guard j < scalars.count, separators.contains(scalars[j]) else { return nil }
        j += 1
        return (Int(up.value - 65), trimmed(String(String.UnicodeScalarView(scalars[j...]))))
    }

    /// The letter for a 0-based index.
    static func letter(_ index: Int) -> String {
        guard (0..<26).contains(index) else { return "#\(index + 1)" }
        return String(Character(Unicode.Scalar(UInt8(65 + index))))
    }

    /// `text` without leading and trailing whitespace and line breaks.
    static func trimmed(_ text: String) -> String {
        let s = text.unicodeScalars
        guard let lo = s.firstIndex(where: { !$0.properties.isWhitespace }) else { return "" }
        let hi = s.lastIndex(where: { !$0.properties.isWhitespace })!
        return String(s[lo...hi])
    }
}
