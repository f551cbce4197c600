/// SplitMix64 (Steele, Lea, Flood 2014): a tiny, seedable, deterministic generator, the one source
/// of randomness in Arbiter (prompt order, option shuffles, retry jitter, generated data), so a seed
/// means the same thing on every platform and Swift version (the standard library's generator and
/// shuffle algorithm are unspecified).
public struct SplitMix64: RandomNumberGenerator, Sendable, Hashable, Codable {
    /// The state.
    public private(set) var state: UInt64

    /// Creates a generator.
    public init(seed: UInt64) {
        self.state = seed
    }

    /// The next 64 random bits.
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        return Self.mix(state)
    }

    /// A uniform double in [0, 1).
    public mutating func nextUnit() -> Double {
        Double(next() >> 11) * 0x1.0p-53
    }

    /// A uniform integer in `0..<n` (rejection sampling, no modulo bias); `n` must be positive.
    public mutating func nextBelow(_ n: Int) -> Int {
        precondition(n > 0, "nextBelow needs a positive bound")
        let bound = UInt64(n)
        let threshold = (0 &- bound) % bound
        while true {
            let r = next()
            if r >= threshold { return Int(r % bound) }
        }
    }

    /// Shuffles `items` in place: Fisher–Yates from the last position down, drawing with
    /// ``nextBelow(_:)``.
    public mutating func shuffle<T>(_ items: inout [T]) {
        var i = items.count - 1
        while i > 0 {
            items.swapAt(i, nextBelow(i + 1))
            i -= 1
        }
    }

    /// The SplitMix64 finalizer: a good 64-bit hash of `z` (also used to derive seeds).
    public static func mix(_ z: UInt64) -> UInt64 {
        var z = z
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
