import Foundation

/// A JSON value as the reference trainer sees a request body: parsed independently of the Swift
/// wire types, so the peer checks what actually crossed the socket.
enum ReferenceJSON: Decodable, Sendable, Equatable {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([ReferenceJSON])
    case object([String: ReferenceJSON])

    init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        if c.decodeNil() {
            self = .null
        } else if let value = try? c.decode(Bool.self) {
            self = .bool(value)
        } else if let value = try? c.decode(Double.self) {
            self = .number(value)
        } else if let value = try? c.decode(String.self) {
            self = .string(value)
        } else if let value = try? c.decode([ReferenceJSON].self) {
            self = .array(value)
        } else {
            self = .object(try c.decode([String: ReferenceJSON].self))
        }
    }

    var typeName: String {
        switch self {
        case .null: "null"
        case .bool: "boolean"
        case .number: "number"
        case .string: "string"
        case .array: "array"
        case .object: "object"
        }
    }
}

/// Protocol v1 request checks, written from the specification (docs/trainer-protocol.md), not from
/// ArbiterTrainer's encoder. Each violation is reported as `<path>: <problem>`.
enum ReferenceTrainerValidator {
    struct Violation: Error, Sendable {
        var message: String
    }

    static let finishReasons: Set<String> = ["stop", "length", "abort", "tool_calls", "unknown"]
    static let batchKeys: Set<String> = ["batch_id", "run_id", "step", "estimator", "estimator_params", "samples", "provenance"]
    static let sampleKeys: Set<String> = [
        "sample_id", "group_id", "prompt_id", "prompt", "prompt_token_ids", "completion", "completion_token_ids",
        "completion_logprobs", "ref_logprob_mean", "policy_version", "finish_reason", "truncated", "reward",
        "reward_components", "advantage", "flow_target", "loss_weight",
    ]
    static let provenanceKeys: Set<String> = ["config_hash", "template_hashes", "judge_models", "reward_weights", "datasets"]

    /// Validates a request body; returns the batch id.
    static func validate(_ body: Data, strict: Bool) throws(Violation) -> String {
        let json: ReferenceJSON
        do {
            json = try JSONDecoder().decode(ReferenceJSON.self, from: body)
        } catch {
            throw Violation(message: "body: not JSON (\(error))")
        }
        let batch = try object(json, "body")
        try keys(batch, batchKeys, "", strict: strict)
        let batchID = try nonEmptyString(batch["batch_id"], "batch_id")
        _ = try string(batch["run_id"], "run_id")
        _ = try integer(batch["step"], "step", minimum: 0)
        _ = try nonEmptyString(batch["estimator"], "estimator")
        for (key, value) in try object(batch["estimator_params"], "estimator_params") {
            _ = try string(value, "estimator_params.\(key)")
        }
        let samples = try array(batch["samples"], "samples")
        guard !samples.isEmpty else { throw Violation(message: "samples: must not be empty") }
        var seen: Set<String> = []
        for (index, value) in samples.enumerated() {
            let id = try validateSample(value, "samples[\(index)]", strict: strict)
            guard seen.insert(id).inserted else { throw Violation(message: "samples[\(index)].sample_id: duplicate \(id)") }
        }
        let provenance = try object(batch["provenance"], "provenance")
        try keys(provenance, provenanceKeys, "provenance", strict: strict)
        _ = try nonEmptyString(provenance["config_hash"], "provenance.config_hash")
        for name in ["template_hashes", "judge_models"] {
            for (key, value) in try object(provenance[name], "provenance.\(name)") {
                _ = try string(value, "provenance.\(name).\(key)")
            }
        }
        for (key, value) in try object(provenance["reward_weights"], "provenance.reward_weights") {
            _ = try number(value, "provenance.reward_weights.\(key)")
        }
        for (index, value) in try array(provenance["datasets"], "provenance.datasets").enumerated() {
            _ = try string(value, "provenance.datasets[\(index)]")
        }
        return batchID
    }

