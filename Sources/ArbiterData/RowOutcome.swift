import ArbiterCore

/// What one input row became: a prompt or a rejection, plus any notes about it.
///
/// The unit of the streaming API (``DatasetReader``).
public struct RowOutcome: Sendable {
    /// Where the row starts.
    public var location: SourceLocation
    /// The loaded prompt, or why the row was rejected.
    public var result: Result<Prompt, RejectedRow>
    /// Notes about the row (quirks that did not stop it from loading).
    public var notes: [DataNote]

    /// Creates an outcome.
    public init(location: SourceLocation, result: Result<Prompt, RejectedRow>, notes: [DataNote] = []) {
        self.location = location
        self.result = result
        self.notes = notes
    }

    /// A rejection at `location`.
    static func rejected(_ location: SourceLocation, _ reason: String, notes: [DataNote] = []) -> RowOutcome {
        RowOutcome(location: location, result: .failure(RejectedRow(location: location, reason: reason)), notes: notes)
    }

    /// The prompt, when the row loaded.
    public var prompt: Prompt? {
        if case .success(let p) = result { return p }
        return nil
    }

    /// The rejection, when the row did not load.
    public var rejection: RejectedRow? {
        if case .failure(let r) = result { return r }
        return nil
    }
}
