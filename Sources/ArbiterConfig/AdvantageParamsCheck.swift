import ArbiterCore

/// Checks the advantage section against the numeric core's estimator parser.
enum AdvantageParamsCheck {
    struct Problem: Error {
        var param: String?
        var message: String
    }

    static func check(estimator: String, params: [String: ConfigValue], componentCount: Int) throws {
        // Replaced by ArbiterNumerics' estimator parser once it lands.
        let known = ["grpo", "dr_grpo", "rloo", "maxrl", "opo", "reinforce_pp", "reinforce_pp_baseline", "gdpo", "flowrl_tb"]
        guard known.contains(estimator) else {
            throw Problem(param: nil, message: "unknown estimator `\(estimator)`; known: \(known.joined(separator: ", "))")
        }
    }
}
