import ArbiterCore

/// Counters of one endpoint, as plain values (Prometheus export reads these later).
public struct EndpointMetrics: Sendable, Hashable {
    /// Upper bounds (seconds) of the latency histogram buckets; the last bucket is +∞.
    public static let latencyBucketBounds: [Double] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120]

    /// The endpoint's base URL.
    public var url: String
    /// Attempts running now.
    public var inFlight = 0
    /// Attempts started (hedges and retries included).
    public var attempts = 0
    /// Attempts that returned a parsed response.
    public var successes = 0
    /// Failed attempts by cause (cancellations of losing hedges are not failures).
    public var errors: [InferenceError.Code: Int] = [:]
    /// Retries scheduled after a failure on this endpoint.
    public var retries = 0
    /// Hedge attempts started on this endpoint.
    public var hedges = 0
    /// Hedge attempts on this endpoint that answered first.
    public var hedgesWon = 0
    /// Times the circuit breaker ejected the endpoint.
    public var ejections = 0
    /// Health probes sent, and how many failed.
    public var probes = 0
    public var probeFailures = 0
    /// Times a 429 paused the endpoint.
    public var rateLimitPauses = 0
    /// Whether the endpoint is ejected now.
    public var ejected = false
    /// Successful-attempt latency histogram: counts per bucket of ``latencyBucketBounds`` plus +∞.
    public var latencyBuckets: [Int] = Array(repeating: 0, count: EndpointMetrics.latencyBucketBounds.count + 1)
    /// Sum of successful-attempt latencies, seconds.
    public var latencySum = 0.0
    /// Generated tokens reported by successful attempts.
    public var completionTokens = 0
    /// Completion tokens per second since the scheduler started.
    public var tokensPerSecond = 0.0

    /// Creates empty counters.
    public init(url: String) { self.url = url }

    /// Failed attempts over all causes.
    public var failures: Int { errors.values.reduce(0, +) }

    mutating func recordLatency(_ seconds: Double) {
        latencySum += seconds
        var k = 0
        let bounds = Self.latencyBucketBounds
        while k < bounds.count, seconds > bounds[k] { k += 1 }
        latencyBuckets[k] += 1
    }
}

/// A snapshot of the scheduler's counters.
public struct SchedulerMetrics: Sendable, Hashable {
    /// Per endpoint, in configuration order.
    public var endpoints: [EndpointMetrics]
    /// Attempts running now over all endpoints.
    public var inFlight = 0
    /// Requests waiting for an endpoint (queued or backing off).
    public var waiting = 0
    /// Requests that succeeded / failed for good.
    public var callsSucceeded = 0
    public var callsFailed = 0
    /// Groups admitted, finished, finished partial, and waiting for admission.
    public var groupsAdmitted = 0
    public var groupsFinished = 0
    public var groupsPartial = 0
    public var groupsWaitingForAdmission = 0
    /// Staleness admission state (zeros without admission control).
    public var policyVersion = PolicyVersion(0)
    public var acceptedGroups = 0
    public var runningGroups = 0
    public var admissionCapacity = 0
    /// Seconds since the scheduler started.
    public var elapsed = 0.0

    /// Counters at zero for `endpoints` (tests and reports build snapshots with it).
    public init(endpoints: [EndpointMetrics]) { self.endpoints = endpoints }

    /// Failed attempts by cause, over all endpoints.
    public var errors: [InferenceError.Code: Int] {
        endpoints.reduce(into: [:]) { acc, e in
            for (code, n) in e.errors { acc[code, default: 0] += n }
        }
    }

    /// Retries over all endpoints.
    public var retries: Int { endpoints.reduce(0) { $0 + $1.retries } }
    /// Hedges over all endpoints.
    public var hedges: Int { endpoints.reduce(0) { $0 + $1.hedges } }
    /// Ejections over all endpoints.
    public var ejections: Int { endpoints.reduce(0) { $0 + $1.ejections } }
    /// Attempts over all endpoints.
    public var attempts: Int { endpoints.reduce(0) { $0 + $1.attempts } }
}
