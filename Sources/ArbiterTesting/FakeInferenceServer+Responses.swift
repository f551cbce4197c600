import Foundation

/// A parsed generation request as the fake server understands it.
struct FakeGenerationRequest {
    var chat: Bool
    var promptIDs: [Int]
    /// The prompt text (text prompts), or the token texts (token prompts).
    var promptText: String
    var promptWasTokens: Bool
    var n: Int
    var maxTokens: Int
    var seed: UInt64
    var logprobs: Bool
    var returnTokenIDs: Bool
    var echo: Bool
    var promptLogprobs: Int?
    var stream: Bool
    var includeUsage: Bool

    struct Invalid: Error { var reason: String }

    init(body: Data, chat: Bool) throws {
        guard let obj = try JSONSerialization.jsonObject(with: body) as? [String: Any] else {
            throw Invalid(reason: "body is not a JSON object")
        }
        self.chat = chat
        if chat {
            guard let messages = obj["messages"] as? [[String: Any]] else { throw Invalid(reason: "messages missing") }
            let text = messages.map { "\($0["role"] as? String ?? ""): \($0["content"] as? String ?? "")" }
                .joined(separator: "\n")
            promptText = text
            promptIDs = FakeModel.tokenize(text)
            promptWasTokens = false
        } else if let text = obj["prompt"] as? String {
            promptText = text
            promptIDs = FakeModel.tokenize(text)
            promptWasTokens = false
        } else if let ids = obj["prompt"] as? [Int] {
            promptIDs = ids
            promptText = ids.map(FakeModel.tokenText).joined()
            promptWasTokens = true
        } else {
            throw Invalid(reason: "prompt missing")
        }
        n = obj["n"] as? Int ?? 1
        maxTokens = obj["max_tokens"] as? Int ?? 16
        if let s = obj["seed"] as? Int {
            seed = UInt64(bitPattern: Int64(s))
        } else {
            seed = 0
        }
        if let lp = obj["logprobs"], !(lp is NSNull) {
            logprobs = true
        } else {
            logprobs = false
        }
        returnTokenIDs = obj["return_token_ids"] as? Bool ?? false
        echo = obj["echo"] as? Bool ?? false
        promptLogprobs = obj["prompt_logprobs"] as? Int
        stream = obj["stream"] as? Bool ?? false
        includeUsage = (obj["stream_options"] as? [String: Any])?["include_usage"] as? Bool ?? false
        guard n >= 1, maxTokens >= 0 else { throw Invalid(reason: "n or max_tokens out of range") }
    }

    func samples(_ behaviour: FakeBehaviour = .words) -> [FakeModel.Sample] {
        (0..<n).map {
            FakeModel.sample(behaviour, prompt: promptIDs, text: promptText, seed: seed, index: $0, maxTokens: maxTokens)
        }
    }
}

/// JSON text building for the fake server's answers.
enum FakeJSON {
    static func str(_ s: String) -> String {
        var out = "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if scalar.value < 0x20 {
                    out += String(format: "\\u%04x", scalar.value)
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out + "\""
    }

    static func num(_ d: Double) -> String { "\(d)" }
    static func ints(_ a: [Int]) -> String { "[" + a.map(String.init).joined(separator: ",") + "]" }
    static func nums(_ a: [Double?]) -> String { "[" + a.map { $0.map(num) ?? "null" }.joined(separator: ",") + "]" }
    static func strs(_ a: [String]) -> String { "[" + a.map(str).joined(separator: ",") + "]" }
}

/// Renders the fake model's answers in the real wire format.
enum FakeRenderer {
    /// Character offsets of each word token in a text prompt.
    static func wordOffsets(_ text: String) -> [Int] {
        var offsets: [Int] = []
        var inWord = false
        for (k, ch) in text.enumerated() {
            let space = ch == " " || ch == "\n" || ch == "\t"
            if !space, !inWord { offsets.append(k) }
            inWord = !space
        }
        return offsets
    }

    /// Token strings of the prompt (words for text prompts, token texts for id prompts).
    static func promptTokens(_ r: FakeGenerationRequest) -> [String] {
        if r.promptWasTokens { return r.promptIDs.map(FakeModel.tokenText) }
        return r.promptText.split(whereSeparator: { $0 == " " || $0 == "\n" || $0 == "\t" }).map(String.init)
    }

    static func promptOffsets(_ r: FakeGenerationRequest) -> [Int] {
        if r.promptWasTokens {
            var offsets: [Int] = []
            var at = 0
            for id in r.promptIDs {
                offsets.append(at)
                at += FakeModel.tokenText(id).count
            }
            return offsets
        }
        return wordOffsets(r.promptText)
    }

    static func promptLogprobs(_ r: FakeGenerationRequest) -> [Double?] {
        r.promptIDs.enumerated().map { k, id in k == 0 ? nil : FakeModel.promptLogprob(tokenID: id, position: k) }
    }

