import ArbiterCore

/// Exponential backoff with "equal jitter": attempt k waits between half and all of
/// `min(maximum, base · 2^k)` seconds, drawn uniformly.
public struct BackoffPolicy: Sendable, Hashable {
    /// First delay, seconds.
    public var base: Double
    /// Largest delay, seconds.
    public var maximum: Double

    /// Creates a policy.
    public init(base: Double = 0.05, maximum: Double = 5) {
        self.base = base
        self.maximum = maximum
    }

    /// The un-jittered ceiling of retry `retry` (0-based).
    public func ceiling(retry: Int) -> Double {
        min(maximum, base * Double(1 << min(max(retry, 0), 30)))
    }

    /// The jittered delay of retry `retry`, drawing from `rng`.
    public func delay(retry: Int, using rng: inout SplitMix64) -> Double {
        let c = ceiling(retry: retry)
        return c * (0.5 + 0.5 * rng.nextUnit())
    }
}
