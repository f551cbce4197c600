import ArbiterCore

/// Assembles a streamed (server-sent events) generation response into an
/// ``InferenceResponse``, chunk by chunk, as vLLM, SGLang and llama.cpp stream it.
///
/// Bytes are fed as they arrive; events are split on blank lines; every `data:` payload other
/// than `[DONE]` is a JSON chunk whose choices are merged by index (completions `text` or chat
/// `delta.content`, `token_ids`, logprobs of either shape, `finish_reason`); the final chunk
/// may carry `usage` with empty `choices`. The time of the first chunk that carries generated
/// text or tokens is the time-to-first-token.
struct StreamAccumulator {
    private struct Partial {
        var text = ""
        var tokenIDs: [Int]?
        var tokens: [String]?
        var logprobs: [Double?]?
        var promptTokenIDs: [Int]?
        var finish: FinishReason?
    }

    private var pending: [UInt8] = []
    private var partials: [Int: Partial] = [:]
    private var id: String?
    private var model: String?
    private var usage: TokenUsage?
    private var promptTokenIDs: [Int]?
    private(set) var done = false
    private(set) var firstTokenSeen = false
    /// Events parsed so far.
    private(set) var events = 0

    /// Feeds bytes; returns true when this feed produced the first generated token.
    mutating func feed(_ bytes: UnsafeRawBufferPointer, context: String) throws(InferenceError) -> Bool {
        pending.append(contentsOf: bytes)
        let hadFirst = firstTokenSeen
        // Events end with an empty line: "\n\n" (or "\r\n\r\n").
        var start = 0
        var i = 0
        let count = pending.count
        while i < count {
            if pending[i] == 0x0A {
                // Look for the blank line that ends the event.
                var j = i + 1
                if j < count, pending[j] == 0x0D { j += 1 }
                if j < count, pending[j] == 0x0A {
                    try handleEvent(pending[start..<i], context: context)
                    start = j + 1
                    i = j + 1
                    continue
                }
            }
            i += 1
        }
        if start > 0 { pending.removeFirst(start) }
        return !hadFirst && firstTokenSeen
    }

    private mutating func handleEvent(_ event: ArraySlice<UInt8>, context: String) throws(InferenceError) {
        // Collect the data lines of the event (comments and other fields are ignored).
        var data: [UInt8] = []
        var lineStart = event.startIndex
        var k = event.startIndex
        func takeLine(_ line: ArraySlice<UInt8>) {
            var line = line
            if line.last == 0x0D { line = line.dropLast() }
            guard line.starts(with: Array("data:".utf8)) else { return }
            var payload = line.dropFirst(5)
            if payload.first == 0x20 { payload = payload.dropFirst() }
            if !data.isEmpty { data.append(0x0A) }
            data.append(contentsOf: payload)
        }
        while k < event.endIndex {
            if event[k] == 0x0A {
                takeLine(event[lineStart..<k])
                lineStart = k + 1
            }
            k += 1
        }
        if lineStart < event.endIndex { takeLine(event[lineStart..<event.endIndex]) }
        guard !data.isEmpty else { return }
        events += 1
        if data.elementsEqual("[DONE]".utf8) {
            done = true
            return
        }
        let json: JSONValue
        do {
            json = try JSONParser.parse(data)
        } catch {
            throw data.withUnsafeBytes { OpenAIWire.malformed("stream chunk: \(error)", body: $0, context: context) }
        }
        do {
            try merge(json)
        } catch {
            throw data.withUnsafeBytes { bytes in
                switch error {
                case .invalid(let why): OpenAIWire.malformed("stream chunk: \(why)", body: bytes, context: context)
                case .missingChoices(let why):
                    InferenceError(.serverError, why, context: "\(context) body: \(OpenAIWire.prefix(bytes))")
                }
            }
        }
    }

    private mutating func merge(_ json: JSONValue) throws(OpenAIWire.WireError) {
        guard case .object = json else { throw .invalid("chunk is not a JSON object") }
        if let error = json["error"], !error.isNull {
            throw .missingChoices("server error in stream: \(error["message"]?.string ?? "\(error)")")
        }
        if id == nil { id = try OpenAIWire.optionalString(json, "id") }
        if model == nil { model = try OpenAIWire.optionalString(json, "model") }
        if let u = try OpenAIWire.decodeUsage(json["usage"]) { usage = u }
        if let p = try OpenAIWire.intArray(json["prompt_token_ids"], field: "prompt_token_ids") { promptTokenIDs = p }
        guard let choicesValue = json["choices"], !choicesValue.isNull else { return }
        guard let choices = choicesValue.array else { throw .invalid("choices is not an array") }
        for (position, c) in choices.enumerated() {
            guard case .object = c else { throw .invalid("choices[\(position)] is not an object") }
            let index = c["index"]?.int ?? position
            var p = partials[index] ?? Partial()
            var piece = ""
            if let t = c["text"], !t.isNull {
                guard let s = t.string else { throw .invalid("choices[\(position)].text is not a string") }
                piece = s
            } else if let delta = c["delta"] ?? c["message"], let content = delta["content"], !content.isNull {
                guard let s = content.string else { throw .invalid("choices[\(position)].delta.content is not a string") }
                piece = s
            }
            p.text += piece
            var produced = !piece.isEmpty
            if let ids = try OpenAIWire.intArray(c["token_ids"], field: "choices[\(position)].token_ids") {
                p.tokenIDs = (p.tokenIDs ?? []) + ids
                produced = produced || !ids.isEmpty
            }
            if let ids = try OpenAIWire.intArray(c["prompt_token_ids"], field: "choices[\(position)].prompt_token_ids") {
                p.promptTokenIDs = ids
            }
            if let lp = c["logprobs"], !lp.isNull {
                let parsed = try OpenAIWire.decodeLogprobs(lp, position: position)
                if let l = parsed.logprobs { p.logprobs = (p.logprobs ?? []) + l }
                if let t = parsed.tokens { p.tokens = (p.tokens ?? []) + t }
                if c["token_ids"] == nil, let ids = parsed.tokenIDs { p.tokenIDs = (p.tokenIDs ?? []) + ids }
            }
            if let f = c["finish_reason"], !f.isNull {
                guard let s = f.string else { throw .invalid("choices[\(position)].finish_reason is not a string") }
                p.finish = FinishReason(serverValue: s)
            }
            if produced { firstTokenSeen = true }
            partials[index] = p
        }
    }

    /// The assembled response once the stream ended.
    func finish(context: String) throws(InferenceError) -> InferenceResponse {
        guard !partials.isEmpty else {
            throw InferenceError(.missingChoices, "stream ended without choices", context: context)
        }
        let complete = partials.values.allSatisfy { $0.finish != nil }
        guard done || complete else {
            throw InferenceError(.malformedBody, "stream ended before [DONE] and before every choice finished", context: context)
        }
        let choices = partials.sorted { $0.key < $1.key }.map { index, p in
            InferenceChoice(
                index: index, text: p.text, tokenIDs: p.tokenIDs, tokens: p.tokens, logprobs: p.logprobs,
                promptTokenIDs: p.promptTokenIDs, finishReason: p.finish ?? .unknown)
        }
        return InferenceResponse(
            id: id, model: model, choices: choices, promptTokenIDs: promptTokenIDs ?? choices.first?.promptTokenIDs,
            usage: usage)
    }
}
