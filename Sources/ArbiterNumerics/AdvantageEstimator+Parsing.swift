import ArbiterCore

extension AdvantageEstimator {
    /// The parameter names each estimator takes, by estimator name.
    public static let parameterNames: [String: [String]] = [
        "grpo": ["baseline", "epsilon", "std"],
        "dr_grpo": [],
        "rloo": [],
        "maxrl": ["epsilon"],
        "opo": [],
        "reinforce_pp": ["epsilon", "token_weighted"],
        "reinforce_pp_baseline": ["epsilon", "token_weighted"],
        "gdpo": ["epsilon", "weights"],
        "flowrl_tb": ["beta", "epsilon", "std"],
    ]

    /// Builds an estimator from its configuration name and loosely typed parameters.
    ///
    /// Absent parameters take the defaults of `shared/golden/README.md`. Rejects unknown
    /// estimator names, unknown parameters, parameters of the wrong type, and values out of
    /// range; the error's `context` names the offending field as it appears in a run
    /// configuration (`advantage.estimator`, `advantage.params.<name>`).
    ///
    /// Ranges: `epsilon` finite and ≥ 0; `beta` finite and > 0; `weights` a non-empty list
    /// of finite numbers; `std` one of `unbiased`, `population`; `baseline` one of `mean`,
    /// `leave_one_out`; `token_weighted` a boolean.
    public init(name: String, params: [String: ConfigValue]) throws {
        guard let allowed = Self.parameterNames[name] else {
            throw NumericsError(
                .unknownEstimator,
                "unknown estimator '\(name)'; expected one of: \(Self.allNames.joined(separator: ", "))",
                context: "advantage.estimator")
        }
        for key in params.keys.sorted() where !allowed.contains(key) {
            let takes = allowed.isEmpty ? "it takes no parameters" : "it takes: \(allowed.joined(separator: ", "))"
            throw NumericsError(
                .unknownParameter, "estimator '\(name)' has no parameter '\(key)'; \(takes)",
                context: Self.paramContext(key))
        }
        let p = ParamReader(params: params)
        switch name {
        case "grpo":
            self = .grpo(
                epsilon: try p.epsilon(default: 1e-6), std: try p.choice("std", default: .unbiased),
                baseline: try p.choice("baseline", default: .mean))
        case "dr_grpo": self = .drGRPO
        case "rloo": self = .rloo
        case "maxrl": self = .maxRL(epsilon: try p.epsilon(default: 1e-6))
        case "opo": self = .opo
        case "reinforce_pp":
            self = .reinforcePP(tokenWeighted: try p.bool("token_weighted", default: true), epsilon: try p.epsilon(default: 1e-8))
        case "reinforce_pp_baseline":
            self = .reinforcePPBaseline(
                tokenWeighted: try p.bool("token_weighted", default: true), epsilon: try p.epsilon(default: 1e-8))
        case "gdpo":
            self = .gdpo(weights: try p.weights(), epsilon: try p.epsilon(default: 1e-6))
        case "flowrl_tb":
            self = .flowRLTB(
                beta: try p.positive("beta", default: 15), epsilon: try p.epsilon(default: 1e-6),
                std: try p.choice("std", default: .unbiased))
        default:
            throw NumericsError(.unknownEstimator, "unknown estimator '\(name)'", context: "advantage.estimator")
        }
    }

    /// Builds the estimator an ``ArbiterCore/AdvantageConfig`` describes.
    public init(_ config: AdvantageConfig) throws {
        try self.init(name: config.estimator, params: config.params)
    }

    /// Every parameter, defaults included, rendered as strings (what a ``ArbiterCore/Batch`` records).
    ///
    /// Numbers use Swift's shortest round-trip representation; weights render as `[a,b,c]`.
    public var canonicalParams: [String: String] {
        switch self {
        case .grpo(let eps, let std, let baseline):
            ["epsilon": Self.render(eps), "std": std.rawValue, "baseline": baseline.rawValue]
        case .drGRPO, .rloo, .opo: [:]
        case .maxRL(let eps): ["epsilon": Self.render(eps)]
        case .reinforcePP(let tw, let eps), .reinforcePPBaseline(let tw, let eps):
            ["token_weighted": tw ? "true" : "false", "epsilon": Self.render(eps)]
        case .gdpo(let weights, let eps):
            ["weights": "[" + weights.map(Self.render).joined(separator: ",") + "]", "epsilon": Self.render(eps)]
        case .flowRLTB(let beta, let eps, let std):
            ["beta": Self.render(beta), "epsilon": Self.render(eps), "std": std.rawValue]
        }
    }

