/// What kind of thing an event records.
public enum EventKind: String, Sendable, Hashable, Codable, CaseIterable {
    case fault
    case retry
    case hedge
    case ejection
    case warning
    case info
}

/// Something that happened during a run: faults, retries, hedged requests, endpoint ejections, warnings.
///
/// Events are append-only but outside the hash chain (they may concern committed steps).
public struct EventRecord: Sendable, Hashable, Codable {
    /// The run.
    public var runID: String
    /// The step it concerns, if any.
    public var step: Int?
    /// When, Unix seconds.
    public var at: Double
    /// Kind.
    public var kind: EventKind
    /// Where (endpoint URL, component name).
    public var source: String
    /// What.
    public var message: String
    /// Structured details (JSON), if any.
    public var details: String?

    /// Creates an event.
    public init(runID: String, step: Int? = nil, at: Double, kind: EventKind, source: String, message: String, details: String? = nil) {
        self.runID = runID
        self.step = step
        self.at = at
        self.kind = kind
        self.source = source
        self.message = message
        self.details = details
    }
}
