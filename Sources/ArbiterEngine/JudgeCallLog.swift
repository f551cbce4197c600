import ArbiterCore
import ArbiterRewards

/// Every judge call made while scoring one rollout, as it went over the wire: the request, the raw
/// answer or the error, latency and tokens. The reward log keeps all of them (retries included).
actor JudgeCallLog {
    /// One call.
    struct Entry: Sendable {
        var request: JudgeRequest
        var response: JudgeResponse?
        var error: String?
        var latency: Double
    }

    private(set) var entries: [Entry] = []

    func add(_ entry: Entry) { entries.append(entry) }
}

/// A ``ArbiterRewards/JudgeBackend`` that forwards to another and records each call in a ``JudgeCallLog``.
struct RecordingJudgeBackend: JudgeBackend {
    let inner: any JudgeBackend
    let log: JudgeCallLog

    func complete(_ request: JudgeRequest) async throws -> JudgeResponse {
        let start = ContinuousClock.now
        do {
            let response = try await inner.complete(request)
            await log.add(.init(request: request, response: response, error: nil, latency: (ContinuousClock.now - start).inSeconds))
            return response
        } catch {
            await log.add(.init(request: request, response: nil, error: String(describing: error), latency: (ContinuousClock.now - start).inSeconds))
            throw error
        }
    }
}

extension JudgeRequest {
    /// The request as one text (`role: content` lines), as the reward log stores it.
    var renderedText: String { messages.map { "\($0.role): \($0.content)" }.joined(separator: "\n") }
}

extension SamplingParams {
    /// Judge sampling parameters rendered canonically (`max_tokens=8;temperature=0;top_p=1`).
    var canonicalJudgeParams: String {
        var parts = ["max_tokens=\(maxTokens)", "temperature=\(temperature)", "top_p=\(topP)"]
        if let topK { parts.append("top_k=\(topK)") }
        if let seed { parts.append("seed=\(seed)") }
        if !stop.isEmpty { parts.append("stop=\(stop.joined(separator: ","))") }
        if let grammar { parts.append("grammar_sha256=\(SHA256.hex(grammar).prefix(16))") }
        return parts.sorted().joined(separator: ";")
    }
}
