/// A token bucket for per-endpoint rate limits (requests/s, tokens/min), driven by passed-in time.
///
/// It holds up to `capacity` tokens and refills at `refillPerSecond`. A request that costs more
/// than the capacity is charged the capacity (it would otherwise never pass). Usage corrections
/// after the fact (actual tokens versus the estimate) may drive the level negative, which
/// delays the next requests accordingly.
public struct TokenBucket: Sendable, Hashable {
    /// Most tokens held.
    public let capacity: Double
    /// Tokens added per second.
    public let refillPerSecond: Double
    /// Current level.
    public private(set) var tokens: Double
    private var updatedAt: Double

    /// Creates a full bucket at time `now`.
    public init(capacity: Double, refillPerSecond: Double, now: Double = 0) {
        self.capacity = max(1, capacity)
        self.refillPerSecond = max(1e-9, refillPerSecond)
        self.tokens = self.capacity
        self.updatedAt = now
    }

    /// A requests-per-second limiter (burst of one second's worth, at least 1).
    public static func requestsPerSecond(_ rate: Double, now: Double = 0) -> TokenBucket {
        TokenBucket(capacity: max(1, rate), refillPerSecond: rate, now: now)
    }

    /// A tokens-per-minute limiter (burst of one minute's worth).
    public static func tokensPerMinute(_ rate: Double, now: Double = 0) -> TokenBucket {
        TokenBucket(capacity: rate, refillPerSecond: rate / 60, now: now)
    }

    private mutating func refill(_ now: Double) {
        if now > updatedAt {
            tokens = min(capacity, tokens + (now - updatedAt) * refillPerSecond)
            updatedAt = now
        }
    }

    /// Whether `cost` tokens are available at `now`.
    public mutating func canTake(_ cost: Double, now: Double) -> Bool {
        refill(now)
        return tokens >= min(cost, capacity)
    }

    /// Takes `cost` tokens if available; returns whether it did.
    public mutating func take(_ cost: Double, now: Double) -> Bool {
        refill(now)
        let c = min(cost, capacity)
        guard tokens >= c else { return false }
        tokens -= c
        return true
    }

    /// Adds (positive) or removes (negative) tokens without the availability check.
    public mutating func adjust(by delta: Double, now: Double) {
        refill(now)
        tokens = min(capacity, tokens + delta)
    }

    /// The earliest time at which `cost` tokens are available (`now` when they already are).
    public mutating func availableAt(_ cost: Double, now: Double) -> Double {
        refill(now)
        let c = min(cost, capacity)
        return tokens >= c ? now : now + (c - tokens) / refillPerSecond
    }
}
