import ArbiterCore
import Foundation

/// The input of `arbiter advantage`: `{"estimator": NAME, "params": {...}, "groups": [Group]}`.
///
/// `Group` is ``RewardGroup`` (`rewards` may contain `null`). `params` may be omitted.
public struct AdvantageRequest: Sendable, Hashable, Decodable {
    /// Estimator name.
    public var estimator: String
    /// Estimator parameters.
    public var params: [String: ConfigValue]
    /// The groups.
    public var groups: [RewardGroup]

    enum CodingKeys: String, CodingKey { case estimator, params, groups }

    /// Creates a request.
    public init(estimator: String, params: [String: ConfigValue] = [:], groups: [RewardGroup]) {
        self.estimator = estimator
        self.params = params
        self.groups = groups
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        estimator = try c.decode(String.self, forKey: .estimator)
        params = try c.decodeIfPresent([String: ConfigValue].self, forKey: .params) ?? [:]
        groups = try c.decode([RewardGroup].self, forKey: .groups)
    }

    /// Parses a request from JSON bytes.
    public static func decode(from data: Data) throws -> AdvantageRequest {
        try NumericsJSON.decode(AdvantageRequest.self, from: data)
    }

    /// Validates the estimator and computes the advantages, one array per group.
    public func run() throws -> AdvantageResponse {
        let estimator = try AdvantageEstimator(name: estimator, params: params)
        let batch = try RewardBatch(groups: groups)
        let adv = try estimator.advantages(for: batch)
        return AdvantageResponse(advantages: batch.splitByGroup(adv))
    }
}

/// The output of `arbiter advantage`: `{"advantages": [[Double]]}`.
public struct AdvantageResponse: Sendable, Hashable, Codable {
    /// Advantages, one inner array per group, in input order.
    public var advantages: [[Double]]

    /// Creates a response.
    public init(advantages: [[Double]]) { self.advantages = advantages }

    /// Compact JSON with every double in shortest round-trip form.
    public func jsonString() throws -> String {
        var s = "{\"advantages\":["
        for (g, group) in advantages.enumerated() {
            if g > 0 { s += "," }
            s += "["
            for (i, x) in group.enumerated() {
                if i > 0 { s += "," }
                try NumericsJSON.append(x, to: &s, field: "advantages[\(g)][\(i)]")
            }
            s += "]"
        }
        return s + "]}"
    }
}
