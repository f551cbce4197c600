import ArbiterCore

/// One judge call: everything an inference client needs to send it, and what it is for.
public struct JudgeRequest: Sendable, Hashable, Codable {
    /// Judge model name.
    public var model: String
    /// Chat messages (a single user turn under MoReBench's official protocol).
    public var messages: [ChatMessage]
    /// Sampling parameters.
    public var sampling: SamplingParams
    /// The template's name.
    public var templateName: String
    /// The template's hash (``JudgeTemplate/hash``).
    public var templateHash: String
    /// The rubric criteria judged (one for `per_criterion`, several for `batched`), or the
    /// component name (`structure`, `content`) for a whole-response judgement.
    public var subjects: [String]
    /// 0 for the first call, n for the n-th retry.
    public var attempt: Int

    /// Creates a request.
    public init(
        model: String, messages: [ChatMessage], sampling: SamplingParams, templateName: String, templateHash: String, subjects: [String],
        attempt: Int
    ) {
        self.model = model
        self.messages = messages
        self.sampling = sampling
        self.templateName = templateName
        self.templateHash = templateHash
        self.subjects = subjects
        self.attempt = attempt
    }

    /// The text of the last user turn.
    public var lastUserText: String {
        messages.last(where: { $0.role == "user" })?.content ?? ""
    }
}

/// The judge's answer to one call.
public struct JudgeResponse: Sendable, Hashable, Codable {
    /// The raw generated text.
    public var text: String
    /// Why generation stopped.
    public var finishReason: FinishReason
    /// Prompt tokens, when reported.
    public var inputTokens: Int?
    /// Completion tokens, when reported.
    public var outputTokens: Int?

    /// Creates a response.
    public init(text: String, finishReason: FinishReason = .stop, inputTokens: Int? = nil, outputTokens: Int? = nil) {
        self.text = text
        self.finishReason = finishReason
        self.inputTokens = inputTokens
        self.outputTokens = outputTokens
    }
}

/// Where judge calls go. The HTTP implementation lives with the inference client; scoring is
/// written against this protocol so it is tested on recorded judge outputs.
///
/// A thrown error means the call failed (transport, server, timeout): the verdict becomes
/// `failed` and the affected reward missing, never 0.
public protocol JudgeBackend: Sendable {
    /// Sends one request and returns the judge's answer.
    func complete(_ request: JudgeRequest) async throws -> JudgeResponse
}

/// Why an in-memory backend could not answer.
public struct JudgeBackendFailure: Error, Sendable, Hashable, CustomStringConvertible {
    /// Explanation.
    public var message: String
    /// Creates a failure.
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// A recorded judge: fixed answers per subject (criterion id or component name), one per attempt.
///
/// Attempt n gets `answers[subject][n]`, or the last recorded answer when there are fewer;
/// a subject with no record fails the call. Batched requests get the answer recorded under
/// the subjects joined by `","`. Deterministic under any concurrency.
public struct RecordedJudgeBackend: JudgeBackend {
    /// Answers per subject, in attempt order.
    public var answers: [String: [String]]

    /// Creates a recorded backend.
    public init(answers: [String: [String]]) {
        self.answers = answers
    }

    public func complete(_ request: JudgeRequest) async throws -> JudgeResponse {
        let key = request.subjects.joined(separator: ",")
        guard let list = answers[key], let last = list.last else {
            throw JudgeBackendFailure("no recorded judge answer for `\(key)`")
        }
        return JudgeResponse(text: request.attempt < list.count ? list[request.attempt] : last)
    }
}

/// A scripted judge: a closure answers each request; every request is recorded for inspection.
public actor ScriptedJudgeBackend: JudgeBackend {
    /// Computes the answer text for a request, or throws to simulate a failed call.
    public typealias Responder = @Sendable (JudgeRequest) throws -> String

    private let responder: Responder
    /// Every request received, in arrival order.
    public private(set) var requests: [JudgeRequest] = []

    /// Creates a scripted backend.
    public init(_ responder: @escaping Responder) {
        self.responder = responder
    }

    /// The number of calls received.
    public var callCount: Int { requests.count }

    public func complete(_ request: JudgeRequest) async throws -> JudgeResponse {
        requests.append(request)
        return JudgeResponse(text: try responder(request))
    }
}