    /// `prompt_logprobs` in vLLM's shape.
    static func promptLogprobsJSON(_ r: FakeGenerationRequest) -> String {
        let entries = r.promptIDs.enumerated().map { k, id -> String in
            if k == 0 { return "null" }
            let lp = FakeModel.promptLogprob(tokenID: id, position: k)
            return "{\(FakeJSON.str(String(id))):{\"logprob\":\(FakeJSON.num(lp)),\"rank\":1,\"decoded_token\":\(FakeJSON.str(FakeModel.tokenText(id)))}}"
        }
        return "[" + entries.joined(separator: ",") + "]"
    }

    /// Completions-shape logprobs for the given tokens.
    static func completionsLogprobs(tokens: [String], logprobs: [Double?], offsets: [Int]) -> String {
        let top = zip(tokens, logprobs).map { t, lp in lp.map { "{\(FakeJSON.str(t)):\(FakeJSON.num($0))}" } ?? "null" }
        return "{\"tokens\":\(FakeJSON.strs(tokens)),\"token_logprobs\":\(FakeJSON.nums(logprobs)),"
            + "\"top_logprobs\":[\(top.joined(separator: ","))],\"text_offset\":\(FakeJSON.ints(offsets))}"
    }

    /// Chat-shape (and llama.cpp) logprobs; `withIDs` adds llama.cpp's token `id`.
    static func chatLogprobs(tokens: [String], ids: [Int], logprobs: [Double], withIDs: Bool) -> String {
        let entries = zip(zip(tokens, ids), logprobs).map { tokenAndID, lp -> String in
            let (t, id) = tokenAndID
            let bytes = FakeJSON.ints(t.utf8.map { Int($0) })
            let idPart = withIDs ? "\"id\":\(id)," : ""
            return "{\(idPart)\"token\":\(FakeJSON.str(t)),\"logprob\":\(FakeJSON.num(lp)),\"bytes\":\(bytes),\"top_logprobs\":[]}"
        }
        return "{\"content\":[\(entries.joined(separator: ","))]}"
    }

    static func usage(_ r: FakeGenerationRequest, _ samples: [FakeModel.Sample]) -> String {
        let c = samples.reduce(0) { $0 + $1.tokenIDs.count }
        return "{\"prompt_tokens\":\(r.promptIDs.count),\"completion_tokens\":\(c),\"total_tokens\":\(r.promptIDs.count + c)}"
    }

    /// The full (non-streamed) answer.
    static func response(_ r: FakeGenerationRequest, config: FakeInferenceServer.Configuration, ordinal: Int) -> String {
        let samples = r.samples(config.behaviour)
        let ids = r.returnTokenIDs && config.returnsTokenIDs
        var choices: [String] = []
        for (i, s) in samples.enumerated() {
            var parts: [String] = ["\"index\":\(i)"]
            if r.chat {
                parts.append("\"message\":{\"role\":\"assistant\",\"content\":\(FakeJSON.str(s.text))}")
                let logprobs = r.logprobs ? chatLogprobs(tokens: s.tokens, ids: s.tokenIDs, logprobs: s.logprobs, withIDs: false) : "null"
                parts.append("\"logprobs\":" + logprobs)
            } else {
                let text = (r.echo ? r.promptText : "") + s.text
                parts.append("\"text\":\(FakeJSON.str(text))")
                if r.logprobs {
                    switch config.completionsLogprobs {
                    case .completions:
                        var tokens: [String] = []
                        var lps: [Double?] = []
                        var offsets: [Int] = []
                        if r.echo {
                            tokens = promptTokens(r)
                            lps = promptLogprobs(r)
                            offsets = promptOffsets(r)
                        }
                        var at = r.echo ? r.promptText.count : 0
                        for (t, lp) in zip(s.tokens, s.logprobs) {
                            tokens.append(t)
                            lps.append(lp)
                            offsets.append(at)
                            at += t.count
                        }
                        parts.append("\"logprobs\":" + completionsLogprobs(tokens: tokens, logprobs: lps, offsets: offsets))
                    case .chat:
                        parts.append(
                            "\"logprobs\":" + chatLogprobs(tokens: s.tokens, ids: s.tokenIDs, logprobs: s.logprobs, withIDs: true))
                    }
                } else {
                    parts.append("\"logprobs\":null")
                }
                if ids { parts.append("\"prompt_token_ids\":\(FakeJSON.ints(r.promptIDs))") }
                if r.promptLogprobs != nil { parts.append("\"prompt_logprobs\":" + promptLogprobsJSON(r)) }
            }
            parts.append("\"finish_reason\":\(FakeJSON.str(s.finishReason))")
            if ids { parts.append("\"token_ids\":\(FakeJSON.ints(s.tokenIDs))") }
            choices.append("{" + parts.joined(separator: ",") + "}")
        }
        var top: [String] = [
            "\"id\":\"\(r.chat ? "chatcmpl" : "cmpl")-\(ordinal)\"",
            "\"object\":\(FakeJSON.str(r.chat ? "chat.completion" : "text_completion"))",
            "\"created\":0", "\"model\":\(FakeJSON.str(config.model))",
            "\"choices\":[\(choices.joined(separator: ","))]",
        ]
        if r.chat, ids { top.append("\"prompt_token_ids\":\(FakeJSON.ints(r.promptIDs))") }
        if r.chat, r.promptLogprobs != nil { top.append("\"prompt_logprobs\":" + promptLogprobsJSON(r)) }
        top.append("\"usage\":" + usage(r, samples))
        return "{" + top.joined(separator: ",") + "}"
    }

