/// How a judge's answer to one criterion parsed.
public enum VerdictStatus: String, Sendable, Hashable, Codable, CaseIterable {
    /// A clean yes/no.
    case ok
    /// Some text that is not a yes/no.
    case nonBinary = "non_binary"
    /// The judge refused to answer.
    case refusal
    /// Empty or whitespace-only text.
    case empty
    /// The judge call itself failed (transport, budget); no text.
    case failed
}

/// A judge's verdict on one rubric criterion for one response.
public struct Verdict: Sendable, Hashable, Codable {
    /// The criterion judged.
    public var criterionID: String
    /// The raw judge text, kept verbatim for audit.
    public var rawText: String
    /// Parse status.
    public var status: VerdictStatus
    /// Whether the criterion was judged met (nil unless the parse gave an answer).
    public var met: Bool?

    /// Creates a verdict.
    public init(criterionID: String, rawText: String, status: VerdictStatus, met: Bool?) {
        self.criterionID = criterionID
        self.rawText = rawText
        self.status = status
        self.met = met
    }
}
