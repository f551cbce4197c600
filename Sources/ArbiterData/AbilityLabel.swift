/// Normalizes ToM ability labels: trims, collapses whitespace, fixes the case of the category,
/// and splits compound labels such as
/// `"Belief: Location false beliefs Belief: Second-order beliefs"` into their parts.
public enum AbilityLabel {
    /// The ATOMS ability categories in their canonical spelling.
    public static let categories = [
        "Belief", "Desire", "Emotion", "Intention", "Knowledge", "Non-Literal Communication",
    ]

    /// The normalized parts of a raw label; empty for an empty label.
    ///
    /// A part is `"Category: Ability"` with the category in canonical spelling and the ability in
    /// sentence case (first letter upper case, the rest lower case), so case variants group together.
    /// Labels whose category is not a known one are kept whole, whitespace-collapsed.
    public static func normalize(_ raw: String) -> [String] {
        let words = raw.split(whereSeparator: { $0.isWhitespace }).map(String.init)
        guard !words.isEmpty else { return [] }
        // Find where each "Category:" starts, for the known categories (one or more words).
        var starts: [(index: Int, category: String, length: Int)] = []
        var i = 0
        while i < words.count {
            var matched = false
            for category in categories {
                let cw = category.split(separator: " ").map { $0.lowercased() }
                guard i + cw.count <= words.count else { continue }
                let candidate = words[i..<(i + cw.count)].map { $0.lowercased() }
                let lastOK = candidate.last == cw.last! + ":"
                if lastOK && Array(candidate.dropLast()) == Array(cw.dropLast()) {
                    starts.append((i, category, cw.count))
                    i += cw.count
                    matched = true
                    break
                }
            }
            if !matched { i += 1 }
        }
        guard let firstStart = starts.first, firstStart.index == 0 else {
            return [words.joined(separator: " ")]
        }
        var parts: [String] = []
        for (k, s) in starts.enumerated() {
            let end = k + 1 < starts.count ? starts[k + 1].index : words.count
            let body = words[(s.index + s.length)..<end].joined(separator: " ")
            let part = body.isEmpty ? s.category : "\(s.category): \(sentenceCase(body))"
            if !parts.contains(part) { parts.append(part) }
        }
        return parts
    }

    private static func sentenceCase(_ text: String) -> String {
        guard let first = text.first else { return text }
        return first.uppercased() + text.dropFirst().lowercased()
    }
}
