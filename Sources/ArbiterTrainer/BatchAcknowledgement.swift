import ArbiterCore
import Foundation

/// The 200/202 answer to `POST /v1/batches`: `{"accepted": true, "policy_version": N}`.
///
/// `policy_version` is the trainer's policy version after it took the batch. A repeated
/// `Idempotency-Key` returns the original acknowledgement unchanged.
public struct BatchAcknowledgement: Sendable, Hashable, Codable {
    /// Always true on 200/202; anything else is a protocol violation.
    public var accepted: Bool
    /// The trainer's policy version after taking the batch.
    public var policyVersion: PolicyVersion

    enum CodingKeys: String, CodingKey, CaseIterable {
        case accepted
        case policyVersion = "policy_version"
    }

    /// Creates an acknowledgement.
    public init(accepted: Bool = true, policyVersion: PolicyVersion) {
        self.accepted = accepted
        self.policyVersion = policyVersion
    }
}

/// The answer to `GET /v1/status`: `{"policy_version": N, "ready": Bool, "queue_depth": Int}`.
public struct TrainerStatus: Sendable, Hashable, Codable {
    /// The version of the weights the trainer serves; bumped after each optimizer step that changed them.
    public var policyVersion: PolicyVersion
    /// Whether the trainer accepts batches now.
    public var ready: Bool
    /// Batches the trainer has accepted but not yet trained on.
    public var queueDepth: Int

    enum CodingKeys: String, CodingKey, CaseIterable {
        case policyVersion = "policy_version"
        case ready
        case queueDepth = "queue_depth"
    }

    /// Creates a status.
    public init(policyVersion: PolicyVersion, ready: Bool, queueDepth: Int) {
        self.policyVersion = policyVersion
        self.ready = ready
        self.queueDepth = queueDepth
    }
}

/// The body a trainer sends with a 4xx/5xx answer: `{"accepted": false, "error": "<message>"}`.
///
/// Clients read `error` (falling back to `message`, `detail`, then the raw body text), so a trainer
/// built on a web framework's default error pages is still understood.
public struct TrainerErrorBody: Sendable, Hashable, Codable {
    /// Always false.
    public var accepted: Bool
    /// What was wrong, for the operator.
    public var error: String

    /// Creates an error body.
    public init(error: String) {
        self.accepted = false
        self.error = error
    }

    /// The operator-facing message in an error response body (at most `limit` characters).
    public static func message(in body: Data, limit: Int = 2000) -> String {
        if let object = try? JSONSerialization.jsonObject(with: body) as? [String: Any] {
            for key in ["error", "message", "detail"] {
                if let text = object[key] as? String { return String(text.prefix(limit)) }
                if let nested = object[key] as? [String: Any], let text = nested["message"] as? String {
                    return String(text.prefix(limit))
                }
            }
        }
        let text = String(decoding: body, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        return text.isEmpty ? "(empty body)" : String(text.prefix(limit))
    }
}
