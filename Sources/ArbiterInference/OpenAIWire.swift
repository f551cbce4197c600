import ArbiterCore

/// The OpenAI-compatible wire format as vLLM, SGLang and llama.cpp serve it: request bodies
/// and strict response parsing.
///
/// Parsing is strict where it matters to the trainer and lenient where servers differ:
/// a body that is not JSON, a field with the wrong type, or a response without `choices` is
/// an ``InferenceError`` (``InferenceError/Code/malformedBody`` or
/// ``InferenceError/Code/missingChoices``) carrying the body's first bytes; unknown fields are
/// ignored. Logprobs are accepted in both shapes: completions-style
/// (`logprobs.tokens/token_logprobs/text_offset`) and chat-style
/// (`logprobs.content[] {token, logprob, bytes, id?}`), which llama.cpp also returns on
/// `/v1/completions`.
enum OpenAIWire {
    /// How many body bytes an error's context quotes.
    static let bodyPrefixLength = 200

    // MARK: Requests

    /// The JSON body of a generation call.
    static func body(for call: InferenceCall) -> [UInt8] {
        var w = JSONWriter(capacity: 256 + call.input.renderedTextCountHint)
        let s = call.sampling
        w.beginObject()
        w.key("model")
        w.string(call.model)
        switch call.input {
        case .text(let text):
            w.key("prompt")
            w.string(text)
        case .tokens(let ids):
            w.key("prompt")
            w.beginArray()
            for id in ids { w.int(id) }
            w.endArray()
        case .chat(let messages):
            w.key("messages")
            w.beginArray()
            for m in messages {
                w.beginObject()
                w.key("role")
                w.string(m.role)
                w.key("content")
                w.string(m.content)
                w.endObject()
            }
            w.endArray()
        }
        if call.n != 1 {
            w.key("n")
            w.int(call.n)
        }
        w.key("temperature")
        w.double(s.temperature)
        w.key("top_p")
        w.double(s.topP)
        if let topK = s.topK {
            w.key("top_k")
            w.int(topK)
        }
        w.key("max_tokens")
        w.int(s.maxTokens)
        if !s.stop.isEmpty {
            w.key("stop")
            w.beginArray()
            for stop in s.stop { w.string(stop) }
            w.endArray()
        }
        if let seed = call.seed ?? s.seed {
            w.key("seed")
            // Servers parse the seed as a signed 64-bit (vLLM, llama.cpp: int32 even); keep it positive.
            w.uint(seed & 0x7FFF_FFFF)
        }
        if s.logprobs {
            w.key("logprobs")
            if call.isChat {
                w.bool(true)
            } else {
                w.int(1)
            }
        }
        if let grammar = s.grammar {
            w.key("grammar")
            w.string(grammar)
        }
        if call.returnTokenIDs {
            w.key("return_token_ids")
            w.bool(true)
        }
        if call.echo {
            w.key("echo")
            w.bool(true)
        }
        if let promptLogprobs = call.promptLogprobs {
            w.key("prompt_logprobs")
            w.int(promptLogprobs)
        }
        if call.stream {
            w.key("stream")
            w.bool(true)
            w.key("stream_options")
            w.beginObject()
            w.key("include_usage")
            w.bool(true)
            w.endObject()
        }
        w.endObject()
        return w.bytes
    }

    /// The JSON body of an embeddings call.
    static func embeddingsBody(model: String, inputs: [String]) -> [UInt8] {
        var w = JSONWriter()
        w.beginObject()
        w.key("model")
        w.string(model)
        w.key("input")
        w.beginArray()
        for input in inputs { w.string(input) }
        w.endArray()
        w.endObject()
        return w.bytes
    }

    // MARK: Responses

    /// The first bytes of a body, for error context.
    static func prefix(_ bytes: UnsafeRawBufferPointer) -> String {
        let n = min(bytes.count, bodyPrefixLength)
        let text = String(decoding: UnsafeRawBufferPointer(rebasing: bytes[0..<n]), as: UTF8.self)
        return bytes.count > n ? text + "…" : text
    }

