import ArbiterCore
import ArbiterNumerics
import Testing

@Suite("Estimator parsing")
struct EstimatorParsingTests {
    func error(_ name: String, _ params: [String: ConfigValue]) -> NumericsError? {
        do {
            _ = try AdvantageEstimator(name: name, params: params)
            return nil
        } catch let e as NumericsError {
            return e
        } catch {
            return nil
        }
    }

    @Test("defaults follow the golden README")
    func defaults() throws {
        #expect(try AdvantageEstimator(name: "grpo", params: [:]) == .grpo(epsilon: 1e-6, std: .unbiased, baseline: .mean))
        #expect(try AdvantageEstimator(name: "maxrl", params: [:]) == .maxRL(epsilon: 1e-6))
        #expect(try AdvantageEstimator(name: "reinforce_pp", params: [:]) == .reinforcePP(tokenWeighted: true, epsilon: 1e-8))
        #expect(
            try AdvantageEstimator(name: "reinforce_pp_baseline", params: [:]) == .reinforcePPBaseline(tokenWeighted: true, epsilon: 1e-8))
        #expect(try AdvantageEstimator(name: "flowrl_tb", params: [:]) == .flowRLTB(beta: 15, epsilon: 1e-6, std: .unbiased))
        #expect(try AdvantageEstimator(name: "gdpo", params: ["weights": .list([.number(1), .number(2)])]) == .gdpo(weights: [1, 2], epsilon: 1e-6))
        #expect(try AdvantageEstimator(AdvantageConfig()) == .grpo(epsilon: 1e-6, std: .unbiased, baseline: .mean))
    }

    @Test("every name parses, and canonical params round-trip", arguments: AdvantageEstimator.allNames)
    func roundTrip(name: String) throws {
        let params: [String: ConfigValue] = name == "gdpo" ? ["weights": .list([.number(0.5), .number(1.5)])] : [:]
        let e = try AdvantageEstimator(name: name, params: params)
        #expect(e.name == name)
        #expect(Set(e.canonicalParams.keys) == Set(AdvantageEstimator.parameterNames[name]!))
        #expect(try AdvantageEstimator(name: name, params: e.canonicalConfigParams) == e)
        #expect(e.canonicalDescription.hasPrefix(name + "("))
    }

    @Test("canonical rendering")
    func rendering() throws {
        let e = try AdvantageEstimator(name: "grpo", params: ["baseline": .string("leave_one_out"), "epsilon": .number(1e-4)])
        #expect(e.canonicalParams == ["epsilon": "0.0001", "std": "unbiased", "baseline": "leave_one_out"])
        #expect(e.canonicalDescription == "grpo(baseline=leave_one_out,epsilon=0.0001,std=unbiased)")
        let g = AdvantageEstimator.gdpo(weights: [0.346, 1.75, 0.87], epsilon: 1e-6)
        #expect(g.canonicalParams["weights"] == "[0.346,1.75,0.87]")
        #expect(AdvantageEstimator.rloo.canonicalDescription == "rloo()")
        #expect(AdvantageEstimator.allNames.count == 9)
    }

    @Test("unknown estimator")
    func unknownEstimator() {
        let e = error("ppo", [:])
        #expect(e?.code == .unknownEstimator)
        #expect(e?.context == "advantage.estimator")
        #expect(e?.message.contains("grpo") == true)
    }

    @Test("unknown, ill-typed and out-of-range parameters name the parameter")
    func badParameters() {
        let cases: [(String, [String: ConfigValue], NumericsError.Code, String)] = [
            ("grpo", ["epsilom": .number(1)], .unknownParameter, "epsilom"),
            ("rloo", ["epsilon": .number(1)], .unknownParameter, "epsilon"),
            ("grpo", ["epsilon": .string("small")], .invalidParameter, "epsilon"),
            ("grpo", ["epsilon": .number(-1)], .outOfRange, "epsilon"),
            ("grpo", ["epsilon": .number(.infinity)], .outOfRange, "epsilon"),
            ("grpo", ["std": .string("sample")], .outOfRange, "std"),
            ("grpo", ["std": .number(1)], .invalidParameter, "std"),
            ("grpo", ["baseline": .string("median")], .outOfRange, "baseline"),
            ("reinforce_pp", ["token_weighted": .string("yes")], .invalidParameter, "token_weighted"),
            ("reinforce_pp", ["token_weighted": .number(1)], .invalidParameter, "token_weighted"),
            ("gdpo", [:], .missingParameter, "weights"),
            ("gdpo", ["weights": .number(1)], .invalidParameter, "weights"),
            ("gdpo", ["weights": .list([.number(1), .string("x")])], .invalidParameter, "weights"),
            ("gdpo", ["weights": .list([])], .outOfRange, "weights"),
            ("flowrl_tb", ["beta": .number(0)], .outOfRange, "beta"),
            ("flowrl_tb", ["beta": .bool(true)], .invalidParameter, "beta"),
        ]
        for (name, params, code, param) in cases {
            let e = error(name, params)
            #expect(e?.code == code, "\(name) \(params): \(String(describing: e))")
            #expect(e?.context == "advantage.params.\(param)", "\(name) \(params)")
            #expect(e.map { "\($0)".contains(param) } == true)
        }
    }
}
