/// A small, seedable, splittable random number generator (SplitMix64).
///
/// The scheduler draws retry jitter from it, so a seeded run makes the same decisions given
/// the same event sequence; tests pass a fixed seed.
public struct SplitMix64: RandomNumberGenerator, Sendable, Hashable {
    private var state: UInt64

    /// Creates a generator from a seed.
    public init(seed: UInt64) { state = seed }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        return Self.mix(state)
    }

    /// A uniform double in [0, 1).
    public mutating func nextUnit() -> Double {
        Double(next() >> 11) * 0x1.0p-53
    }

    /// The SplitMix64 finalizer: a good 64-bit hash of `z` (also used to derive sample seeds).
    public static func mix(_ z: UInt64) -> UInt64 {
        var z = z
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

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