    static func malformed(_ reason: String, body: UnsafeRawBufferPointer, context: String) -> InferenceError {
        InferenceError(.malformedBody, reason, context: "\(context) body: \(prefix(body))")
    }

    /// Parses a complete (non-streamed) generation response.
    static func decodeResponse(_ body: UnsafeRawBufferPointer, context: String) throws(InferenceError)
        -> InferenceResponse
    {
        let json: JSONValue
        do {
            json = try JSONParser.parse(body)
        } catch {
            throw malformed(error.description, body: body, context: context)
        }
        do {
            return try decodeResponse(json)
        } catch {
            switch error {
            case .missingChoices(let why):
                throw InferenceError(.missingChoices, why, context: "\(context) body: \(prefix(body))")
            case .invalid(let why):
                throw malformed(why, body: body, context: context)
            }
        }
    }

    /// A field-level problem found while walking the JSON tree.
    enum WireError: Error {
        case missingChoices(String)
        case invalid(String)
    }

    static func decodeResponse(_ json: JSONValue) throws(WireError) -> InferenceResponse {
        guard case .object = json else { throw .invalid("response is not a JSON object") }
        guard let choicesValue = json["choices"], !choicesValue.isNull else {
            if let error = json["error"] {
                throw .missingChoices("no choices; server error: \(error["message"]?.string ?? "\(error)")")
            }
            throw .missingChoices("response has no choices")
        }
        guard let choicesArray = choicesValue.array else { throw .invalid("choices is not an array") }
        guard !choicesArray.isEmpty else { throw .missingChoices("choices is empty") }
        var choices: [InferenceChoice] = []
        choices.reserveCapacity(choicesArray.count)
        for (k, c) in choicesArray.enumerated() {
            choices.append(try decodeChoice(c, position: k))
        }
        choices.sort { $0.index < $1.index }
        var response = InferenceResponse(
            id: try optionalString(json, "id"), model: try optionalString(json, "model"), choices: choices)
        response.promptTokenIDs = try intArray(json["prompt_token_ids"], field: "prompt_token_ids")
            ?? choices.first?.promptTokenIDs
        response.usage = try decodeUsage(json["usage"])
        let promptLogprobs = json["prompt_logprobs"] ?? choicesArray.first?["prompt_logprobs"]
        response.promptLogprobs = try decodePromptLogprobs(promptLogprobs, promptTokenIDs: response.promptTokenIDs)
        return response
    }

    static func optionalString(_ json: JSONValue, _ key: String) throws(WireError) -> String? {
        guard let v = json[key], !v.isNull else { return nil }
        guard let s = v.string else { throw .invalid("\(key) is not a string") }
        return s
    }

    static func intArray(_ value: JSONValue?, field: String) throws(WireError) -> [Int]? {
        guard let value, !value.isNull else { return nil }
        guard let array = value.array else { throw .invalid("\(field) is not an array") }
        var out: [Int] = []
        out.reserveCapacity(array.count)
        for v in array {
            guard let i = v.int else { throw .invalid("\(field) holds a non-integer") }
            out.append(i)
        }
        return out
    }

    static func decodeUsage(_ value: JSONValue?) throws(WireError) -> TokenUsage? {
        guard let value, !value.isNull else { return nil }
        guard case .object = value else { throw .invalid("usage is not an object") }
        guard let completion = value["completion_tokens"]?.int else {
            throw .invalid("usage.completion_tokens is missing or not an integer")
        }
        return TokenUsage(promptTokens: value["prompt_tokens"]?.int ?? 0, completionTokens: completion)
    }

