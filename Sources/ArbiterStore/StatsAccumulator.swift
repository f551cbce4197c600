/// Accumulates values into `SummaryStats` (sum and sum of squares, as SQL computes them).
struct StatsAccumulator: Sendable {
    var count = 0
    var missing = 0
    var sum = 0.0
    var sumSquares = 0.0
    var min: Double?
    var max: Double?

    mutating func add(_ v: Double?) {
        guard let v, !v.isNaN else {
            missing += 1
            return
        }
        count += 1
        sum += v
        sumSquares += v * v
        min = Swift.min(min ?? v, v)
        max = Swift.max(max ?? v, v)
    }

    var stats: SummaryStats {
        guard count > 0 else { return SummaryStats(count: 0, missing: missing) }
        let mean = sum / Double(count)
        let variance = Swift.max(0, sumSquares / Double(count) - mean * mean)
        return SummaryStats(count: count, missing: missing, mean: mean, std: variance.squareRoot(), min: min, max: max)
    }
}
