/// Running weighted mean and sum of squared deviations, merged chunk by chunk.
///
/// Each chunk (a group, or a block of samples) is reduced with an exact two-pass loop while it
/// sits in L1 cache, then merged with Chan et al.'s pairwise update, so the batch is read from
/// memory once and the variance does not suffer the cancellation of the Σx² − (Σx)²/n shortcut.
struct WeightedMoments {
    /// Σ w.
    var weight = 0.0
    /// Weighted mean.
    var mean = 0.0
    /// Σ w (x − mean)².
    var m2 = 0.0
    /// Number of samples merged.
    var count = 0

    /// Merges a chunk's moments.
    @inline(__always)
    mutating func merge(weight wb: Double, mean mb: Double, m2 m2b: Double, count cb: Int) {
        count += cb
        guard wb > 0 else { return }
        if weight == 0 {
            weight = wb
            mean = mb
            m2 = m2b
            return
        }
        let w = weight + wb
        let delta = mb - mean
        mean += delta * (wb / w)
        m2 += m2b + delta * delta * (weight * wb / w)
        weight = w
    }
}

/// The numeric kernels behind ``AdvantageEstimator``: plain loops over unsafe buffers,
/// no allocation, one read of the batch from memory where the formula allows it.
///
/// Missing rewards are `NaN`; `x == x` is the branch-light validity test.
enum AdvantageKernels {
    typealias In = UnsafeBufferPointer<Double>
    typealias Out = UnsafeMutableBufferPointer<Double>
    typealias Offsets = UnsafeBufferPointer<Int>

    /// Count and sum of the valid entries of `r[lo..<hi]`.
    @inline(__always)
    static func countSum(_ r: In, _ lo: Int, _ hi: Int) -> (Int, Double) {
        var n = 0
        var s = 0.0
        for i in lo ..< hi {
            let x = r[i]
            if x == x {
                n &+= 1
                s += x
            }
        }
        return (n, s)
    }

    /// Σ (x − mean)² over the valid entries of `r[lo..<hi]`.
    @inline(__always)
    static func sumSquares(_ r: In, _ lo: Int, _ hi: Int, mean: Double) -> Double {
        var ss = 0.0
        for i in lo ..< hi {
            let x = r[i]
            if x == x {
                let d = x - mean
                ss += d * d
            }
        }
        return ss
    }

    @inline(__always)
    static func zero(_ out: Out, _ lo: Int, _ hi: Int) {
        for i in lo ..< hi { out[i] = 0 }
    }

    /// GRPO: (r − b) / (std + ε), per group.
    static func grpo(_ r: In, _ offsets: Offsets, epsilon: Double, ddof: Int, leaveOneOut: Bool, _ out: Out) -> Bool {
        var finite = true
        for g in 0 ..< offsets.count - 1 {
            let lo = offsets[g]
            let hi = offsets[g + 1]
            let (n, sum) = countSum(r, lo, hi)
            if n < 2 {
                zero(out, lo, hi)
                continue
            }
            let mean = sum / Double(n)
            let std = (sumSquares(r, lo, hi, mean: mean) / Double(n - ddof)).squareRoot()
            finite = finite && std.isFinite
            let denom = std + epsilon
            let inv = denom > 0 ? 1 / denom : 0
            if leaveOneOut {
                let others = Double(n - 1)
                for i in lo ..< hi {
                    let x = r[i]
                    out[i] = x == x ? (x - (sum - x) / others) * inv : 0
                }
            } else {
                for i in lo ..< hi {
                    let x = r[i]
                    out[i] = x == x ? (x - mean) * inv : 0
                }
            }
        }
        return finite
    }

    /// Dr. GRPO (r − mean), RLOO (r − mean of the others), MaxRL ((r − mean)/(mean + ε)).
    enum Centring { case mean, leaveOneOut, maxRL(Double) }

    static func centred(_ r: In, _ offsets: Offsets, _ kind: Centring, _ out: Out) -> Bool {
        var finite = true
        for g in 0 ..< offsets.count - 1 {
            let lo = offsets[g]
            let hi = offsets[g + 1]
            let (n, sum) = countSum(r, lo, hi)
            if n < 2 {
                zero(out, lo, hi)
                continue
            }
            let mean = sum / Double(n)
            finite = finite && mean.isFinite
            switch kind {
            case .mean:
                for i in lo ..< hi {
                    let x = r[i]
                    out[i] = x == x ? x - mean : 0
                }
            case .leaveOneOut:
                let others = Double(n - 1)
                for i in lo ..< hi {
                    let x = r[i]
                    out[i] = x == x ? x - (sum - x) / others : 0
                }
            case .maxRL(let eps):
                let denom = mean + eps
                let inv = denom != 0 ? 1 / denom : 0
                for i in lo ..< hi {
                    let x = r[i]
                    out[i] = x == x ? (x - mean) * inv : 0
                }
            }
        }
        return finite
    }

