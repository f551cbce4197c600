/// A stable identifier: the hex SHA-256 of an item's canonical content, truncated to 16 bytes.
public struct PromptID: Sendable, Hashable, Comparable, Codable, CustomStringConvertible {
    /// The hex string.
    public var rawValue: String

    /// Wraps an existing id.
    public init(_ rawValue: String) { self.rawValue = rawValue }

    /// Derives the id of canonical content: the same content always yields the same id.
    public init(canonicalContent: String) {
        self.rawValue = String(SHA256.hex(canonicalContent).prefix(32))
    }

    public init(from decoder: any Decoder) throws {
        rawValue = try decoder.singleValueContainer().decode(String.self)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(rawValue)
    }

    public static func < (lhs: PromptID, rhs: PromptID) -> Bool { lhs.rawValue < rhs.rawValue }
    public var description: String { rawValue }
}

/// One chat message.
public struct ChatMessage: Sendable, Hashable, Codable {
    /// `system`, `user` or `assistant`.
    public var role: String
    /// The message text.
    public var content: String

    /// Creates a message.
    public init(role: String, content: String) {
        self.role = role
        self.content = content
    }
}

/// What a prompt asks, with everything a reward needs to score the answer.
public enum PromptPayload: Sendable, Hashable, Codable {
    /// A multiple-choice item (ToMBench, ToMBench-Hard, generated ToM stories).
    case multipleChoice(MultipleChoiceItem)
    /// A rubric-judged scenario (MoReBench).
    case rubric(RubricScenario)
}

/// A dataset item ready to be rendered into a request.
public struct Prompt: Sendable, Hashable, Codable, Identifiable {
    /// Stable id derived from the canonical content.
    public var id: PromptID
    /// The dataset name it came from.
    public var dataset: String
    /// The item.
    public var payload: PromptPayload

    /// Creates a prompt.
    public init(id: PromptID, dataset: String, payload: PromptPayload) {
        self.id = id
        self.dataset = dataset
        self.payload = payload
    }

    /// The item's canonical content (what its id and the log's text hash are computed from).
    public var canonicalContent: String {
        switch payload {
        case .multipleChoice(let item): item.canonicalContent
        case .rubric(let scenario): scenario.canonicalContent
        }
    }

    /// Where the item was read from.
    public var source: SourceLocation {
        switch payload {
        case .multipleChoice(let item): item.source
        case .rubric(let scenario): scenario.source
        }
    }
}
