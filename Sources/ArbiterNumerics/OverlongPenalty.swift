import ArbiterCore

/// DAPO's soft overlong punishment.
///
/// With expected = L_max − L_buffer, a response of `len` tokens gets
/// `max(min(−(len − expected) / L_buffer · factor, 0), −factor)`: nothing up to `expected`,
/// a linear ramp across the buffer, and the cap −factor from L_max on.
public struct OverlongPenalty: Sendable, Hashable {
    /// L_max in tokens.
    public var maxLength: Int
    /// L_buffer in tokens (> 0, ≤ L_max).
    public var buffer: Int
    /// Penalty factor; the cap is −factor.
    public var factor: Double

    /// Creates a penalty, checking the ranges.
    public init(maxLength: Int, buffer: Int, factor: Double = 1) throws {
        guard buffer > 0, buffer <= maxLength else {
            throw NumericsError(.outOfRange, "buffer must be in 1...max_length (\(maxLength)), got \(buffer)", context: "sampling.overlong.buffer")
        }
        guard factor.isFinite, factor >= 0 else {
            throw NumericsError(.outOfRange, "factor must be finite and ≥ 0, got \(factor)", context: "sampling.overlong.factor")
        }
        self.maxLength = maxLength
        self.buffer = buffer
        self.factor = factor
    }

    /// The penalty of ``ArbiterCore/OverlongConfig``, or nil when it is disabled.
    public init?(_ config: OverlongConfig) throws {
        guard config.enabled else { return nil }
        try self.init(maxLength: config.maxLength, buffer: config.buffer, factor: config.factor)
    }

    /// The (non-positive) penalty for a response of `length` tokens.
    @inline(__always)
    public func penalty(length: Double) -> Double {
        let expected = Double(maxLength - buffer)
        let p = -(length - expected) / Double(buffer) * factor
        return max(min(p, 0), -factor)
    }
}