    /// OPO: r − Σ len·r / Σ len over the valid samples of the group (plain mean if Σ len = 0).
    static func opo(_ r: In, _ len: In, _ offsets: Offsets, _ out: Out) -> Bool {
        var finite = true
        for g in 0 ..< offsets.count - 1 {
            let lo = offsets[g]
            let hi = offsets[g + 1]
            var n = 0
            var sum = 0.0
            var wsum = 0.0
            var wr = 0.0
            for i in lo ..< hi {
                let x = r[i]
                if x == x {
                    n &+= 1
                    sum += x
                    wsum += len[i]
                    wr += len[i] * x
                }
            }
            if n < 2 {
                zero(out, lo, hi)
                continue
            }
            let baseline = wsum != 0 ? wr / wsum : sum / Double(n)
            finite = finite && baseline.isFinite
            for i in lo ..< hi {
                let x = r[i]
                out[i] = x == x ? x - baseline : 0
            }
        }
        return finite
    }

    /// Merges the weighted moments of the valid entries of `x[lo..<hi]` (weights `len` or 1).
    @inline(__always)
    static func mergeChunk(_ x: In, _ len: In?, _ lo: Int, _ hi: Int, into m: inout WeightedMoments) {
        var w = 0.0
        var s = 0.0
        var n = 0
        if let len {
            for i in lo ..< hi {
                let v = x[i]
                if v == v {
                    w += len[i]
                    s += len[i] * v
                    n &+= 1
                }
            }
        } else {
            for i in lo ..< hi {
                let v = x[i]
                if v == v {
                    s += v
                    n &+= 1
                }
            }
            w = Double(n)
        }
        guard n > 0 else { return }
        guard w > 0 else {
            m.count += n
            return
        }
        let mean = s / w
        var m2 = 0.0
        if let len {
            for i in lo ..< hi {
                let v = x[i]
                if v == v {
                    let d = v - mean
                    m2 += len[i] * d * d
                }
            }
        } else {
            for i in lo ..< hi {
                let v = x[i]
                if v == v {
                    let d = v - mean
                    m2 += d * d
                }
            }
        }
        m.merge(weight: w, mean: mean, m2: m2, count: n)
    }

    /// Block size for the chunked batch statistics: two arrays of it fit in L1.
    static let chunk = 1024

    /// REINFORCE++: whiten the valid rewards over the whole batch.
    static func reinforcePP(_ r: In, _ len: In?, epsilon: Double, _ out: Out) -> Bool {
        var m = WeightedMoments()
        var lo = 0
        while lo < r.count {
            let hi = min(lo + chunk, r.count)
            mergeChunk(r, len, lo, hi, into: &m)
            lo = hi
        }
        writeWhitened(source: r, moments: m, epsilon: epsilon, out)
        return m.mean.isFinite && m.m2.isFinite
    }

    /// out = (x − μ)/sqrt(var + ε) for valid x, 0 for NaN x.
    @inline(__always)
    static func writeWhitened(source x: In, moments m: WeightedMoments, epsilon: Double, _ out: Out) {
        let variance = m.weight > 0 ? m.m2 / m.weight : 0
        let denom = (variance + epsilon).squareRoot()
        let inv = denom > 0 ? 1 / denom : 0
        let mu = m.mean
        for i in 0 ..< x.count {
            let v = x[i]
            out[i] = v == v ? (v - mu) * inv : 0
        }
    }

    /// REINFORCE++ with group baseline: whiten(r − mean_g) over the samples of groups with ≥ 2 valid.
    static func reinforcePPBaseline(_ r: In, _ len: In?, _ offsets: Offsets, epsilon: Double, _ out: Out) -> Bool {
        var m = WeightedMoments()
        for g in 0 ..< offsets.count - 1 {
            let lo = offsets[g]
            let hi = offsets[g + 1]
            let (n, sum) = countSum(r, lo, hi)
            if n < 2 {
                for i in lo ..< hi { out[i] = .nan }
                continue
            }
            let mean = sum / Double(n)
            for i in lo ..< hi { out[i] = r[i] - mean }  // NaN stays NaN
            mergeChunk(UnsafeBufferPointer(out), len, lo, hi, into: &m)
        }
        writeWhitened(source: UnsafeBufferPointer(out), moments: m, epsilon: epsilon, out)
        return m.mean.isFinite && m.m2.isFinite
    }