    /// The parameters as typed values, defaults included (round-trips through ``init(name:params:)``).
    public var canonicalConfigParams: [String: ConfigValue] {
        switch self {
        case .grpo(let eps, let std, let baseline):
            ["epsilon": .number(eps), "std": .string(std.rawValue), "baseline": .string(baseline.rawValue)]
        case .drGRPO, .rloo, .opo: [:]
        case .maxRL(let eps): ["epsilon": .number(eps)]
        case .reinforcePP(let tw, let eps), .reinforcePPBaseline(let tw, let eps):
            ["token_weighted": .bool(tw), "epsilon": .number(eps)]
        case .gdpo(let weights, let eps): ["weights": .list(weights.map(ConfigValue.number)), "epsilon": .number(eps)]
        case .flowRLTB(let beta, let eps, let std): ["beta": .number(beta), "epsilon": .number(eps), "std": .string(std.rawValue)]
        }
    }

    /// A stable one-line description, `name(key=value,...)` with keys sorted, suitable for hashing.
    ///
    /// Two estimators compute the same thing exactly when their descriptions are equal.
    public var canonicalDescription: String {
        let params = canonicalParams.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
        return "\(name)(\(params.joined(separator: ",")))"
    }

    static func render(_ x: Double) -> String { x.description }

    static func paramContext(_ key: String) -> String { "advantage.params.\(key)" }
}

/// Reads typed parameters with defaults and range checks.
private struct ParamReader {
    let params: [String: ConfigValue]

    func fail(_ key: String, _ code: NumericsError.Code, _ message: String) -> NumericsError {
        NumericsError(code, message, context: AdvantageEstimator.paramContext(key))
    }

    func typeName(_ v: ConfigValue) -> String {
        switch v {
        case .bool(let b): "boolean \(b)"
        case .number(let d): "number \(d)"
        case .string(let s): "string \"\(s)\""
        case .list: "list \(v.description)"
        }
    }

    func number(_ key: String, default d: Double) throws -> Double {
        guard let v = params[key] else { return d }
        guard let x = v.number else { throw fail(key, .invalidParameter, "must be a number, got \(typeName(v))") }
        guard x.isFinite else { throw fail(key, .outOfRange, "must be finite, got \(x)") }
        return x
    }

    func epsilon(default d: Double) throws -> Double {
        let x = try number("epsilon", default: d)
        guard x >= 0 else { throw fail("epsilon", .outOfRange, "must be ≥ 0, got \(x)") }
        return x
    }

    func positive(_ key: String, default d: Double) throws -> Double {
        let x = try number(key, default: d)
        guard x > 0 else { throw fail(key, .outOfRange, "must be > 0, got \(x)") }
        return x
    }

    func bool(_ key: String, default d: Bool) throws -> Bool {
        guard let v = params[key] else { return d }
        guard let b = v.bool else { throw fail(key, .invalidParameter, "must be true or false, got \(typeName(v))") }
        return b
    }

    func choice<T: RawRepresentable & CaseIterable>(_ key: String, default d: T) throws -> T where T.RawValue == String {
        guard let v = params[key] else { return d }
        let allowed = T.allCases.map(\.rawValue).joined(separator: ", ")
        guard let s = v.string else { throw fail(key, .invalidParameter, "must be one of \(allowed), got \(typeName(v))") }
        guard let c = T(rawValue: s) else { throw fail(key, .outOfRange, "must be one of \(allowed), got \"\(s)\"") }
        return c
    }

    func weights() throws -> [Double] {
        guard let v = params["weights"] else {
            throw fail("weights", .missingParameter, "gdpo needs 'weights', one number per reward component")
        }
        guard let ws = v.numbers else {
            throw fail("weights", .invalidParameter, "must be a list of numbers, got \(typeName(v))")
        }
        guard !ws.isEmpty else { throw fail("weights", .outOfRange, "must name at least one weight") }
        if let bad = ws.firstIndex(where: { !$0.isFinite }) {
            throw fail("weights", .outOfRange, "weight \(bad) must be finite, got \(ws[bad])")
        }
        return ws
    }
}
