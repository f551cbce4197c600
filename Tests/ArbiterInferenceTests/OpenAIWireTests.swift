import ArbiterCore
import Testing

@testable import ArbiterInference

@Suite("JSON reader and writer")
struct JSONTests {
    @Test func parsesNestedValuesAndEscapes() throws {
        let v = try JSONParser.parse(#"{"a":[1,-2.5e1,true,null,"x\"\u00e9\ud83d\ude00\n"],"b":{}}"#)
        #expect(v["a"]?.array?.count == 5)
        #expect(v["a"]?.array?[0].int == 1)
        #expect(v["a"]?.array?[1].double == -25)
        #expect(v["a"]?.array?[2].bool == true)
        #expect(v["a"]?.array?[3].isNull == true)
        #expect(v["a"]?.array?[4].string == "x\"é😀\n")
        #expect(v["b"] == .object([]))
    }

    @Test(arguments: [#"{"a":1,}"#, #"{"a":01}"#, #"[1 2]"#, #"{"a":"x"#, #"nul"#, #"{"a":1} x"#, "", #"{"a":NaN}"#])
    func rejectsInvalidJSON(_ text: String) {
        #expect(throws: JSONParseError.self) { try JSONParser.parse(text) }
    }

    @Test func writerRoundTrips() throws {
        var w = JSONWriter()
        w.beginObject()
        w.key("s")
        w.string("q\"\\\n\u{01}")
        w.key("a")
        w.beginArray()
        w.int(1)
        w.double(0.5)
        w.bool(false)
        w.null()
        w.endArray()
        w.key("o")
        w.beginObject()
        w.endObject()
        w.endObject()
        let v = try JSONParser.parse(w.bytes)
        #expect(v["s"]?.string == "q\"\\\n\u{01}")
        #expect(v["a"] == .array([.number(1), .number(0.5), .bool(false), .null]))
        #expect(v["o"] == .object([]))
    }
}

@Suite("OpenAI wire format")
struct OpenAIWireTests {
    func decode(_ text: String) throws(InferenceError) -> InferenceResponse {
        let bytes = Array(text.utf8)
        do {
            return try bytes.withUnsafeBytes { try OpenAIWire.decodeResponse($0, context: "test") }
        } catch let error as InferenceError {
            throw error
        } catch {
            throw InferenceError(.malformedBody, "\(error)")
        }
    }

    @Test func requestBodyCarriesSamplingAndTokenOptions() throws {
        let call = InferenceCall(
            api: .completions, model: "m", input: .text("hi"), n: 4,
            sampling: SamplingParams(temperature: 0.7, topP: 0.9, topK: 20, maxTokens: 64, stop: ["</s>"], seed: 3),
            seed: 42, stream: true)
        let v = try JSONParser.parse(OpenAIWire.body(for: call))
        #expect(v["model"]?.string == "m")
        #expect(v["prompt"]?.string == "hi")
        #expect(v["n"]?.int == 4)
        #expect(v["temperature"]?.double == 0.7)
        #expect(v["top_p"]?.double == 0.9)
        #expect(v["top_k"]?.int == 20)
        #expect(v["max_tokens"]?.int == 64)
        #expect(v["stop"] == .array([.string("</s>")]))
        #expect(v["seed"]?.int == 42)
        #expect(v["logprobs"]?.int == 1)
        #expect(v["return_token_ids"]?.bool == true)
        #expect(v["stream"]?.bool == true)
        #expect(v["stream_options"]?["include_usage"]?.bool == true)
    }

    @Test func chatBodyUsesMessagesAndBooleanLogprobs() throws {
        let call = InferenceCall(
            api: .chat, model: "m", input: .chat([ChatMessage(role: "user", content: "x")]), returnTokenIDs: false)
        let v = try JSONParser.parse(OpenAIWire.body(for: call))
        #expect(call.path == "/v1/chat/completions")
        #expect(v["messages"]?.array?.first?["content"]?.string == "x")
        #expect(v["logprobs"]?.bool == true)
        #expect(v["return_token_ids"] == nil)
        #expect(v["n"] == nil)
    }

    @Test func decodesVLLMCompletionWithTokenIDsAndLogprobs() throws {
        let r = try decode(
            #"""
            {"id":"cmpl-1","object":"text_completion","model":"m","choices":[{"index":0,"text":"ab",
            "logprobs":{"tokens":["a","b"],"token_logprobs":[-0.5,-1.25],"top_logprobs":[{"a":-0.5},{"b":-1.25}],"text_offset":[0,1]},
            "finish_reason":"length","token_ids":[7,8],"prompt_token_ids":[1,2,3]}],
            "usage":{"prompt_tokens":3,"completion_tokens":2,"total_tokens":5}}
            """#)
        #expect(r.choices.count == 1)
        let c = r.choices[0]
        #expect(c.text == "ab")
        #expect(c.tokenIDs == [7, 8])
        #expect(c.completionLogprobs == [-0.5, -1.25])
        #expect(c.finishReason == .length)
        #expect(r.promptTokenIDs == [1, 2, 3])
        #expect(r.usage == TokenUsage(promptTokens: 3, completionTokens: 2))
    }

    @Test func decodesLlamaCppChatShapeLogprobsOnCompletions() throws {
        let r = try decode(
            #"""
            {"choices":[{"index":0,"text":"yes","finish_reason":"stop",
            "logprobs":{"content":[{"id":9906,"token":"yes","logprob":-0.01,"bytes":[121,101,115],"top_logprobs":[]}]}}]}
            """#)
        #expect(r.choices[0].tokenIDs == [9906])
        #expect(r.choices[0].completionLogprobs == [-0.01])
        #expect(r.choices[0].finishReason == .stop)
    }

    @Test func decodesChatResponseWithTopLevelPromptIDs() throws {
        let r = try decode(
            #"""
            {"id":"c","choices":[{"index":1,"message":{"role":"assistant","content":"B"},"finish_reason":"stop","token_ids":[5]},
            {"index":0,"message":{"role":"assistant","content":"A"},"logprobs":{"content":[{"token":"A","logprob":-2.0}]},"finish_reason":"eos"}],
            "prompt_token_ids":[4,4]}
            """#)
        #expect(r.choices.map(\.text) == ["A", "B"])
        #expect(r.promptTokenIDs == [4, 4])
        #expect(r.choices[0].completionLogprobs == [-2.0])
        #expect(r.choices[1].tokenIDs == [5])
    }

    @Test func tokenIDStringsAreRead() throws {
        let r = try decode(
            #"{"choices":[{"text":"x","finish_reason":"stop","logprobs":{"tokens":["token_id:12","token_id:13"],"token_logprobs":[-1,-2]}}]}"#
        )
        #expect(r.choices[0].tokenIDs == [12, 13])
    }

    @Test func promptLogprobsPickTheActualToken() throws {
        let r = try decode(
            #"""
            {"choices":[{"text":"","finish_reason":"length","prompt_token_ids":[10,11,12],
            "prompt_logprobs":[null,{"11":{"logprob":-1.5,"rank":2},"99":{"logprob":-0.1,"rank":1}},{"12":{"logprob":-0.25,"rank":1}}]}]}
            """#)
        #expect(r.promptLogprobs == [nil, -1.5, -0.25])
    }

    @Test func missingChoicesIsClassifiedWithBodyPrefix() {
        #expect {
            try decode(#"{"id":"x","object":"text_completion","usage":{"prompt_tokens":1,"completion_tokens":0}}"#)
        } throws: { error in
            let e = error as? InferenceError
            return e?.code == .missingChoices && e?.isRetryable == true && (e?.context ?? "").contains("\"id\":\"x\"")
        }
    }

    @Test(arguments: [
        #"{"choices":[{"text":"a","finish_reason":"stop"}"#,  // truncated
        #"<html>502</html>"#,
        #"{"choices":"nope"}"#,
        #"{"choices":[{"text":5}]}"#,
        #"{"choices":[{"text":"a","logprobs":{"token_logprobs":["x"]}}]}"#,
        #"{"choices":[{"text":"a"}],"usage":{"completion_tokens":"2"}}"#,
    ])
    func malformedBodiesAreClassified(_ body: String) {
        #expect {
            try decode(body)
        } throws: { error in
            let e = error as? InferenceError
            return e?.code == .malformedBody && e?.isRetryable == true && (e?.context ?? "").contains("body:")
        }
    }

    @Test func emptyChoicesIsMissingChoices() {
        #expect(throws: InferenceError.self) { try decode(#"{"choices":[]}"#) }
    }
}

@Suite("Server-sent events")
struct StreamAccumulatorTests {
    func feed(_ parts: [String]) throws(InferenceError) -> (InferenceResponse, Int) {
        var acc = StreamAccumulator()
        var firstAt = -1
        for (k, p) in parts.enumerated() {
            let bytes = Array(p.utf8)
            let first: Bool
            do {
                first = try bytes.withUnsafeBytes { try acc.feed($0, context: "sse") }
            } catch let error as InferenceError {
                throw error
            } catch {
                throw InferenceError(.malformedBody, "\(error)")
            }
            if first { firstAt = k }
        }
        return (try acc.finish(context: "sse"), firstAt)
    }

    @Test func assemblesCompletionChunksSplitAcrossReads() throws {
        let (r, firstAt) = try feed([
            "data: {\"id\":\"c\",\"choices\":[{\"index\":0,\"text\":\"\",\"finish_reason\":null,\"prompt_token_ids\":[1,2]}]}\n\n",
            "data: {\"choices\":[{\"index\":0,\"text\":\"he\",\"token_ids\":[5],\"logprobs\":{\"tokens\":[\"he\"],\"token_logprobs\":[-0.5]}}]}\n",
            "\ndata: {\"choices\":[{\"index\":0,\"text\":\"llo\",\"token_ids\":[6],\"logprobs\":{\"tokens\":[\"llo\"],\"token_log",
            "probs\":[-0.25]},\"finish_reason\":\"length\"}]}\r\n\r\n",
            "data: {\"choices\":[],\"usage\":{\"prompt_tokens\":2,\"completion_tokens\":2}}\n\ndata: [DONE]\n\n",
        ])
        #expect(firstAt == 2, "the first token event completes with the third read")
        #expect(r.choices.count == 1)
        #expect(r.choices[0].text == "hello")
        #expect(r.choices[0].tokenIDs == [5, 6])
        #expect(r.choices[0].completionLogprobs == [-0.5, -0.25])
        #expect(r.choices[0].finishReason == .length)
        #expect(r.choices[0].promptTokenIDs == [1, 2])
        #expect(r.usage?.completionTokens == 2)
    }

    @Test func assemblesChatDeltasOfSeveralChoices() throws {
        let (r, _) = try feed([
            "data: {\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"\"}},{\"index\":1,\"delta\":{\"role\":\"assistant\"}}]}\n\n",
            "data: {\"choices\":[{\"index\":1,\"delta\":{\"content\":\"B\"},\"logprobs\":{\"content\":[{\"token\":\"B\",\"logprob\":-1}]}}]}\n\n",
            "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"A\"},\"finish_reason\":\"stop\"}]}\n\n",
            "data: {\"choices\":[{\"index\":1,\"delta\":{},\"finish_reason\":\"stop\"}]}\n\n",
            "data: [DONE]\n\n",
        ])
        #expect(r.choices.map(\.text) == ["A", "B"])
        #expect(r.choices[1].completionLogprobs == [-1])
    }

    @Test func streamCutBeforeTheEndIsMalformed() {
        #expect {
            try feed(["data: {\"choices\":[{\"index\":0,\"text\":\"he\"}]}\n\n"])
        } throws: { ($0 as? InferenceError)?.code == .malformedBody }
    }

    @Test func errorEventIsAServerError() {
        #expect {
            try feed(["data: {\"error\":{\"message\":\"overloaded\"}}\n\n"])
        } throws: { ($0 as? InferenceError)?.code == .serverError }
    }
}
