import ArbiterCore

/// Reward shaping applied before an estimator, in this order:
///
/// 1. DAPO overlong penalty (``OverlongPenalty``), added to the reward;
/// 2. group-relative length penalty with coefficient `c` (see ``lengthPenalty``);
/// 3. clipping to `[clipMin, clipMax]`;
/// 4. scaling by `scale`.
///
/// Missing rewards (`NaN`) stay missing through every step.
///
/// **Group-relative length penalty.** For a group whose valid samples have lengths
/// `len_min < len_max` and mean length `len_mean`:
/// `r_i ← r_i − c · (len_i − len_mean) / (len_max − len_min)`.
/// It favours the shorter responses of a group in proportion to how much shorter they are,
/// is bounded by `c` in magnitude, is invariant to the length scale, and leaves the group's
/// mean reward unchanged, so it redistributes credit inside a group without shifting the
/// group against the rest of the batch (the group-normalised form used by prime-rl and
/// Kimi k1.5, centred). Groups with fewer than 2 valid samples, or equal lengths, are untouched.
public struct RewardShaping: Sendable, Hashable {
    /// DAPO overlong penalty, nil to disable.
    public var overlong: OverlongPenalty?
    /// Coefficient `c` of the group-relative length penalty; 0 disables it.
    public var lengthPenalty: Double
    /// Lower clip bound, if any.
    public var clipMin: Double?
    /// Upper clip bound, if any.
    public var clipMax: Double?
    /// Multiplier applied last.
    public var scale: Double

    /// Creates shaping settings, checking ranges.
    public init(
        overlong: OverlongPenalty? = nil, lengthPenalty: Double = 0, clipMin: Double? = nil, clipMax: Double? = nil,
        scale: Double = 1
    ) throws {
        guard lengthPenalty.isFinite, lengthPenalty >= 0 else {
            throw NumericsError(.outOfRange, "must be finite and ≥ 0, got \(lengthPenalty)", context: "sampling.length_penalty")
        }
        if let lo = clipMin, !lo.isFinite {
            throw NumericsError(.outOfRange, "must be finite, got \(lo)", context: "sampling.clip_min")
        }
        if let hi = clipMax, !hi.isFinite {
            throw NumericsError(.outOfRange, "must be finite, got \(hi)", context: "sampling.clip_max")
        }
        if let lo = clipMin, let hi = clipMax, lo > hi {
            throw NumericsError(.outOfRange, "clip_min (\(lo)) must not exceed clip_max (\(hi))", context: "sampling.clip_min")
        }
        guard scale.isFinite else {
            throw NumericsError(.outOfRange, "must be finite, got \(scale)", context: "sampling.scale")
        }
        self.overlong = overlong
        self.lengthPenalty = lengthPenalty
        self.clipMin = clipMin
        self.clipMax = clipMax
        self.scale = scale
    }

    /// The shaping that ``ArbiterCore/SamplingControls`` configures.
    public init(_ controls: SamplingControls) throws {
        try self.init(
            overlong: try OverlongPenalty(controls.overlong), lengthPenalty: controls.lengthPenalty,
            clipMin: controls.clipMin, clipMax: controls.clipMax, scale: controls.scale)
    }

    /// Whether shaping changes anything.
    public var isIdentity: Bool {
        overlong == nil && lengthPenalty == 0 && clipMin == nil && clipMax == nil && scale == 1
    }

    /// Whether shaping reads completion lengths.
    public var needsLengths: Bool { overlong != nil || lengthPenalty != 0 }

    /// Shapes the batch's rewards in place.
    ///
    /// - Throws: ``NumericsError`` `inconsistentShape` when lengths are needed but absent.
    public func apply(to batch: inout RewardBatch) throws {
        try batch.validate()
        if needsLengths && batch.lengths.count != batch.sampleCount {
            throw NumericsError(.inconsistentShape, "reward shaping needs lengths for every sample", context: "lengths")
        }
        let offsets = batch.groupOffsets
        let lengths = batch.lengths
        batch.rewards.withUnsafeMutableBufferPointer { r in
            offsets.withUnsafeBufferPointer { o in
                lengths.withUnsafeBufferPointer { len in
                    apply(rewards: r, lengths: len, groupOffsets: o)
                }
            }
        }
    }

    /// Shapes rewards in place over raw buffers (lengths may be empty when not needed).
    public func apply(
        rewards r: UnsafeMutableBufferPointer<Double>, lengths len: UnsafeBufferPointer<Double>,
        groupOffsets offsets: UnsafeBufferPointer<Int>
    ) {
        if let overlong {
            for i in 0 ..< r.count where r[i] == r[i] {
                r[i] += overlong.penalty(length: len[i])
            }
        }
        if lengthPenalty != 0, offsets.count > 1 {
            for g in 0 ..< offsets.count - 1 {
                let lo = offsets[g]
                let hi = offsets[g + 1]
                var n = 0
                var sum = 0.0
                var mn = Double.infinity
                var mx = -Double.infinity
                for i in lo ..< hi where r[i] == r[i] {
                    let l = len[i]
                    n += 1
                    sum += l
                    mn = min(mn, l)
                    mx = max(mx, l)
                }
                guard n >= 2, mx > mn else { continue }
                let mean = sum / Double(n)
                let k = lengthPenalty / (mx - mn)
                for i in lo ..< hi where r[i] == r[i] {
                    r[i] -= k * (len[i] - mean)
                }
            }
        }
        if clipMin != nil || clipMax != nil || scale != 1 {
            let lo = clipMin ?? -.infinity
            let hi = clipMax ?? .infinity
            for i in 0 ..< r.count where r[i] == r[i] {
                r[i] = min(max(r[i], lo), hi) * scale
            }
        }
    }
}