    static func decodeChoice(_ c: JSONValue, position: Int) throws(WireError) -> InferenceChoice {
        guard case .object = c else { throw .invalid("choices[\(position)] is not an object") }
        let index: Int
        if let v = c["index"], !v.isNull {
            guard let i = v.int else { throw .invalid("choices[\(position)].index is not an integer") }
            index = i
        } else {
            index = position
        }
        // Text: completions `text`, chat `message.content` (null content is allowed: tool calls).
        let text: String
        if let t = c["text"], !t.isNull {
            guard let s = t.string else { throw .invalid("choices[\(position)].text is not a string") }
            text = s
        } else if let message = c["message"] ?? c["delta"], case .object = message {
            if let content = message["content"], !content.isNull {
                guard let s = content.string else {
                    throw .invalid("choices[\(position)].message.content is not a string")
                }
                text = s
            } else {
                text = ""
            }
        } else {
            throw .invalid("choices[\(position)] has neither text nor message")
        }
        let finishValue = c["finish_reason"]
        let finish: String?
        if let finishValue, !finishValue.isNull {
            guard let s = finishValue.string else {
                throw .invalid("choices[\(position)].finish_reason is not a string")
            }
            finish = s
        } else {
            finish = nil
        }
        var choice = InferenceChoice(index: index, text: text, finishReason: FinishReason(serverValue: finish))
        choice.tokenIDs = try intArray(c["token_ids"], field: "choices[\(position)].token_ids")
        choice.promptTokenIDs = try intArray(c["prompt_token_ids"], field: "choices[\(position)].prompt_token_ids")
        if let lp = c["logprobs"], !lp.isNull {
            let parsed = try decodeLogprobs(lp, position: position)
            choice.tokens = parsed.tokens
            choice.logprobs = parsed.logprobs
            choice.textOffsets = parsed.textOffsets
            if choice.tokenIDs == nil { choice.tokenIDs = parsed.tokenIDs }
        }
        return choice
    }

    struct ParsedLogprobs {
        var tokens: [String]?
        var logprobs: [Double?]?
        var textOffsets: [Int]?
        var tokenIDs: [Int]?
    }

    /// Both logprob shapes. Token ids come from llama.cpp's `content[].id` or from vLLM's
    /// `token_id:N` token strings (`--return-tokens-as-token-ids`).
    static func decodeLogprobs(_ lp: JSONValue, position: Int) throws(WireError) -> ParsedLogprobs {
        guard case .object = lp else { throw .invalid("choices[\(position)].logprobs is not an object") }
        var out = ParsedLogprobs()
        if let content = lp["content"], !content.isNull {
            guard let entries = content.array else {
                throw .invalid("choices[\(position)].logprobs.content is not an array")
            }
            var tokens: [String] = []
            var logprobs: [Double?] = []
            var ids: [Int] = []
            tokens.reserveCapacity(entries.count)
            logprobs.reserveCapacity(entries.count)
            var allIDs = true
            for e in entries {
                guard let lpv = e["logprob"]?.double else {
                    throw .invalid("choices[\(position)].logprobs.content[].logprob is missing or not a number")
                }
                let token = e["token"]?.string ?? ""
                tokens.append(token)
                logprobs.append(lpv)
                if let id = e["id"]?.int {
                    ids.append(id)
                } else if let id = tokenIDFromString(token) {
                    ids.append(id)
                } else {
                    allIDs = false
                }
            }
            out.tokens = tokens
            out.logprobs = logprobs
            if allIDs, !entries.isEmpty { out.tokenIDs = ids }
            return out
        }
        if let tokenLogprobs = lp["token_logprobs"], !tokenLogprobs.isNull {
            guard let array = tokenLogprobs.array else {
                throw .invalid("choices[\(position)].logprobs.token_logprobs is not an array")
            }
            var logprobs: [Double?] = []
            logprobs.reserveCapacity(array.count)
            for v in array {
                if v.isNull {
                    logprobs.append(nil)
                } else if let d = v.double {
                    logprobs.append(d)
                } else {
                    throw .invalid("choices[\(position)].logprobs.token_logprobs holds a non-number")
                }
            }
            out.logprobs = logprobs
            if let tokens = lp["tokens"]?.array {
                let strings = tokens.compactMap(\.string)
                out.tokens = strings
                let ids = strings.compactMap(tokenIDFromString)
                if ids.count == strings.count, !ids.isEmpty { out.tokenIDs = ids }
            }
            out.textOffsets = try intArray(lp["text_offset"], field: "choices[\(position)].logprobs.text_offset")
            return out
        }
        throw .invalid("choices[\(position)].logprobs has neither content nor token_logprobs")
    }

