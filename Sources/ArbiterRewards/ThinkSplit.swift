import ArbiterCore

/// A completion split into its `<think>…</think>` reasoning and the text outside it.
///
/// Tags match ASCII case-insensitively. A `</think>` with no `<think>` before it at the very
/// start of the analysis (chat templates that open the think block in the prompt) makes the text
/// before it reasoning. An unclosed `<think>` (a completion cut off mid-thought) makes the rest
/// reasoning and sets ``unclosed``. A `<think>` inside a think section is plain text.
public struct ThinkSplit: Sendable, Hashable {
    /// Contents of the think sections in order (tags removed, untrimmed).
    public var sections: [String]
    /// The text outside think sections, tags removed, untrimmed.
    public var outside: String
    /// `<think>` tags that opened a section.
    public var openTags: Int
    /// `</think>` tags that closed a section (including a leading orphan close).
    public var closeTags: Int
    /// `</think>` tags outside any section, other than a leading orphan.
    public var strayCloseTags: Int
    /// Whether the reasoning began before the completion (a leading orphan `</think>`).
    public var openedInPrompt: Bool
    /// Whether a `<think>` was never closed.
    public var unclosed: Bool
    /// Scalar offset in the completion just after the first closing `</think>` (nil: none).
    public var firstCloseEnd: Int?

    /// Splits a completion.
    public init(_ text: String) {
        let s = Array(text.unicodeScalars)
        sections = []
        var outsideScalars = String.UnicodeScalarView()
        openTags = 0
        closeTags = 0
        strayCloseTags = 0
        openedInPrompt = false
        unclosed = false
        firstCloseEnd = nil
        var pos = 0
        var inside = false
        let open = Array("<think>".unicodeScalars)
        let close = Array("</think>".unicodeScalars)
        while pos <= s.count {
            if inside {
                guard let c = Self.find(close, in: s, from: pos) else {
                    sections.append(String(String.UnicodeScalarView(s[pos...])))
                    unclosed = true
                    break
                }
                sections.append(String(String.UnicodeScalarView(s[pos..<c])))
                closeTags += 1
                pos = c + close.count
                if firstCloseEnd == nil { firstCloseEnd = pos }
                inside = false
                continue
            }
            let o = Self.find(open, in: s, from: pos)
            let c = Self.find(close, in: s, from: pos)
            if let c, o.map({ c < $0 }) ?? true {
                if pos == 0, sections.isEmpty, openTags == 0 {
                    sections.append(String(String.UnicodeScalarView(s[0..<c])))
                    openedInPrompt = true
                    closeTags += 1
                } else {
                    outsideScalars.append(contentsOf: s[pos..<c])
                    strayCloseTags += 1
                }
                pos = c + close.count
                if firstCloseEnd == nil { firstCloseEnd = pos }
                continue
            }
            if let o {
                outsideScalars.append(contentsOf: s[pos..<o])
                openTags += 1
                pos = o + open.count
                inside = true
                continue
            }
            outsideScalars.append(contentsOf: s[pos...])
            break
        }
        outside = String(outsideScalars)
    }

    /// The reasoning: the sections joined by a blank line.
    public var reasoning: String { sections.joined(separator: "\n\n") }

    /// The first index ≥ `from` where `needle` occurs, ASCII case-insensitively.
    static func find(_ needle: [Unicode.Scalar], in hay: [Unicode.Scalar], from: Int) -> Int? {
        guard needle.count <= hay.count else { return nil }
        var i = from
        while i + needle.count <= hay.count {
            var ok = true
            for k in 0..<needle.count where Self.lowerASCII(hay[i + k]) != needle[k] {
                ok = false
                break
            }
            if ok { return i }
            i += 1
        }
        return nil
    }

    static func lowerASCII(_ c: Unicode.Scalar) -> Unicode.Scalar {
        ("A"..."Z").contains(c) ? Unicode.Scalar(c.value + 32)! : c
    }
}

extension JudgedText {
    /// The text a judge sees for a policy completion, trimmed.
    ///
    /// - `answer`: the text outside `<think>` sections when `stripThink`, else the whole completion.
    /// - `reasoning`: the contents of the `<think>` sections (empty when there are none).
    /// - `both`: the reasoning, a blank line, then the text outside (tags removed); `stripThink`
    ///   does not apply.
    public func extract(from completion: String, stripThink: Bool) -> String {
        let split = ThinkSplit(completion)
        switch self {
        case .answer:
            return (stripThink ? split.outside : completion).trimmingWhitespace()
        case .reasoning:
            return split.reasoning.trimmingWhitespace()
        case .both:
            let parts = [split.reasoning.trimmingWhitespace(), split.outside.trimmingWhitespace()].filter { !$0.isEmpty }
            return parts.joined(separator: "\n\n")
        }
    }
}
