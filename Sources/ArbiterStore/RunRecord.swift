import ArbiterCore

/// Lifecycle status of a run.
public enum RunStatus: String, Sendable, Hashable, Codable, CaseIterable {
    /// Started and not yet ended (or crashed without ending).
    case running
    /// Ended normally.
    case completed
    /// Ended by an error.
    case failed
    /// Stopped by the user.
    case aborted

    /// Whether the status ends a run (sets its end time and seals its chain head).
    public var isTerminal: Bool { self != .running }
}

/// One run: its resolved configuration, code version, lifetime and status.
///
/// Everything but `status`, `endedAt`, `finalStep` and `finalHash` is immutable once created;
/// the immutable fields are covered by the hash chain's genesis hash.
public struct RunRecord: Sendable, Hashable, Codable {
    /// Run id, unique in the store.
    public var id: String
    /// Human-readable run name.
    public var name: String
    /// Train or eval.
    public var mode: RunMode
    /// The resolved configuration, as YAML text.
    public var configYAML: String
    /// Hash of the resolved configuration (as the config loader computes it).
    public var configHash: String
    /// Version of the code that ran it (`arbiter --version`, a git describe...).
    public var codeVersion: String
    /// Links runs meant to be compared (paired comparisons share a group).
    public var runGroup: String?
    /// Start time, Unix seconds.
    public var startedAt: Double
    /// End time, Unix seconds; nil while running.
    public var endedAt: Double?
    /// Status.
    public var status: RunStatus
    /// The last committed step when the run ended (nil while running or when nothing was committed).
    public var finalStep: Int?
    /// The record hash of `finalStep` when the run ended: anchors the chain's tail.
    public var finalHash: String?

    /// Creates a run record (status `running`).
    public init(
        id: String, name: String, mode: RunMode = .train, configYAML: String, configHash: String, codeVersion: String,
        runGroup: String? = nil, startedAt: Double, endedAt: Double? = nil, status: RunStatus = .running,
        finalStep: Int? = nil, finalHash: String? = nil
    ) {
        self.id = id
        self.name = name
        self.mode = mode
        self.configYAML = configYAML
        self.configHash = configHash
        self.codeVersion = codeVersion
        self.runGroup = runGroup
        self.startedAt = startedAt
        self.endedAt = endedAt
        self.status = status
        self.finalStep = finalStep
        self.finalHash = finalHash
    }
}
