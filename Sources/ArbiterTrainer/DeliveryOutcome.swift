import ArbiterCore
import Foundation

/// What one delivery attempt of a batch came to, classified by protocol v1's rules.
///
/// ``classify(status:retryAfter:body:now:)`` is a pure function of the HTTP answer, so the rules are
/// unit-tested without sockets.
public enum DeliveryOutcome: Sendable, Equatable {
    /// 200/202 with `{"accepted": true, ...}`: the batch is the trainer's now.
    case accepted(policyVersion: PolicyVersion, status: Int)
    /// 429/503 (or 408): back off, for the trainer's `Retry-After` when it gave one.
    case backOff(status: Int, retryAfter: Duration?, message: String)
    /// Other 5xx: a trainer-side fault, retried with exponential backoff.
    case serverError(status: Int, retryAfter: Duration?, message: String)
    /// No answer: connection refused or reset, timeout. Retried with exponential backoff.
    case transportFailure(message: String)
    /// Other 4xx: the trainer refused the batch. Not retried; the run pauses with the message.
    case rejected(status: Int, message: String)
    /// The answer broke the protocol (unparseable acknowledgement, `accepted: false` on 2xx, 1xx/3xx).
    /// Not retried: a trainer that answers nonsense needs an operator.
    case protocolViolation(status: Int, message: String)

    /// Whether a later attempt of the same batch may succeed.
    public var isRetryable: Bool {
        switch self {
        case .backOff, .serverError, .transportFailure: true
        case .accepted, .rejected, .protocolViolation: false
        }
    }

    /// The delay the trainer asked for, if any.
    public var retryAfter: Duration? {
        switch self {
        case .backOff(_, let delay, _), .serverError(_, let delay, _): delay
        default: nil
        }
    }

    /// A one-line description for logs and the outbox's attempt record.
    public var summary: String {
        switch self {
        case .accepted(let version, let status): "HTTP \(status): accepted, policy version \(version.rawValue)"
        case .backOff(let status, let delay, let message):
            "HTTP \(status): back off\(delay.map { " for \($0)" } ?? ""): \(message)"
        case .serverError(let status, _, let message): "HTTP \(status): \(message)"
        case .transportFailure(let message): "no answer: \(message)"
        case .rejected(let status, let message): "HTTP \(status): rejected: \(message)"
        case .protocolViolation(let status, let message): "HTTP \(status): protocol violation: \(message)"
        }
    }

    /// Classifies an HTTP answer to `POST /v1/batches`.
    ///
    /// - Parameters:
    ///   - status: The HTTP status code.
    ///   - retryAfter: The `Retry-After` header value, if present.
    ///   - body: The response body.
    ///   - now: The current wall-clock time (for `Retry-After` given as an HTTP date).
    public static func classify(status: Int, retryAfter: String?, body: Data, now: Date = Date()) -> DeliveryOutcome {
        let delay = retryAfter.flatMap { RetryAfter.parse($0, now: now) }
        switch status {
        case 200, 202:
            guard let ack = try? JSONDecoder().decode(BatchAcknowledgement.self, from: body) else {
                return .protocolViolation(
                    status: status,
                    message:
                        "acknowledgement is not {\"accepted\": true, \"policy_version\": N}: \(TrainerErrorBody.message(in: body, limit: 200))"
                )
            }
            guard ack.accepted else {
                return .protocolViolation(status: status, message: "2xx answer with accepted: false: \(TrainerErrorBody.message(in: body))")
            }
            guard ack.policyVersion.rawValue >= 0 else {
                return .protocolViolation(status: status, message: "negative policy_version \(ack.policyVersion.rawValue)")
            }
            return .accepted(policyVersion: ack.policyVersion, status: status)
        case 408, 429, 503:
            return .backOff(status: status, retryAfter: delay, message: TrainerErrorBody.message(in: body))
        case 400..<500:
            return .rejected(status: status, message: TrainerErrorBody.message(in: body))
        case 500..<600:
            return .serverError(status: status, retryAfter: delay, message: TrainerErrorBody.message(in: body))
        default:
            return .protocolViolation(status: status, message: "unexpected status: \(TrainerErrorBody.message(in: body, limit: 200))")
        }
    }
}

/// Parses the HTTP `Retry-After` header (RFC 9110 §10.2.3).
public enum RetryAfter {
    /// The delay a `Retry-After` value asks for: delay-seconds (decimals tolerated) or an HTTP date.
    /// Returns nil for values that are neither; a date in the past gives zero.
    public static func parse(_ value: String, now: Date = Date()) -> Duration? {
        let trimmed = value.trimmingCharacters(in: .whitespaces)
        if let seconds = Double(trimmed) {
            guard seconds.isFinite, seconds >= 0 else { return nil }
            return .milliseconds(Int64((seconds * 1000).rounded()))
        }
        for format in ["EEE, dd MMM yyyy HH:mm:ss zzz", "EEEE, dd-MMM-yy HH:mm:ss zzz", "EEE MMM d HH:mm:ss yyyy"] {
            let formatter = DateFormatter()
            formatter.locale = Locale(identifier: "en_US_POSIX")
            formatter.timeZone = TimeZone(identifier: "GMT")
            formatter.dateFormat = format
            if let date = formatter.date(from: trimmed) {
                let seconds = max(0, date.timeIntervalSince(now))
                return .milliseconds(Int64((seconds * 1000).rounded()))
            }
        }
        return nil
    }
}
