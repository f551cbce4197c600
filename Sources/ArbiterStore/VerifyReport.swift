/// The first thing `verify` found wrong.
public struct VerifyFailure: Sendable, Hashable, Codable, CustomStringConvertible {
    /// What kind of problem.
    public enum Kind: String, Sendable, Hashable, Codable {
        /// A group's rows no longer hash to the digest recorded when it was written.
        case groupMismatch = "group_mismatch"
        /// The step's content (groups, batches) no longer hashes to its recorded content hash.
        case contentMismatch = "content_mismatch"
        /// The step record's fields no longer hash to its record hash.
        case recordMismatch = "record_mismatch"
        /// The step's previous-hash does not match the previous record (or the run's genesis).
        case brokenLink = "broken_link"
        /// Rows exist for a step that has no committed record although later steps do.
        case uncommittedRows = "uncommitted_rows"
        /// A referenced text or token array is missing or does not hash to its address.
        case textMismatch = "text_mismatch"
        /// A row is inconsistent with its group (wrong run, counts).
        case inconsistentRow = "inconsistent_row"
        /// The run's recorded final hash does not match the chain head (tail truncated or altered).
        case finalHashMismatch = "final_hash_mismatch"
    }

    /// The first bad step.
    public var step: Int
    /// Kind.
    public var kind: Kind
    /// Details (which group, which row).
    public var detail: String

    /// Creates a failure.
    public init(step: Int, kind: Kind, detail: String) {
        self.step = step
        self.kind = kind
        self.detail = detail
    }

    public var description: String { "step \(step): \(kind.rawValue): \(detail)" }
}

/// The outcome of verifying a run's hash chain.
public struct VerifyReport: Sendable, Hashable, Codable {
    /// The run.
    public var runID: String
    /// Committed steps checked and found good.
    public var verifiedSteps: Int
    /// The chain head step.
    public var headStep: Int?
    /// The chain head's record hash (anchor it elsewhere to detect a rewritten chain).
    public var headHash: String?
    /// Steps with rows but no commit after the head (not covered by the chain yet).
    public var openSteps: [Int]
    /// The first problem, nil when the chain verifies.
    public var failure: VerifyFailure?

    /// Whether everything committed verified.
    public var ok: Bool { failure == nil }

    /// Creates a report.
    public init(runID: String, verifiedSteps: Int, headStep: Int?, headHash: String?, openSteps: [Int], failure: VerifyFailure?) {
        self.runID = runID
        self.verifiedSteps = verifiedSteps
        self.headStep = headStep
        self.headHash = headHash
        self.openSteps = openSteps
        self.failure = failure
    }
}
