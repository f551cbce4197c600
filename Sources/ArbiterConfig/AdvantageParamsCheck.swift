import ArbiterCore
import ArbiterNumerics

/// Checks the advantage section with the numeric core's own estimator parser, so the config
/// and the numerics can never disagree about names, parameters or ranges.
enum AdvantageParamsCheck {
    struct Problem: Error {
        var field: String
        var message: String
    }

    static func check(estimator: String, params: [String: ConfigValue], componentCount: Int) throws(Problem) {
        let parsed: AdvantageEstimator
        do {
            parsed = try AdvantageEstimator(name: estimator, params: params)
        } catch let e as NumericsError {
            throw Problem(field: e.context ?? "advantage", message: e.message)
        } catch {
            throw Problem(field: "advantage", message: "\(error)")
        }
        if case .gdpo(let weights, _) = parsed, weights.count != componentCount {
            throw Problem(
                field: "advantage.params.weights",
                message: "gdpo needs one weight per reward component: \(weights.count) weights for \(componentCount) components")
        }
    }
}
