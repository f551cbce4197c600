/// A multiple-choice theory-of-mind item, normalized from any of the supported formats.
public struct MultipleChoiceItem: Sendable, Hashable, Codable {
    /// The story (context) the question is about.
    public var story: String
    /// The question.
    public var question: String
    /// Option texts in their original order, letter prefixes (`"A. "`) already stripped.
    public var options: [String]
    /// Index of the correct option in `options`.
    public var goldIndex: Int
    /// Language tag, e.g. `en` or `zh`.
    public var language: String
    /// Normalized ability labels (a compound label is split into its parts).
    public var abilities: [String]
    /// The raw ability label as found in the file.
    public var rawAbility: String?
    /// Where the item was read from.
    public var source: SourceLocation
    /// Whether the item may only be used for evaluation (never in a training batch).
    public var evalOnly: Bool

    /// Creates an item; `goldIndex` must address an option.
    public init(
        story: String, question: String, options: [String], goldIndex: Int, language: String,
        abilities: [String], rawAbility: String? = nil, source: SourceLocation, evalOnly: Bool
    ) throws {
        guard options.count >= 2 else {
            throw CoreError(.inconsistentShape, "an item needs at least 2 options, found \(options.count)", context: source.description)
        }
        guard options.indices.contains(goldIndex) else {
            throw CoreError(.outOfRange, "gold index \(goldIndex) does not address one of \(options.count) options", context: source.description)
        }
        self.story = story
        self.question = question
        self.options = options
        self.goldIndex = goldIndex
        self.language = language
        self.abilities = abilities
        self.rawAbility = rawAbility
        self.source = source
        self.evalOnly = evalOnly
    }

    /// Option letters `A`, `B`, ... for this item's option count.
    public var letters: [Character] {
        (0..<options.count).map { Character(UnicodeScalar(UInt8(65 + $0))) }
    }

    /// The gold letter in the original order.
    public var goldLetter: Character { letters[goldIndex] }

    /// The canonical text hashed into the item's stable id.
    public var canonicalContent: String {
        ([language, story, question] + options + [String(goldIndex)]).joined(separator: "\u{1f}")
    }
}
