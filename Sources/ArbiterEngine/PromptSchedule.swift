import ArbiterCore
import ArbiterRewards

/// One prompt drawn for a step: which item, in which epoch, at which position of that epoch's order.
public struct PromptDraw: Sendable, Hashable {
    /// Index of the item in the dataset.
    public var index: Int
    /// The item's stable id.
    public var promptID: PromptID
    /// The pass over the dataset (0-based).
    public var epoch: Int
    /// Position in the epoch's seeded order.
    public var ordinal: Int

    /// Creates a draw.
    public init(index: Int, promptID: PromptID, epoch: Int, ordinal: Int) {
        self.index = index
        self.promptID = promptID
        self.epoch = epoch
        self.ordinal = ordinal
    }
}

/// The seeded, reproducible order in which a run consumes its dataset, epoch after epoch.
///
/// Each epoch is a Fisher–Yates shuffle of the items driven by ``ArbiterCore/SplitMix64`` from
/// the run seed and the epoch number, so the order is the same on every machine. Prompts already
/// consumed (read back from the reward log on resume) are skipped: a resumed run neither repeats
/// nor skips a prompt.
public struct PromptSchedule: Sendable {
    /// Item ids in dataset order.
    public let promptIDs: [PromptID]
    /// The run seed.
    public let seed: UInt64
    /// Passes over the dataset allowed (nil: unlimited).
    public let maxEpochs: Int?
    private var consumed: Set<Key>
    private var epoch = 0
    private var position = 0
    private var order: [Int]

    private struct Key: Hashable {
        var epoch: Int
        var promptID: PromptID
    }

    /// Creates the schedule; `consumed` are `(epoch, prompt)` pairs to skip.
    public init(promptIDs: [PromptID], seed: UInt64, maxEpochs: Int?, consumed: [(epoch: Int, promptID: PromptID)] = []) {
        self.promptIDs = promptIDs
        self.seed = seed
        self.maxEpochs = maxEpochs
        self.consumed = Set(consumed.map { Key(epoch: $0.epoch, promptID: $0.promptID) })
        self.order = Self.order(count: promptIDs.count, seed: seed, epoch: 0)
    }

    /// The item order of `epoch`.
    public static func order(count: Int, seed: UInt64, epoch: Int) -> [Int] {
        var base = SplitMix64(seed: seed ^ 0xA4B1_7E3C_55D2_0F19)
        var rng = SplitMix64(seed: base.next() &+ UInt64(epoch) &* 0x9E37_79B9_7F4A_7C15)
        var order = Array(0..<count)
        rng.shuffle(&order)
        return order
    }

    /// The next prompt not yet consumed, or nil when the allowed epochs are spent.
    public mutating func next() -> PromptDraw? {
        guard !promptIDs.isEmpty else { return nil }
        while true {
            if position >= order.count {
                epoch += 1
                position = 0
                order = Self.order(count: promptIDs.count, seed: seed, epoch: epoch)
            }
            if let maxEpochs, epoch >= maxEpochs { return nil }
            let index = order[position]
            let draw = PromptDraw(index: index, promptID: promptIDs[index], epoch: epoch, ordinal: position)
            position += 1
            if consumed.remove(Key(epoch: draw.epoch, promptID: draw.promptID)) != nil { continue }
            return draw
        }
    }

    /// Up to `count` next prompts.
    public mutating func next(_ count: Int) -> [PromptDraw] {
        var out: [PromptDraw] = []
        while out.count < count, let d = next() { out.append(d) }
        return out
    }
}
