import ArbiterCore
/// The `arbiter bench numerics` workloads: estimators over a large batch and diversity over
/// many groups, each timed as the median of several repeats after one warm-up run.
///
/// Data are synthetic and seeded: uniform rewards in [0, 1) with a fraction missing (`NaN`),
/// lengths uniform in 1...4096, three uniform reward components for GDPO, embeddings uniform
/// in [−1, 1). Only the computation is timed: inputs and output buffers exist beforehand,
/// as in an engine that keeps its buffers across steps.
public struct NumericsBenchmark: Sendable {
    /// What to run.
    public struct Options: Sendable, Hashable {
        /// Samples per estimator batch.
        public var samples: Int
        /// Group sizes to time the estimators at.
        public var groupSizes: [Int]
        /// Timed repeats per workload (the median is reported).
        public var repeats: Int
        /// Diversity: number of groups.
        public var diversityGroups: Int
        /// Diversity: embeddings per group.
        public var diversityGroupSize: Int
        /// Diversity: embedding dimension.
        public var dimension: Int
        /// Fraction of rewards that are missing.
        public var missingFraction: Double
        /// Also time alternative implementations (BLAS whitening, dgemm / loop Gram).
        public var variants: Bool
        /// PRNG seed.
        public var seed: UInt64

        /// Creates options with the documented defaults.
        public init(
            samples: Int = 1_000_000, groupSizes: [Int] = [8, 16], repeats: Int = 9, diversityGroups: Int = 512,
            diversityGroupSize: Int = 16, dimension: Int = 384, missingFraction: Double = 0.01, variants: Bool = false,
            seed: UInt64 = 42
        ) {
            self.samples = samples
            self.groupSizes = groupSizes
            self.repeats = repeats
            self.diversityGroups = diversityGroups
            self.diversityGroupSize = diversityGroupSize
            self.dimension = dimension
            self.missingFraction = missingFraction
            self.variants = variants
            self.seed = seed
        }
    }

    /// One timed workload.
    public struct Result: Sendable, Hashable, Codable {
        /// Workload name, e.g. `grpo` or `diversity`.
        public var workload: String
        /// Group size.
        public var groupSize: Int
        /// Items processed per run (samples, or groups for diversity).
        public var items: Int
        /// Median wall time of one run, seconds.
        public var medianSeconds: Double
        /// Fastest run, seconds.
        public var minSeconds: Double

        enum CodingKeys: String, CodingKey {
            case workload
            case groupSize = "group_size"
            case items
            case medianSeconds = "median_s"
            case minSeconds = "min_s"
        }
    }

    /// The options.
    public var options: Options

    /// Creates a benchmark.
    public init(options: Options = Options()) throws {
        guard options.samples > 0, options.repeats > 0, options.diversityGroups >= 0, options.diversityGroupSize > 0,
            options.dimension > 0, !options.groupSizes.isEmpty, options.groupSizes.allSatisfy({ $0 > 0 })
        else {
            throw NumericsError(.outOfRange, "benchmark sizes and repeats must be positive")
        }
        self.options = options
    }

    /// Runs every workload, calling `progress` after each.
    public func run(progress: (Result) -> Void = { _ in }) throws -> [Result] {
        var results: [Result] = []
        func record(_ r: Result) {
            results.append(r)
            progress(r)
        }
        var rng = SplitMix64(seed: options.seed)
        for size in options.groupSizes {
            let batch = try makeBatch(groupSize: size, rng: &rng)
            var out = [Double](repeating: 0, count: batch.sampleCount)
            let estimators: [AdvantageEstimator] = [
                .grpo(epsilon: 1e-6, std: .unbiased, baseline: .mean),
                .reinforcePPBaseline(tokenWeighted: true, epsilon: 1e-8),
                .gdpo(weights: [1, 0.5, 0.25], epsilon: 1e-6),
            ]
            for e in estimators {
                record(try time(e.name, size, batch.sampleCount) { try e.computeAdvantages(for: batch, into: &out) })
            }
            if options.variants {
                var scratch = BLASWhitening(count: batch.sampleCount)
                record(try time("reinforce_pp (fused loop)", size, batch.sampleCount) {
                    try AdvantageEstimator.reinforcePP(tokenWeighted: true, epsilon: 1e-8).computeAdvantages(for: batch, into: &out)
                })
                record(try time("reinforce_pp (BLAS ddot/dsbmv)", size, batch.sampleCount) {
                    scratch.whiten(batch, epsilon: 1e-8, into: &out)
                })
            }
        }
        if options.diversityGroups > 0 {
            let n = options.diversityGroupSize
            let d = options.dimension
            var values = [Double](repeating: 0, count: options.diversityGroups * n * d)
            for i in values.indices { values[i] = rng.nextUnit() * 2 - 1 }
            let embeddings = try EmbeddingBatch(
                values: values, dimension: d, groupOffsets: Array(stride(from: 0, through: options.diversityGroups * n, by: n)))
            var calc = DiversityCalculator()
            record(try time("diversity", n, options.diversityGroups) { _ = try calc.metrics(for: embeddings) })
            if options.variants {
                var blas = DiversityCalculator(gramMethod: .blas)
                record(try time("diversity (cblas_dsyrk Gram)", n, options.diversityGroups) {
                    _ = try blas.metrics(for: embeddings)
                })
                var gram = GramVariants(n: n)
                for method in GramVariants.Method.allCases {
                    record(try time("gram only (\(method.rawValue))", n, options.diversityGroups) {
                        gram.run(method, embeddings)
                    })
                }
            }
        }
        return results
    }

    /// Times `body`: one warm-up, then the median of `repeats` runs.
    func time(_ name: String, _ groupSize: Int, _ items: Int, _ body: () throws -> Void) throws -> Result {
        try body()
        let clock = ContinuousClock()
        var seconds: [Double] = []
        for _ in 0 ..< options.repeats {
            let start = clock.now
            try body()
            let elapsed = clock.now - start
            seconds.append(elapsed.inSeconds)
        }
        seconds.sort()
        let m = seconds.count
        let median = m % 2 == 1 ? seconds[m / 2] : (seconds[m / 2 - 1] + seconds[m / 2]) / 2
        return Result(workload: name, groupSize: groupSize, items: items, medianSeconds: median, minSeconds: seconds[0])
    }

    /// A synthetic batch of `options.samples` samples (rounded down to whole groups).
    func makeBatch(groupSize: Int, rng: inout SplitMix64) throws -> RewardBatch {
        let n = options.samples / groupSize * groupSize
        let k = 3
        var rewards = [Double](repeating: 0, count: n)
        var lengths = [Double](repeating: 0, count: n)
        var comps = [Double](repeating: 0, count: n * k)
        for i in 0 ..< n {
            rewards[i] = rng.nextUnit() < options.missingFraction ? .nan : rng.nextUnit()
            lengths[i] = Double(1 + Int(rng.next() % 4096))
            for c in 0 ..< k { comps[i * k + c] = rng.nextUnit() }
        }
        return try RewardBatch(
            rewards: rewards, groupOffsets: Array(stride(from: 0, through: n, by: groupSize)), lengths: lengths,
            components: comps, componentCount: k)
    }
}

