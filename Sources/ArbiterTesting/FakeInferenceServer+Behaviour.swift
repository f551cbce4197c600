import Foundation

/// What the fake server's model acts as (``FakeInferenceServer/Configuration/behaviour``).
/// Every behaviour is deterministic in the request, like ``FakeModel/sample(prompt:seed:index:maxTokens:)``.
public enum FakeBehaviour: Sendable, Hashable {
    /// Filler words `w123 w456 ` (1–24 tokens): the original fake model, byte for byte.
    case words
    /// A policy answering a multiple-choice question: `<think>` + a few `wN ` words +
    /// `</think>` + `<Answer>X</Answer>` (style `answer_tag`) or `[[X]]` (style
    /// `double_brackets`), the letter chosen from the prompt ids, seed and choice index among the
    /// options the prompt lists (lines starting `A. `, `B. `, …; 4 when none). About 1 sample in
    /// 16 is malformed (no answer, or the answer only inside `<think>`).
    case multipleChoice(style: String)
    /// An LLM judge: Social-R1 structure (`in_order`) and content (`"steps"`) JSON answers,
    /// MoReBench batched JSON verdict lists (`"verdict"` with `{"id": …}` criterion lines), and
    /// otherwise a bare `Yes`/`No` that depends on the prompt text only (about 60% `Yes`).
    case judge
}

extension FakeModel {
    /// The Social-R1 stages a structure judge answers for when the prompt lists none.
    public static let defaultStages = ["cue_encoding", "cue_interpretation", "goal_clarification", "response_generation"]

    /// The completion of a request under `behaviour`: `prompt` are the prompt token ids, `text`
    /// the prompt text as the server sees it (chat requests: one `role: content` line block per
    /// message). A sample longer than `maxTokens` tokens is cut and finishes with `length`.
    /// `.words` answers exactly ``sample(prompt:seed:index:maxTokens:)``.
    public static func sample(
        _ behaviour: FakeBehaviour, prompt: [Int], text: String, seed: UInt64, index: Int, maxTokens: Int
    ) -> Sample {
        switch behaviour {
        case .words:
            return sample(prompt: prompt, seed: seed, index: index, maxTokens: maxTokens)
        case .multipleChoice(let style):
            var h: UInt64 = seed
            for t in prompt { h = mix(h ^ UInt64(t)) }
            h = mix(h ^ (UInt64(index) &* 0x5851_F42D_4C95_7F2D))
            let tokens = multipleChoiceTokens(style: style, optionCount: optionCount(in: text), hash: h)
            return finish(tokens, hash: mix(h ^ 0x4D43), maxTokens: maxTokens)
        case .judge:
            let h = mix(fnv(text))
            return finish(pieces(judgeAnswer(text)), hash: h, maxTokens: maxTokens)
        }
    }

    /// Cuts `tokens` to `maxTokens` and adds ids (``tokenID(_:)``) and deterministic logprobs.
    static func finish(_ all: [String], hash: UInt64, maxTokens: Int) -> Sample {
        let tokens = Array(all.prefix(max(0, maxTokens)))
        var h = hash
        var lps: [Double] = []
        for k in tokens.indices {
            h = mix(h &+ UInt64(k))
            lps.append(-Double((h >> 40) % 4096) / 1024)
        }
        return Sample(
            tokens: tokens, tokenIDs: tokens.map(tokenID), logprobs: lps, finishReason: all.count > tokens.count ? "length" : "stop")
    }

    /// The lines of a prompt text, each without leading whitespace and without a leading
    /// `role: ` of a chat message's first line.
    static func lines(_ text: String) -> [Substring] {
        text.split(separator: "\n", omittingEmptySubsequences: false).map { raw in
            var line = raw.drop(while: { $0 == " " || $0 == "\t" })
            for role in ["system: ", "user: ", "assistant: "] where line.hasPrefix(role) {
                line = line.dropFirst(role.count).drop(while: { $0 == " " || $0 == "\t" })
            }
            return line
        }
    }

    /// The number of options a multiple-choice prompt lists: `k` when lines start with `A. `
    /// through the `k`-th letter; 4 when no line starts with `A. `.
    public static func optionCount(in text: String) -> Int {
        var letters = Set<Character>()
        for line in lines(text) {
            guard line.count >= 3, let first = line.first, first.isASCII, first.isUppercase else { continue }
            if line.dropFirst().hasPrefix(". ") { letters.insert(first) }
        }
        var run = 0
        for letter in "ABCDEFGHIJKLMNOPQRSTUVWXYZ" {
            guard letters.contains(letter) else { break }
            run += 1
        }
        return run == 0 ? 4 : run
    }

