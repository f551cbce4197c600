import ArbiterCore

/// The majority vote over one item's tries, in original option space.
///
/// The winner is the option with the most votes among parsed tries (a plurality: unparsed
/// tries abstain). A tie for the most votes, or no parsed try at all, has no winner, and the
/// item counts as wrong: the result never depends on try order.
public struct MajorityVote: Sendable, Hashable, Codable {
    /// Votes per original option index.
    public var counts: [Int]
    /// Tries whose answer did not parse.
    public var abstentions: Int
    /// The winning original option (nil on a tie or with no votes).
    public var winner: Int?
    /// Whether the top count was shared.
    public var tie: Bool
    /// Whether the winner is the gold option.
    public var correct: Bool

    /// Tallies verified tries of one item.
    public init(_ tries: [MultipleChoiceVerification], optionCount: Int, goldIndex: Int) {
        var counts = [Int](repeating: 0, count: optionCount)
        var abstentions = 0
        for t in tries {
            if let p = t.predictedOriginalIndex, counts.indices.contains(p) { counts[p] += 1 } else { abstentions += 1 }
        }
        let top = counts.max() ?? 0
        let leaders = counts.indices.filter { counts[$0] == top }
        self.counts = counts
        self.abstentions = abstentions
        self.tie = top > 0 && leaders.count > 1
        self.winner = top > 0 && leaders.count == 1 ? leaders[0] : nil
        self.correct = winner == goldIndex
    }
}

/// ToMBench's official evaluation mode: each item is asked 5 times with differently shuffled
/// options at temperature 0, and the majority answer (``MajorityVote``) is scored.
public struct ToMBenchOfficialEval: Sendable, Hashable {
    /// Tries per item.
    public static let tries = 5
    /// The run seed (shuffles derive from it, the prompt id and the try index).
    public var runSeed: UInt64
    /// The answer syntax.
    public var style: AnswerStyle

    /// Creates the mode.
    public init(runSeed: UInt64, style: AnswerStyle = .doubleBrackets) {
        self.runSeed = runSeed
        self.style = style
    }

    /// Greedy sampling for the tries.
    public static func sampling(maxTokens: Int = 1024) -> SamplingParams {
        SamplingParams(temperature: 0, topP: 1, maxTokens: maxTokens, logprobs: false)
    }

    /// The 5 prompts of an item (try `i` uses sample index `i`); the first try is also shuffled.
    public func prompts(for item: MultipleChoiceItem, promptID: PromptID) -> [MultipleChoicePrompt] {
        (0..<Self.tries).map { i in
            MultipleChoicePrompt(
                item: item, permutation: .seeded(count: item.options.count, runSeed: runSeed, promptID: promptID, sampleIndex: i),
                style: style
            )
        }
    }

    /// Verifies each try's completion (paired with its prompt) and votes.
    public func vote(item: MultipleChoiceItem, prompts: [MultipleChoicePrompt], completions: [String]) -> MajorityVote {
        let verified = zip(prompts, completions).map {
            MultipleChoiceVerification(completion: $0.1, item: item, permutation: $0.0.permutation, style: style)
        }
        return MajorityVote(verified, optionCount: item.options.count, goldIndex: item.goldIndex)
    }
}

/// Position bias: how often each displayed letter is predicted versus how often it is gold.
///
/// With shuffling the gold letters are near uniform, so a skewed predicted histogram shows a
/// letter preference rather than knowledge.
public struct PositionBiasReport: Sendable, Hashable, Codable {
    /// Predicted displayed letters (index 0 = `A`), parsed answers only.
    public var predicted: [Int]
    /// Gold displayed letters of every recorded rollout.
    public var gold: [Int]
    /// Correct answers by gold letter.
    public var correctByGold: [Int]
    /// Rollouts whose answer did not parse.
    public var unparsed: Int

    /// An empty report for items of up to `maxOptions` options.
    public init(maxOptions: Int = 4) {
        predicted = [Int](repeating: 0, count: maxOptions)
        gold = predicted
        correctByGold = predicted
        unparsed = 0
    }

    /// Records one verified rollout.
    public mutating func record(_ v: MultipleChoiceVerification) {
        let g = v.permutation.displayedIndex(ofOriginal: v.goldOriginalIndex)
        grow(to: max(g, v.extraction.index ?? 0) + 1)
        gold[g] += 1
        if v.correct { correctByGold[g] += 1 }
        if let p = v.extraction.index { predicted[p] += 1 } else { unparsed += 1 }
    }

    private mutating func grow(to n: Int) {
        while predicted.count < n {
            predicted.append(0)
            gold.append(0)
            correctByGold.append(0)
        }
    }

    /// Rollouts recorded.
    public var total: Int { gold.reduce(0, +) }

    /// Letters `A`… for the histogram positions.
    public var letters: [String] { (0..<predicted.count).map(MultipleChoicePrompt.letter) }

    /// Predicted shares among parsed answers.
    public var predictedShare: [Double] { Self.shares(predicted) }

    /// Gold shares among all rollouts.
    public var goldShare: [Double] { Self.shares(gold) }

    /// Total variation distance between the predicted and gold letter distributions, in [0, 1]
    /// (0: no position preference beyond the gold positions).
    public var totalVariation: Double {
        zip(predictedShare, goldShare).reduce(0) { $0 + abs($1.0 - $1.1) } / 2
    }

    static func shares(_ xs: [Int]) -> [Double] {
        let n = xs.reduce(0, +)
        return xs.map { n == 0 ? 0 : Double($0) / Double(n) }
    }
}
