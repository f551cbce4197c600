import ArbiterCore
import ArbiterNumerics
import ArbiterTesting
import Foundation
import Testing

@Suite("Golden values")
struct GoldenTests {
    @Test("every advantage case matches to 1e-9 relative")
    func advantageCases() throws {
        let golden = try Golden.load()
        #expect(golden.advantage_cases.count == 108)
        #expect(Set(golden.advantage_cases.map(\.estimator)) == Set(AdvantageEstimator.allNames))
        for c in golden.advantage_cases {
            let estimator = try AdvantageEstimator(name: c.estimator, params: c.params)
            let batch = try RewardBatch(groups: c.groups)
            let got = batch.splitByGroup(try estimator.advantages(for: batch))
            #expect(got.count == c.expected.count, "\(c.name): group count")
            for (g, (a, e)) in zip(got, c.expected).enumerated() {
                #expect(a.count == e.count, "\(c.name) group \(g): sample count")
                for (i, (x, y)) in zip(a, e).enumerated() {
                    #expect(close(x, y), "\(c.name) group \(g) sample \(i): got \(x), expected \(y)")
                }
            }
            // Missing rewards get exactly 0.
            for (g, group) in c.groups.enumerated() {
                for (i, r) in group.rewards.enumerated() where r == nil {
                    #expect(got[g][i] == 0, "\(c.name) group \(g) sample \(i): missing reward must give exactly 0")
                }
            }
        }
    }

    @Test("every diversity case matches to 1e-9 relative")
    func diversityCases() throws {
        let golden = try Golden.load()
        #expect(!golden.diversity_cases.isEmpty)
        for method in DiversityCalculator.GramMethod.allCases {
            var calculator = DiversityCalculator(gramMethod: method)
            for c in golden.diversity_cases {
                let m = try calculator.metrics(c.embeddings)
                #expect(close(m.meanPairwiseCosine, c.expected.mean_pairwise_cosine), "\(c.name) \(method): mean cosine \(m.meanPairwiseCosine)")
                #expect(close(m.vendi, c.expected.vendi), "\(c.name) \(method): vendi \(m.vendi)")
            }
        }
    }

    @Test("the bundled fixture is the shared golden file")
    func fixtureMatchesShared() throws {
        guard let dir = SharedFixtures.directory("golden") else {
            print("SKIP: ../shared/golden is absent; checking only the bundled copy")
            return
        }
        let shared = try Data(contentsOf: dir.appendingPathComponent("advantages.json"))
        let bundled = try Data(contentsOf: try Golden.fixtureURL)
        #expect(shared == bundled, "Tests/ArbiterNumericsTests/Fixtures/advantages.json differs from ../shared/golden/advantages.json")
    }
}