    /// GDPO. `scratch` holds 2·K doubles.
    static func gdpo(
        _ r: In, _ comps: In, k: Int, weights: In, _ offsets: Offsets, epsilon: Double, scratch: Out, _ out: Out
    ) -> Bool {
        var m = WeightedMoments()
        let means = scratch.baseAddress!
        let invs = scratch.baseAddress! + k
        for g in 0 ..< offsets.count - 1 {
            let lo = offsets[g]
            let hi = offsets[g + 1]
            var n = 0
            for c in 0 ..< k { means[c] = 0 }
            for i in lo ..< hi where r[i] == r[i] {
                n &+= 1
                let row = i &* k
                for c in 0 ..< k { means[c] += comps[row &+ c] }
            }
            if n < 2 {
                for i in lo ..< hi { out[i] = r[i] == r[i] ? 0 : .nan }
                m.merge(weight: Double(n), mean: 0, m2: 0, count: n)
                continue
            }
            let dn = Double(n)
            for c in 0 ..< k {
                means[c] /= dn
                invs[c] = 0
            }
            for i in lo ..< hi where r[i] == r[i] {
                let row = i &* k
                for c in 0 ..< k {
                    let d = comps[row &+ c] - means[c]
                    invs[c] += d * d
                }
            }
            for c in 0 ..< k {
                let denom = (invs[c] / (dn - 1)).squareRoot() + epsilon
                invs[c] = denom > 0 ? weights[c] / denom : 0
            }
            var s = 0.0
            for i in lo ..< hi {
                if r[i] == r[i] {
                    let row = i &* k
                    var acc = 0.0
                    for c in 0 ..< k { acc += (comps[row &+ c] - means[c]) * invs[c] }
                    out[i] = acc
                    s += acc
                } else {
                    out[i] = .nan
                }
            }
            let gm = s / dn
            var m2 = 0.0
            for i in lo ..< hi {
                let v = out[i]
                if v == v {
                    let d = v - gm
                    m2 += d * d
                }
            }
            m.merge(weight: dn, mean: gm, m2: m2, count: n)
        }
        let mu = m.mean
        let std = m.count > 1 ? (m.m2 / Double(m.count - 1)).squareRoot() : 0
        if std == 0 {
            for i in 0 ..< out.count {
                let v = out[i]
                out[i] = v == v ? v - mu : 0
            }
        } else {
            let denom = std + epsilon
            let inv = 1 / denom
            for i in 0 ..< out.count {
                let v = out[i]
                out[i] = v == v ? (v - mu) * inv : 0
            }
        }
        return mu.isFinite && std.isFinite
    }

    /// FlowRL trajectory balance: x = β·r̂ + ℓ_ref − ℓ, centred per group.
    ///
    /// Writes β·r̂ into `targets` when given. Returns false when a valid sample's x is not finite.
    static func flowRLTB(
        _ r: In, _ lp: In, _ ref: In, _ offsets: Offsets, beta: Double, epsilon: Double, ddof: Int, _ out: Out,
        targets: Out?
    ) -> Bool {
        var finite = true
        for g in 0 ..< offsets.count - 1 {
            let lo = offsets[g]
            let hi = offsets[g + 1]
            let (n, sum) = countSum(r, lo, hi)
            if n < 2 {
                zero(out, lo, hi)
                if let targets { for i in lo ..< hi { targets[i] = 0 } }
                continue
            }
            let mean = sum / Double(n)
            let std = (sumSquares(r, lo, hi, mean: mean) / Double(n - ddof)).squareRoot()
            let denom = std + epsilon
            let inv = denom > 0 ? 1 / denom : 0
            var xs = 0.0
            for i in lo ..< hi {
                let x = r[i]
                if x == x {
                    let t = beta * ((x - mean) * inv)
                    targets?[i] = t
                    let v = t + ref[i] - lp[i]
                    finite = finite && v.isFinite
                    out[i] = v
                    xs += v
                } else {
                    targets?[i] = 0
                }
            }
            let xm = xs / Double(n)
            for i in lo ..< hi {
                let x = r[i]
                out[i] = x == x ? out[i] - xm : 0
            }
        }
        return finite
    }
}
