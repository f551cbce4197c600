import ArbiterCore

/// A dataset item the log refers to: stable id, dataset and canonical text hash.
public struct PromptRecord: Sendable, Hashable, Codable {
    /// Stable id.
    public var id: PromptID
    /// Dataset name.
    public var dataset: String
    /// SHA-256 (hex) of the item's canonical text.
    public var textHash: String

    /// Creates a prompt record.
    public init(id: PromptID, dataset: String, textHash: String) {
        self.id = id
        self.dataset = dataset
        self.textHash = textHash
    }
}