    /// A policy's multiple-choice tokens (see ``FakeBehaviour/multipleChoice(style:)``).
    static func multipleChoiceTokens(style: String, optionCount: Int, hash: UInt64) -> [String] {
        var h = hash
        let words = Int(h % 8) + 2
        var tokens = ["<think>"]
        for _ in 0..<words {
            h = mix(h)
            tokens.append(tokenText(Int(h % UInt64(vocabulary))))
        }
        h = mix(h)
        let letter = String(Character(UnicodeScalar(UInt8(65 + Int(h % UInt64(max(1, min(26, optionCount))))))))
        let answer = style == "double_brackets" ? ["[[", letter, "]]"] : ["<Answer>", letter, "</Answer>"]
        h = mix(h)
        switch h % 32 {
        case 0:  // no answer at all
            tokens += ["</think>", "not ", "sure"]
        case 1:  // the answer only inside the think section
            tokens += answer + ["</think>"]
        default:
            tokens += ["</think>"] + answer
        }
        return tokens
    }

    /// Splits a text into tokens: each run of non-whitespace with the whitespace after it
    /// (leading whitespace joins the first token); the tokens concatenate to `text`.
    public static func pieces(_ text: String) -> [String] {
        var out: [String] = []
        var current = ""
        var sawSpace = false
        var sawWord = false
        for ch in text {
            let space = ch.isWhitespace
            if !space, sawSpace, sawWord {
                out.append(current)
                current = ""
                sawSpace = false
                sawWord = false
            }
            current.append(ch)
            if space { sawSpace = true } else { sawWord = true }
        }
        if !current.isEmpty { out.append(current) }
        return out
    }

    /// A deterministic yes (with probability `percent`/100) from a hash.
    static func yes(_ h: UInt64, percent: UInt64) -> Bool { mix(h) % 100 < percent }

    /// The judge's answer to a prompt text (see ``FakeBehaviour/judge``).
    public static func judgeAnswer(_ text: String) -> String {
        let h = fnv(text)
        func yn(_ salt: String, _ percent: UInt64) -> String { yes(h ^ fnv(salt), percent: percent) ? "yes" : "no" }
        if text.contains("in_order") {
            var stages: [String] = []
            for line in lines(text) {
                guard let name = stageName(line), !stages.contains(name) else { continue }
                stages.append(name)
            }
            if stages.isEmpty { stages = defaultStages }
            let entries =
                stages.map { "\(FakeJSON.str($0)): \(FakeJSON.str(yn($0, 75)))" } + ["\"in_order\": \(FakeJSON.str(yn("in_order", 80)))"]
            return "{" + entries.joined(separator: ", ") + "}"
        }
        if text.contains("\"steps\"") {
            let count = Int(mix(h ^ 0x5354) % 3) + 1
            let steps = (1...count).map { "{\"step\": \($0), \"grounded\": \(FakeJSON.str(yn("step\($0)", 70)))}" }
            return "{\"steps\": [" + steps.joined(separator: ", ") + "]}"
        }
        if text.contains("\"verdict\"") {
            var ids: [String] = []
            for line in lines(text) where line.hasPrefix("{\"id\"") {
                guard let data = String(line).data(using: .utf8),
                    let obj = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
                    let id = obj["id"] as? String, !ids.contains(id)
                else { continue }
                ids.append(id)
            }
            let entries = ids.map { "{\"id\": \(FakeJSON.str($0)), \"verdict\": \(FakeJSON.str(yn("id:" + $0, 60)))}" }
            return "[" + entries.joined(separator: ", ") + "]"
        }
        return yes(h, percent: 60) ? "Yes" : "No"
    }

    /// The stage name of a `1. cue_encoding: …` line (lower-case letters, digits, `_`).
    static func stageName(_ line: Substring) -> String? {
        let digits = line.prefix(while: { $0.isASCII && $0.isNumber })
        guard !digits.isEmpty else { return nil }
        var rest = line.dropFirst(digits.count)
        guard rest.first == "." else { return nil }
        rest = rest.dropFirst().drop(while: { $0 == " " })
        let name = rest.prefix(while: { $0.isASCII && ($0.isLowercase || $0.isNumber || $0 == "_") })
        guard !name.isEmpty, rest.dropFirst(name.count).first == ":" else { return nil }
        return String(name)
    }
}
