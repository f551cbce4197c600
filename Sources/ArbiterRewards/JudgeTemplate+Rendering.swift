import ArbiterCore

extension JudgeTemplate {
    /// Replaces each `{name}` whose name is in `values` in a single left-to-right pass, so text
    /// substituted in (a response that itself contains `{criterion}`) is never re-expanded.
    public static func substitute(_ text: String, _ values: [String: String]) -> String {
        let scalars = Array(text.unicodeScalars)
        var out = String.UnicodeScalarView()
        var i = 0
        while i < scalars.count {
            if scalars[i] == "{" {
                var j = i + 1
                while j < scalars.count, ("a"..."z").contains(scalars[j]) || scalars[j] == "_" { j += 1 }
                if j > i + 1, j < scalars.count, scalars[j] == "}",
                    let value = values[String(String.UnicodeScalarView(scalars[(i + 1)..<j]))]
                {
                    out.append(contentsOf: value.unicodeScalars)
                    i = j + 1
                    continue
                }
            }
            out.append(scalars[i])
            i += 1
        }
        return String(out)
    }

    /// The chat messages of a first request: the system turn (if any) and the user turn.
    public func messages(_ values: [String: String]) -> [ChatMessage] {
        var m: [ChatMessage] = []
        if let system { m.append(ChatMessage(role: "system", content: Self.substitute(system, values))) }
        m.append(ChatMessage(role: "user", content: Self.substitute(user, values)))
        return m
    }

    /// The chat messages of a retry after an unreadable answer: with a `retry` turn, the first
    /// request plus the judge's previous answer and the retry turn; without one, the first request again.
    public func retryMessages(_ values: [String: String], previousAnswer: String) -> [ChatMessage] {
        var m = messages(values)
        guard let retry else { return m }
        m.append(ChatMessage(role: "assistant", content: previousAnswer))
        m.append(ChatMessage(role: "user", content: Self.substitute(retry, values)))
        return m
    }
}
