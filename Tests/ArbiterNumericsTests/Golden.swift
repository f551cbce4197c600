import ArbiterCore
import ArbiterNumerics
import Foundation

/// The golden cases of `shared/golden/advantages.json` (a copy lives in Fixtures/).
struct Golden: Decodable {
    struct AdvantageCase: Decodable {
        var name: String
        var estimator: String
        var params: [String: ConfigValue]
        var groups: [RewardGroup]
        var expected: [[Double]]
    }

    struct DiversityCase: Decodable {
        struct Expected: Decodable {
            var mean_pairwise_cosine: Double
            var vendi: Double
        }

        var name: String
        var embeddings: [[Double]]
        var expected: Expected
    }

    var advantage_cases: [AdvantageCase]
    var diversity_cases: [DiversityCase]

    /// The bundled copy.
    static var fixtureURL: URL {
        get throws {
            guard let url = Bundle.module.url(forResource: "advantages", withExtension: "json", subdirectory: "Fixtures") else {
                throw NumericsError(.invalidInput, "Fixtures/advantages.json is missing from the test bundle")
            }
            return url
        }
    }

    static func load() throws -> Golden {
        try JSONDecoder().decode(Golden.self, from: Data(contentsOf: fixtureURL))
    }
}

/// |a − b| ≤ 1e-12, or ≤ 1e-9 relative: the golden README's tolerance.
func close(_ a: Double, _ b: Double, relative: Double = 1e-9, absolute: Double = 1e-12) -> Bool {
    let d = abs(a - b)
    return d <= absolute || d <= relative * max(abs(a), abs(b))
}

/// A small seeded generator for property tests.
struct TestRNG {
    var state: UInt64

    init(_ seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    mutating func unit() -> Double { Double(next() >> 11) * 0x1p-53 }

    mutating func int(_ range: ClosedRange<Int>) -> Int {
        range.lowerBound + Int(next() % UInt64(range.count))
    }

    /// Random ragged groups with float rewards, a few missing, lengths, log-probs and 3 components.
    mutating func groups(count: Int, sizes: ClosedRange<Int> = 1 ... 9, missing: Double = 0.1) -> [RewardGroup] {
        (0 ..< count).map { _ in
            let n = int(sizes)
            var rewards: [Double?] = []
            var lengths: [Int] = []
            var lp: [Double] = []
            var ref: [Double] = []
            var comps: [[Double]] = []
            for _ in 0 ..< n {
                rewards.append(unit() < missing ? nil : (unit() * 4 - 1))
                lengths.append(int(1 ... 4000))
                lp.append(-unit() * 3)
                ref.append(-unit() * 3)
                comps.append([unit(), unit(), unit()])
            }
            return RewardGroup(rewards: rewards, lengths: lengths, logprobMean: lp, refLogprobMean: ref, components: comps)
        }
    }
}

extension AdvantageEstimator {
    /// One instance of every estimator, with non-default parameters where that adds coverage.
    static var samples: [AdvantageEstimator] {
        [
            .grpo(epsilon: 1e-6, std: .unbiased, baseline: .mean),
            .grpo(epsilon: 1e-6, std: .population, baseline: .leaveOneOut),
            .drGRPO, .rloo, .maxRL(epsilon: 1e-6), .opo,
            .reinforcePP(tokenWeighted: true, epsilon: 1e-8), .reinforcePP(tokenWeighted: false, epsilon: 1e-8),
            .reinforcePPBaseline(tokenWeighted: true, epsilon: 1e-8),
            .gdpo(weights: [1, 0.5, 2], epsilon: 1e-6),
            .flowRLTB(beta: 15, epsilon: 1e-6, std: .unbiased),
        ]
    }
}