    private static func validateSample(_ value: ReferenceJSON, _ path: String, strict: Bool) throws(Violation) -> String {
        let sample = try object(value, path)
        try keys(sample, sampleKeys, path, strict: strict)
        let id = try nonEmptyString(sample["sample_id"], "\(path).sample_id")
        _ = try nonEmptyString(sample["group_id"], "\(path).group_id")
        _ = try string(sample["prompt_id"], "\(path).prompt_id")
        _ = try string(sample["prompt"], "\(path).prompt")
        _ = try string(sample["completion"], "\(path).completion")
        _ = try nullable(sample["prompt_token_ids"], "\(path).prompt_token_ids") { v, p throws(Violation) in try tokenIDs(v, p) }
        let completionIDs = try nullable(sample["completion_token_ids"], "\(path).completion_token_ids") { v, p throws(Violation) in
            try tokenIDs(v, p)
        }
        let logprobs = try nullable(sample["completion_logprobs"], "\(path).completion_logprobs") { v, p throws(Violation) in
            try array(v, p).enumerated().map { i, lp throws(Violation) in try number(lp, "\(p)[\(i)]") }
        }
        if let completionIDs, let logprobs, completionIDs != logprobs.count {
            throw Violation(
                message: "\(path).completion_logprobs: \(logprobs.count) entries but completion_token_ids has \(completionIDs)")
        }
        _ = try nullable(sample["ref_logprob_mean"], "\(path).ref_logprob_mean") { v, p throws(Violation) in try number(v, p) }
        _ = try integer(sample["policy_version"], "\(path).policy_version", minimum: 0)
        let reason = try string(sample["finish_reason"], "\(path).finish_reason")
        guard finishReasons.contains(reason) else {
            throw Violation(message: "\(path).finish_reason: \"\(reason)\" is not one of \(finishReasons.sorted())")
        }
        let truncated = try bool(sample["truncated"], "\(path).truncated")
        guard truncated == (reason == "length") else {
            throw Violation(message: "\(path).truncated: must be true exactly when finish_reason is \"length\"")
        }
        let reward = try nullable(sample["reward"], "\(path).reward") { v, p throws(Violation) in try number(v, p) }
        for (key, value) in try object(sample["reward_components"], "\(path).reward_components") {
            _ = try nullable(value, "\(path).reward_components.\(key)") { v, p throws(Violation) in try number(v, p) }
        }
        let advantage = try number(sample["advantage"], "\(path).advantage")
        if reward == nil && advantage != 0 {
            throw Violation(message: "\(path).advantage: must be 0 when reward is null (missing rewards never train)")
        }
        _ = try nullable(sample["flow_target"], "\(path).flow_target") { v, p throws(Violation) in try number(v, p) }
        let weight = try number(sample["loss_weight"], "\(path).loss_weight")
        guard weight >= 0 else { throw Violation(message: "\(path).loss_weight: must be ≥ 0, got \(weight)") }
        return id
    }

    private static func keys(_ object: [String: ReferenceJSON], _ expected: Set<String>, _ path: String, strict: Bool)
        throws(Violation)
    {
        let prefix = path.isEmpty ? "" : path + "."
        if let missing = expected.subtracting(object.keys).sorted().first {
            throw Violation(message: "\(prefix)\(missing): required field is missing")
        }
        if strict, let unknown = Set(object.keys).subtracting(expected).sorted().first {
            throw Violation(message: "\(prefix)\(unknown): unknown field")
        }
    }

    private static func object(_ value: ReferenceJSON?, _ path: String) throws(Violation) -> [String: ReferenceJSON] {
        guard case .object(let o) = value else { throw mismatch(value, "object", path) }
        return o
    }

    private static func array(_ value: ReferenceJSON?, _ path: String) throws(Violation) -> [ReferenceJSON] {
        guard case .array(let a) = value else { throw mismatch(value, "array", path) }
        return a
    }

    private static func string(_ value: ReferenceJSON?, _ path: String) throws(Violation) -> String {
        guard case .string(let s) = value else { throw mismatch(value, "string", path) }
        return s
    }

    private static func nonEmptyString(_ value: ReferenceJSON?, _ path: String) throws(Violation) -> String {
        let s = try string(value, path)
        guard !s.isEmpty else { throw Violation(message: "\(path): must not be empty") }
        return s
    }

    private static func bool(_ value: ReferenceJSON?, _ path: String) throws(Violation) -> Bool {
        guard case .bool(let b) = value else { throw mismatch(value, "boolean", path) }
        return b
    }

    private static func number(_ value: ReferenceJSON?, _ path: String) throws(Violation) -> Double {
        guard case .number(let n) = value else { throw mismatch(value, "number", path) }
        guard n.isFinite else { throw Violation(message: "\(path): must be finite") }
        return n
    }

    private static func integer(_ value: ReferenceJSON?, _ path: String, minimum: Int) throws(Violation) -> Int {
        let n = try number(value, path)
        guard n == n.rounded(), abs(n) < 9_007_199_254_740_992 else { throw Violation(message: "\(path): must be an integer, got \(n)") }
        guard Int(n) >= minimum else { throw Violation(message: "\(path): must be ≥ \(minimum), got \(Int(n))") }
        return Int(n)
    }

    /// Validates token ids; returns their count.
    private static func tokenIDs(_ value: ReferenceJSON, _ path: String) throws(Violation) -> Int {
        let ids = try array(value, path)
        for (i, id) in ids.enumerated() { _ = try integer(id, "\(path)[\(i)]", minimum: 0) }
        return ids.count
    }

    private static func nullable<T>(
        _ value: ReferenceJSON?, _ path: String, _ check: (ReferenceJSON, String) throws(Violation) -> T
    ) throws(Violation) -> T? {
        guard let value else { throw Violation(message: "\(path): required field is missing") }
        if case .null = value { return nil }
        return try check(value, path)
    }

    private static func mismatch(_ value: ReferenceJSON?, _ expected: String, _ path: String) -> Violation {
        guard let value else { return Violation(message: "\(path): required field is missing") }
        return Violation(message: "\(path): expected \(expected), got \(value.typeName)")
    }
}
