/// The error type of ArbiterStore: a stable code plus context.
public struct StoreError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Stable error codes.
    public enum Code: String, Sendable, Equatable {
        case notImplemented = "not_implemented"
        case invalidInput = "invalid_input"
        /// The run, batch or row named does not exist.
        case notFound = "not_found"
        /// A row with the same key (run id, group id, rollout id, batch id, consumed prompt) exists.
        case duplicate
        /// The step is already committed: its rows are sealed by the hash chain.
        case stepSealed = "step_sealed"
        /// A write tried to change an append-only row.
        case appendOnly = "append_only"
        /// The database file could not be opened, migrated or read.
        case database
        /// The store's contents are inconsistent with themselves (bad blob, unknown enum value).
        case corrupt
        /// The store writer was closed, or failed earlier and refuses further writes.
        case writerClosed = "writer_closed"
    }

    /// The code.
    public var code: Code
    /// Human-readable explanation.
    public var message: String
    /// Where it happened (file:line, field, endpoint), when known.
    public var context: String?

    /// Creates an error.
    public init(_ code: Code, _ message: String, context: String? = nil) {
        self.code = code
        self.message = message
        self.context = context
    }

    public var description: String {
        if let context { return "\(context): \(message) [\(code.rawValue)]" }
        return "\(message) [\(code.rawValue)]"
    }
}
