/// The latencies of the last `capacity` successful attempts, with a cached quantile.
///
/// The hedging threshold ("p95 of its peers") is read on every dispatch; the quantile is
/// recomputed only every `recomputeEvery` new samples, so reading it is O(1).
struct LatencyWindow: Sendable, Hashable {
    private var samples: [Double] = []
    private var next = 0
    private let capacity: Int
    private let quantile: Double
    private let recomputeEvery: Int
    private var sinceRecompute = 0
    private(set) var cachedQuantile: Double?

    init(capacity: Int = 512, quantile: Double = 0.95, recomputeEvery: Int = 32) {
        self.capacity = max(1, capacity)
        self.quantile = min(max(quantile, 0), 1)
        self.recomputeEvery = max(1, recomputeEvery)
        samples.reserveCapacity(self.capacity)
    }

    var count: Int { samples.count }

    mutating func add(_ latency: Double) {
        if samples.count < capacity {
            samples.append(latency)
        } else {
            samples[next] = latency
            next = (next + 1) % capacity
        }
        sinceRecompute += 1
        if cachedQuantile == nil || sinceRecompute >= recomputeEvery {
            sinceRecompute = 0
            cachedQuantile = Self.quantile(of: samples, quantile)
        }
    }

    /// The `q` quantile of `values` (nearest rank).
    static func quantile(of values: [Double], _ q: Double) -> Double? {
        guard !values.isEmpty else { return nil }
        let sorted = values.sorted()
        let rank = Int((q * Double(sorted.count)).rounded(.up)) - 1
        return sorted[min(max(rank, 0), sorted.count - 1)]
    }
}
