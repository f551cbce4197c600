/// The version of the policy weights served by the inference servers.
///
/// The trainer bumps it after every optimizer step that changed the served weights;
/// every rollout is tagged with the version it was generated under.
public struct PolicyVersion: Sendable, Hashable, Comparable, Codable, CustomStringConvertible,
    ExpressibleByIntegerLiteral
{
    /// The monotonically increasing version number.
    public var rawValue: Int

    /// Creates a version.
    public init(_ rawValue: Int) { self.rawValue = rawValue }

    public init(integerLiteral value: Int) { self.rawValue = value }

    public init(from decoder: any Decoder) throws {
        rawValue = try decoder.singleValueContainer().decode(Int.self)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(rawValue)
    }

    public static func < (lhs: PolicyVersion, rhs: PolicyVersion) -> Bool { lhs.rawValue < rhs.rawValue }

    /// How many versions `self` lags behind `current` (0 when up to date).
    public func staleness(relativeTo current: PolicyVersion) -> Int { max(0, current.rawValue - rawValue) }

    public var description: String { "v\(rawValue)" }
}