    /// `token_id:123` → 123.
    static func tokenIDFromString(_ token: String) -> Int? {
        guard token.hasPrefix("token_id:") else { return nil }
        return Int(token.dropFirst(9))
    }

    /// vLLM `prompt_logprobs`: `[null, {"<id>": {"logprob": x, ...}, ...}, ...]`. The actual
    /// token's entry is picked by the prompt token id when known, else the rank-1 (or only) entry.
    static func decodePromptLogprobs(_ value: JSONValue?, promptTokenIDs: [Int]?) throws(WireError) -> [Double?]? {
        guard let value, !value.isNull else { return nil }
        guard let array = value.array else { throw .invalid("prompt_logprobs is not an array") }
        var out: [Double?] = []
        out.reserveCapacity(array.count)
        for (k, entry) in array.enumerated() {
            guard case .object(let members) = entry else {
                if entry.isNull {
                    out.append(nil)
                    continue
                }
                throw .invalid("prompt_logprobs[\(k)] is not an object")
            }
            var picked: Double?
            if let ids = promptTokenIDs, k < ids.count, let m = entry[String(ids[k])] {
                picked = m["logprob"]?.double
            }
            if picked == nil {
                let ranked = members.first { $0.1["rank"]?.int == 1 } ?? (members.count == 1 ? members.first : nil)
                picked = ranked?.1["logprob"]?.double
            }
            guard let picked else { throw .invalid("prompt_logprobs[\(k)] has no logprob for the prompt token") }
            out.append(picked)
        }
        return out
    }

    /// Parses `/v1/embeddings`.
    static func decodeEmbeddings(_ body: UnsafeRawBufferPointer, context: String) throws(InferenceError) -> [Embedding] {
        let json: JSONValue
        do {
            json = try JSONParser.parse(body)
        } catch {
            throw malformed(error.description, body: body, context: context)
        }
        guard let data = json["data"]?.array else {
            throw malformed("embeddings response has no data array", body: body, context: context)
        }
        var out: [Embedding] = []
        for (k, item) in data.enumerated() {
            guard let vector = item["embedding"]?.array else {
                throw malformed("data[\(k)].embedding is not an array", body: body, context: context)
            }
            var values: [Double] = []
            values.reserveCapacity(vector.count)
            for v in vector {
                guard let d = v.double else {
                    throw malformed("data[\(k)].embedding holds a non-number", body: body, context: context)
                }
                values.append(d)
            }
            out.append(Embedding(index: item["index"]?.int ?? k, vector: values))
        }
        return out.sorted { $0.index < $1.index }
    }

    /// Parses `/v1/models` into model ids.
    static func decodeModels(_ body: UnsafeRawBufferPointer, context: String) throws(InferenceError) -> [String] {
        let json: JSONValue
        do {
            json = try JSONParser.parse(body)
        } catch {
            throw malformed(error.description, body: body, context: context)
        }
        guard let data = json["data"]?.array else {
            throw malformed("models response has no data array", body: body, context: context)
        }
        return data.compactMap { $0["id"]?.string }
    }
}

extension PromptInput {
    /// A cheap size hint for the body buffer.
    var renderedTextCountHint: Int {
        switch self {
        case .text(let t): t.utf8.count
        case .tokens(let ids): ids.count * 6
        case .chat(let m): m.reduce(0) { $0 + $1.content.utf8.count + 32 }
        }
    }
}
