import ArbiterCore

/// A prompt consumed by a run: resume skips exactly these.
public struct ConsumedPrompt: Sendable, Hashable, Codable {
    /// The prompt.
    public var promptID: PromptID
    /// Epoch.
    public var epoch: Int
    /// Position in the epoch's seeded order, when known.
    public var ordinal: Int?
    /// The step its group belongs to.
    public var step: Int
    /// The group.
    public var groupID: String

    /// Creates a consumed-prompt entry.
    public init(promptID: PromptID, epoch: Int, ordinal: Int?, step: Int, groupID: String) {
        self.promptID = promptID
        self.epoch = epoch
        self.ordinal = ordinal
        self.step = step
        self.groupID = groupID
    }
}
