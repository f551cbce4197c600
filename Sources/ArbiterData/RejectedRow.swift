import ArbiterCore

/// A row that could not be loaded, with where it is and why.
///
/// A lenient load collects these and goes on; a `strict` load throws ``DataError`` at the first one.
public struct RejectedRow: Error, Sendable, Hashable, Codable, CustomStringConvertible {
    /// Where the row starts (`file:line`; for a multi-line CSV record, its first line).
    public var location: SourceLocation
    /// Why the row was rejected, in words a user can act on.
    public var reason: String

    /// Creates a rejection.
    public init(location: SourceLocation, reason: String) {
        self.location = location
        self.reason = reason
    }

    public var description: String { "\(location): \(reason)" }
}
