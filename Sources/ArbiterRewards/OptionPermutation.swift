import ArbiterCore

extension SplitMix64 {
    /// The seed of one rollout's shuffle: the first 8 bytes (big-endian) of
    /// SHA-256(`"arbiter.option-shuffle/v1" ␟ runSeed ␟ promptID ␟ sampleIndex`).
    public static func derivedSeed(runSeed: UInt64, promptID: PromptID, sampleIndex: Int) -> UInt64 {
        var h = SHA256()
        h.update("arbiter.option-shuffle/v1\u{1f}\(runSeed)\u{1f}\(promptID.rawValue)\u{1f}\(sampleIndex)")
        return h.finalize().prefix(8).reduce(0) { $0 << 8 | UInt64($1) }
    }
}

/// The option order shown in one rollout, stored with it so the answer maps back to gold.
///
/// `order[displayed position] = original option index`.
public struct OptionPermutation: Sendable, Hashable, Codable {
    /// Original index of each displayed option.
    public var order: [Int]
    /// The seed that produced it (nil for an explicit or identity order).
    public var seed: UInt64?

    /// Wraps an explicit order.
    ///
    /// - Throws: ``RewardsError`` (`invalid_input`) unless `order` is a permutation of `0..<order.count`.
    public init(order: [Int], seed: UInt64? = nil) throws {
        guard order.sorted() == Array(0..<order.count) else {
            throw RewardsError(.invalidInput, "\(order) is not a permutation of 0..<\(order.count)")
        }
        self.order = order
        self.seed = seed
    }

    private init(unchecked order: [Int], seed: UInt64?) {
        self.order = order
        self.seed = seed
    }

    /// The unshuffled order.
    public static func identity(_ count: Int) -> OptionPermutation {
        OptionPermutation(unchecked: Array(0..<count), seed: nil)
    }

    /// A Fisher–Yates shuffle of `count` options driven by ``SplitMix64`` from `seed`.
    public static func shuffled(count: Int, seed: UInt64) -> OptionPermutation {
        var rng = SplitMix64(seed: seed)
        var order = Array(0..<count)
        rng.shuffle(&order)
        return OptionPermutation(unchecked: order, seed: seed)
    }

    /// The seeded shuffle of one rollout (see ``SplitMix64/derivedSeed(runSeed:promptID:sampleIndex:)``).
    public static func seeded(count: Int, runSeed: UInt64, promptID: PromptID, sampleIndex: Int) -> OptionPermutation {
        shuffled(count: count, seed: SplitMix64.derivedSeed(runSeed: runSeed, promptID: promptID, sampleIndex: sampleIndex))
    }

    /// The original index of a displayed option.
    public func originalIndex(ofDisplayed displayed: Int) -> Int { order[displayed] }

    /// The displayed position of an original option.
    public func displayedIndex(ofOriginal original: Int) -> Int { order.firstIndex(of: original)! }

    /// `items` (in original order) in displayed order.
    public func apply<T>(_ items: [T]) -> [T] { order.map { items[$0] } }
}

/// Option text clean-up.
public enum OptionText {
    /// The option without its own letter prefix (`"A. "`, `"A．"`, `"A、"`, `"A)"` for the
    /// option at index 0), trimmed. Loaders strip prefixes already; this is the defensive pass
    /// before shuffling, which would otherwise show `B. A. Yes`. Only the option's own letter is
    /// stripped, so text that merely starts with a capital and a dot is left alone elsewhere.
    public static func strippingLetterPrefix(_ option: String, index: Int) -> String {
        let t = option.trimmingWhitespace()
        guard index < 26 else { return t }
        let letter = Unicode.Scalar(UInt8(65 + index))
        var s = Substring(t).unicodeScalars[...]
        guard s.first == letter else { return t }
        s = s.dropFirst()
        while s.first == " " { s = s.dropFirst() }
        guard let sep = s.first, ".．、)".unicodeScalars.contains(sep) else { return t }
        s = s.dropFirst()
        return String(String.UnicodeScalarView(s)).trimmingWhitespace()
    }

    /// All options of an item, prefixes stripped.
    public static func clean(_ options: [String]) -> [String] {
        options.enumerated().map { strippingLetterPrefix($0.element, index: $0.offset) }
    }
}