    /// The same answer as server-sent events, one event per token.
    static func events(_ r: FakeGenerationRequest, config: FakeInferenceServer.Configuration, ordinal: Int) -> [String] {
        let samples = r.samples(config.behaviour)
        let ids = r.returnTokenIDs && config.returnsTokenIDs
        let head =
            "\"id\":\"\(r.chat ? "chatcmpl" : "cmpl")-\(ordinal)\",\"object\":\(FakeJSON.str(r.chat ? "chat.completion.chunk" : "text_completion")),\"created\":0,\"model\":\(FakeJSON.str(config.model))"
        var events: [String] = []
        func event(_ body: String) { events.append("data: {\(head),\(body)}\n\n") }
        if r.chat {
            let prompt = ids ? ",\"prompt_token_ids\":\(FakeJSON.ints(r.promptIDs))" : ""
            let roles = samples.indices.map {
                "{\"index\":\($0),\"delta\":{\"role\":\"assistant\",\"content\":\"\"},\"logprobs\":null,\"finish_reason\":null}"
            }
            event("\"choices\":[\(roles.joined(separator: ","))]" + prompt)
        }
        for (i, s) in samples.enumerated() {
            var at = 0
            for k in s.tokens.indices {
                let (t, id, lp) = (s.tokens[k], s.tokenIDs[k], s.logprobs[k])
                var parts = ["\"index\":\(i)"]
                if r.chat {
                    parts.append("\"delta\":{\"content\":\(FakeJSON.str(t))}")
                    let logprobs = r.logprobs ? chatLogprobs(tokens: [t], ids: [id], logprobs: [lp], withIDs: false) : "null"
                    parts.append("\"logprobs\":" + logprobs)
                } else {
                    parts.append("\"text\":\(FakeJSON.str(t))")
                    if r.logprobs {
                        switch config.completionsLogprobs {
                        case .completions:
                            parts.append("\"logprobs\":" + completionsLogprobs(tokens: [t], logprobs: [lp], offsets: [at]))
                        case .chat:
                            parts.append("\"logprobs\":" + chatLogprobs(tokens: [t], ids: [id], logprobs: [lp], withIDs: true))
                        }
                    } else {
                        parts.append("\"logprobs\":null")
                    }
                    if ids, k == 0 { parts.append("\"prompt_token_ids\":\(FakeJSON.ints(r.promptIDs))") }
                }
                parts.append("\"finish_reason\":null")
                if ids { parts.append("\"token_ids\":[\(id)]") }
                at += t.count
                event("\"choices\":[{\(parts.joined(separator: ","))}]")
            }
            let delta = r.chat ? "\"delta\":{}" : "\"text\":\"\""
            event("\"choices\":[{\"index\":\(i),\(delta),\"logprobs\":null,\"finish_reason\":\(FakeJSON.str(s.finishReason))}]")
        }
        if r.includeUsage { event("\"choices\":[],\"usage\":" + usage(r, samples)) }
        events.append("data: [DONE]\n\n")
        return events
    }

    /// A JSON body without `choices`.
    static func missingChoices(_ r: FakeGenerationRequest, config: FakeInferenceServer.Configuration, ordinal: Int) -> String {
        "{\"id\":\"cmpl-\(ordinal)\",\"object\":\"text_completion\",\"created\":0,\"model\":\(FakeJSON.str(config.model)),"
            + "\"usage\":{\"prompt_tokens\":\(r.promptIDs.count),\"completion_tokens\":0,\"total_tokens\":\(r.promptIDs.count)}}"
    }

    /// `/v1/embeddings`.
    static func embeddings(body: Data, config: FakeInferenceServer.Configuration) -> String? {
        guard let obj = try? JSONSerialization.jsonObject(with: body) as? [String: Any] else { return nil }
        let inputs: [String]
        if let s = obj["input"] as? String {
            inputs = [s]
        } else if let a = obj["input"] as? [String] {
            inputs = a
        } else {
            return nil
        }
        let data = inputs.enumerated().map { k, text -> String in
            var h = FakeModel.fnv(text)
            let v = (0..<config.embeddingDimension).map { _ -> Double in
                h = FakeModel.mix(h)
                return Double(Int64(h % 2001) - 1000) / 1000
            }
            return "{\"object\":\"embedding\",\"index\":\(k),\"embedding\":\(FakeJSON.nums(v))}"
        }
        return "{\"object\":\"list\",\"model\":\(FakeJSON.str(config.model)),\"data\":[\(data.joined(separator: ","))],"
            + "\"usage\":{\"prompt_tokens\":\(inputs.count),\"total_tokens\":\(inputs.count)}}"
    }
}
