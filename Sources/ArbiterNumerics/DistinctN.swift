/// distinct-n: the fraction of n-grams in a group of responses that are unique.
///
/// `score = |unique n-grams| / |n-grams|`, pooled over every response of the group (n-grams
/// never span two responses); 0 when no response has n tokens. Text is split on whitespace
/// and compared exactly (lower-case it first for a case-insensitive score).
public struct DistinctN: Sendable, Hashable {
    /// The n-gram order (≥ 1).
    public var n: Int

    /// Creates the metric for order `n`.
    public init(n: Int) throws {
        guard n >= 1 else { throw NumericsError(.outOfRange, "n must be ≥ 1, got \(n)", context: "n") }
        self.n = n
    }

    /// distinct-n over token-id sequences.
    public func score(tokenSequences: [[Int]]) -> Double {
        var seen = Set<ArraySlice<Int>>()
        var total = 0
        for seq in tokenSequences where seq.count >= n {
            for start in 0 ... (seq.count - n) {
                seen.insert(seq[start ..< (start + n)])
                total += 1
            }
        }
        return total == 0 ? 0 : Double(seen.count) / Double(total)
    }

    /// distinct-n over texts, tokenised on whitespace.
    public func score(texts: [String]) -> Double {
        var vocabulary: [Substring: Int] = [:]
        let sequences = texts.map { text in
            text.split(whereSeparator: \.isWhitespace).map { word in
                if let id = vocabulary[word] { return id }
                let id = vocabulary.count
                vocabulary[word] = id
                return id
            }
        }
        return score(tokenSequences: sequences)
    }
}
