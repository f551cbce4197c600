import ArbiterCore

/// A completed group as the store receives it: the n samples of one prompt with everything
/// scored about them. A group is the unit of writing: it is visible entirely or not at all.
///
/// Writing a group also records its prompt as consumed (`epoch`, `ordinal`), so a resumed run
/// neither skips nor repeats prompts.
public struct GroupRecord: Sendable, Hashable {
    /// The run.
    public var runID: String
    /// The step whose batch the group belongs to.
    public var step: Int
    /// Group id, unique per run.
    public var groupID: String
    /// The prompt.
    public var promptID: PromptID
    /// True when the step deadline closed the group before all n samples finished.
    public var partial: Bool
    /// Pass over the dataset this prompt was drawn in.
    public var epoch: Int
    /// Position of the prompt in that epoch's seeded order, when known.
    public var ordinal: Int?
    /// The samples, in sample order.
    public var samples: [SampleRecord]

    /// Creates a group record.
    public init(
        runID: String, step: Int, groupID: String, promptID: PromptID, partial: Bool = false, epoch: Int = 0,
        ordinal: Int? = nil, samples: [SampleRecord]
    ) {
        self.runID = runID
        self.step = step
        self.groupID = groupID
        self.promptID = promptID
        self.partial = partial
        self.epoch = epoch
        self.ordinal = ordinal
        self.samples = samples
    }

    /// Rows this group writes (groups, rollouts, judge calls, components, rewards, advantages):
    /// the unit of the writer's buffer cap.
    public var rowCount: Int {
        var n = 2  // group + consumed prompt
        for s in samples { n += s.rowCount }
        return n
    }
}
