import ArbiterCore
import Foundation

/// How the outbox spaces out delivery attempts of one batch.
///
/// A pure function of the number of failed attempts, the trainer's `Retry-After`, and a jitter sample
/// in `[0, 1)` supplied by the caller, so schedules are tested without clocks or randomness.
public struct RetryPolicy: Sendable, Hashable {
    /// Delay after the first failure.
    public var initialBackoff: Duration
    /// Upper bound of the exponential delay.
    public var maxBackoff: Duration
    /// Growth factor per failed attempt.
    public var multiplier: Double
    /// Fraction of the delay that is randomized: the delay is scaled by `1 - jitter·sample`.
    public var jitter: Double
    /// Upper bound on a trainer's `Retry-After` (a trainer asking for an hour is waited on for this long).
    public var maxRetryAfter: Duration

    /// Creates a policy. Defaults: 0.5 s doubling to 30 s, 20 % jitter, `Retry-After` honoured up to 5 minutes.
    public init(
        initialBackoff: Duration = .milliseconds(500), maxBackoff: Duration = .seconds(30), multiplier: Double = 2,
        jitter: Double = 0.2, maxRetryAfter: Duration = .seconds(300)
    ) {
        self.initialBackoff = initialBackoff
        self.maxBackoff = maxBackoff
        self.multiplier = max(1, multiplier)
        self.jitter = min(max(jitter, 0), 1)
        self.maxRetryAfter = maxRetryAfter
    }

    /// The delay before the next attempt.
    ///
    /// - Parameters:
    ///   - failures: Consecutive failed attempts of this batch so far (≥ 1).
    ///   - retryAfter: The trainer's `Retry-After`, which replaces the exponential delay when present.
    ///   - jitterSample: A number in `[0, 1)`.
    public func delay(afterFailures failures: Int, retryAfter: Duration?, jitterSample: Double) -> Duration {
        if let retryAfter {
            return min(max(retryAfter, .zero), maxRetryAfter)
        }
        let initial = Self.seconds(initialBackoff)
        let cap = Self.seconds(maxBackoff)
        let exponent = Double(max(0, failures - 1))
        var seconds = min(cap, initial * Foundation.pow(multiplier, min(exponent, 64)))
        seconds *= 1 - jitter * min(max(jitterSample, 0), 1)
        return .nanoseconds(Int64((seconds * 1e9).rounded()))
    }

    static func seconds(_ d: Duration) -> Double { d.inSeconds }
}
