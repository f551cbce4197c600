import ArbiterCore

/// A dataset read in full: every row is either a prompt or a rejection, none silently lost.
public struct LoadedDataset: Sendable {
    /// The dataset name (the config's `name`, else the file or folder name without extension).
    public var name: String
    /// The format it was read as.
    public var kind: DatasetKind
    /// The loaded prompts, in file order (files of a folder in name order).
    public var prompts: [Prompt]
    /// Rows that could not be loaded, with reasons.
    public var rejected: [RejectedRow]
    /// Notes about loaded (or rejected) rows.
    public var notes: [DataNote]
    /// Data rows read (blank lines and CSV headers are not rows). Without a `limit`,
    /// `rowsRead == prompts.count + rejected.count`.
    public var rowsRead: Int

    /// Creates a loaded dataset.
    public init(name: String, kind: DatasetKind, prompts: [Prompt], rejected: [RejectedRow], notes: [DataNote], rowsRead: Int) {
        self.name = name
        self.kind = kind
        self.prompts = prompts
        self.rejected = rejected
        self.notes = notes
        self.rowsRead = rowsRead
    }
}
