import ArbiterCore

/// The fake server's deterministic "model": every answer is a pure function of the request's
/// prompt, seed, choice index and `max_tokens`, so a run's rollouts are reproducible wherever
/// and however often a request is sent (retries, hedges, re-routing).
public enum FakeModel {
    /// The vocabulary size token ids are drawn from.
    public static let vocabulary = 32_000

    /// FNV-1a over UTF-8.
    public static func fnv(_ s: String) -> UInt64 {
        var h: UInt64 = 0xCBF2_9CE4_8422_2325
        for b in s.utf8 { h = (h ^ UInt64(b)) &* 0x100_0000_01B3 }
        return h
    }

    /// SplitMix64 finalizer.
    public static func mix(_ z: UInt64) -> UInt64 {
        SplitMix64.mix(z &+ 0x9E37_79B9_7F4A_7C15)
    }

    /// Prompt token ids of a text prompt: one token per whitespace-separated word.
    public static func tokenize(_ text: String) -> [Int] {
        text.split(whereSeparator: { $0 == " " || $0 == "\n" || $0 == "\t" }).map {
            Int(fnv(String($0)) % UInt64(vocabulary - 1000)) + 1000
        }
    }

    /// The text of token `id` (ends with a space, so texts concatenate like words).
    public static func tokenText(_ id: Int) -> String { "w\(id) " }

    /// The prompt's token id of a position when the prompt came as text.
    public static func promptLogprob(tokenID: Int, position: Int) -> Double {
        -Double(mix(UInt64(tokenID) &* 31 &+ UInt64(position)) % 5000) / 1000
    }

    /// The token id of a token text in the non-`words` behaviours: FNV-1a of the text, in
    /// `[1000, vocabulary)` (the same hashing ``tokenize(_:)`` uses for prompt words).
    public static func tokenID(_ text: String) -> Int {
        Int(fnv(text) % UInt64(vocabulary - 1000)) + 1000
    }

    /// One sampled completion.
    public struct Sample: Sendable, Hashable {
        /// The completion's token texts, in order; they concatenate to ``text``.
        public var tokens: [String]
        /// The token ids, one per token text.
        public var tokenIDs: [Int]
        /// The sampled tokens' logprobs, one per token.
        public var logprobs: [Double]
        /// `stop`, or `length` when `max_tokens` cut the sample.
        public var finishReason: String
        /// The completion text: the token texts concatenated.
        public var text: String { tokens.joined() }

        /// Creates a sample; `tokens`, `tokenIDs` and `logprobs` must have the same length.
        public init(tokens: [String], tokenIDs: [Int], logprobs: [Double], finishReason: String) {
            precondition(tokens.count == tokenIDs.count && tokens.count == logprobs.count, "token arrays differ in length")
            self.tokens = tokens
            self.tokenIDs = tokenIDs
            self.logprobs = logprobs
            self.finishReason = finishReason
        }
    }

    /// The completion of `prompt` for `seed` and choice `index`, at most `maxTokens` long:
    /// 1–24 tokens; a sample cut by `maxTokens` finishes with `length`.
    public static func sample(prompt: [Int], seed: UInt64, index: Int, maxTokens: Int) -> Sample {
        var h: UInt64 = seed
        for t in prompt { h = mix(h ^ UInt64(t)) }
        h = mix(h ^ (UInt64(index) &* 0x5851_F42D_4C95_7F2D))
        let natural = Int(h % 24) + 1
        let length = min(natural, max(0, maxTokens))
        var ids: [Int] = []
        var lps: [Double] = []
        for k in 0..<length {
            h = mix(h &+ UInt64(k))
            ids.append(Int(h % UInt64(vocabulary)))
            lps.append(-Double((h >> 40) % 4096) / 1024)
        }
        return Sample(
            tokens: ids.map(tokenText), tokenIDs: ids, logprobs: lps, finishReason: natural > maxTokens ? "length" : "stop")
    }
}
