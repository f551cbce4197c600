import ArbiterCore
import Foundation

/// How a template asks the judge: which unit one call covers.
public enum JudgeCallProtocol: String, Sendable, Hashable, Codable, CaseIterable {
    /// One call per (response, criterion), answered yes/no: MoReBench's own protocol.
    case perCriterion = "per_criterion"
    /// All criteria of one response in one call, answered as a JSON verdict list.
    case batched
    /// One call per response for a whole-response judgement (Social-R1 process rewards).
    case perResponse = "per_response"
}

/// What the judge is asked to return.
public enum JudgeAnswerFormat: String, Sendable, Hashable, Codable, CaseIterable {
    /// A bare `yes` or `no`.
    case yesNo = "yes_no"
    /// A JSON list `[{"id": ..., "verdict": "yes"|"no"}]`, one entry per criterion.
    case jsonVerdicts = "json_verdicts"
    /// A JSON object with a `yes`/`no` per stage (the template's `stages`) plus `in_order`.
    case jsonStages = "json_stages"
    /// A JSON object `{"steps": [{"step": n, "grounded": "yes"|"no"}]}`.
    case jsonSteps = "json_steps"
}

/// A versioned judge prompt template loaded from `rubrics/`.
///
/// The template's ``hash`` (SHA-256 of the file's canonical content, see
/// ``TemplateDocument/canonicalContent``) is recorded with every verdict and is part of the
/// judge cache key. File format: see ``TemplateDocument``; keys:
///
/// | key | required | meaning |
/// |---|---|---|
/// | `schema` | yes | `arbiter.judge-template/v1` |
/// | `name`, `version` | yes | identity, reported with scores |
/// | `protocol` | yes | `per_criterion`, `batched` or `per_response` |
/// | `answer` | yes | `yes_no`, `json_verdicts`, `json_stages` or `json_steps` (must fit the protocol) |
/// | `official` | no | `true` only for a benchmark's own protocol (default `false`) |
/// | `description` | no | what the template is for |
/// | `departure` | for non-official rubric templates | how it departs from the official protocol |
/// | `system` | no | a system turn (none: a single user turn) |
/// | `user` | yes | the user turn, with `{placeholders}` |
/// | `retry` | no | a user turn appended after the judge's unreadable answer when re-asking; absent: the same request is re-sent |
/// | `stages` | for `json_stages` | stage names, in the required order |
///
/// Placeholders are `{name}` with a lower-case name; each protocol allows a fixed set
/// (``allowedPlaceholders``) and an unknown one is an error naming the line. Other braces (JSON
/// examples) are left alone.
public struct JudgeTemplate: Sendable, Hashable {
    /// The value `schema` must have.
    public static let schemaIdentifier = "arbiter.judge-template/v1"

    /// Template name.
    public var name: String
    /// Template version label.
    public var version: String
    /// Call protocol.
    public var callProtocol: JudgeCallProtocol
    /// Expected answer format.
    public var answerFormat: JudgeAnswerFormat
    /// Whether this is the benchmark's own protocol.
    public var official: Bool
    /// What the template is for.
    public var description: String?
    /// How it departs from the official protocol (non-official rubric templates).
    public var departure: String?
    /// The system turn, if any.
    public var system: String?
    /// The user turn.
    public var user: String
    /// The follow-up user turn for a retry, if any.
    public var retry: String?
    /// Stage names for `json_stages`.
    public var stages: [String]
    /// The file it was read from (as given).
    public var file: String
    /// Lower-case hex SHA-256 of the canonical content.
    public var hash: String

    private static let knownKeys: Set<String> = [
        "schema", "name", "version", "protocol", "answer", "official", "description", "departure", "system", "user",
        "retry", "stages",
    ]

    /// The placeholders a protocol's turns may use.
    public static func allowedPlaceholders(_ p: JudgeCallProtocol) -> Set<String> {
        switch p {
        case .perCriterion: ["response", "criterion"]
        case .batched: ["response", "criteria"]
        case .perResponse: ["response", "story", "question", "options", "reasoning", "answer", "stages"]
        }
    }

    /// Loads a template named by a config (``ArbiterCore/JudgeConfig/rubric``,
    /// ``ArbiterCore/RewardConfig/structureRubric``): a relative `path` resolves against `base`,
    /// the config file's folder; errors name `path` as written.
    public static func load(path: String, relativeTo base: URL) throws -> JudgeTemplate {
        let url = path.hasPrefix("/") ? URL(fileURLWithPath: path) : base.appendingPathComponent(path).standardized
        return try load(contentsOf: url, displayName: path)
    }

    /// Loads and validates a template file.
    public static func load(contentsOf url: URL, displayName: String? = nil) throws -> JudgeTemplate {
        let name = displayName ?? url.path
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            throw RewardsError(.io, "cannot read the judge template: \(error.localizedDescription)", context: name)
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw RewardsError(.templateSyntax, "the template is not valid UTF-8", context: name)
        }
        return try JudgeTemplate(parsing: text, file: name)
    }

    /// Parses and validates template text.
    public init(parsing text: String, file: String) throws {
        try self.init(document: TemplateDocument.parse(text, file: file))
    }

    /// Validates a parsed document.
    public init(document doc: TemplateDocument) throws {
        let file = doc.file
        func fail(_ message: String, _ line: Int?) -> RewardsError {
            RewardsError(.invalidTemplate, message, context: line.map { "\(file):\($0)" } ?? file)
        }
        for entry in doc.entries where !Self.knownKeys.contains(entry.key) {
            throw fail("unknown key `\(entry.key)` (known: \(Self.knownKeys.sorted().joined(separator: ", ")))", entry.line)
        }
        func scalar(_ key: String, required: Bool) throws -> (String, TemplateEntry)? {
            guard let entry = doc[key] else {
                if required { throw fail("missing required key `\(key)`", nil) }
                return nil
            }
            guard case .scalar(let s) = entry.value else { throw fail("`\(key)` must be a text value, not a list", entry.line) }
            return (s, entry)
        }
        guard let (schema, schemaEntry) = try scalar("schema", required: true), schema == Self.schemaIdentifier else {
            throw fail("`schema` must be `\(Self.schemaIdentifier)`", doc["schema"]?.line)
        }
        _ = schemaEntry
        let (name, _) = try scalar("name", required: true)!
        let (version, _) = try scalar("version", required: true)!
        let (protocolText, protocolEntry) = try scalar("protocol", required: true)!
        guard let callProtocol = JudgeCallProtocol(rawValue: protocolText) else {
            throw fail(
                "unknown protocol `\(protocolText)` (known: \(JudgeCallProtocol.allCases.map(\.rawValue).joined(separator: ", ")))",
                protocolEntry.line)
        }
        let (answerText, answerEntry) = try scalar("answer", required: true)!
        guard let answerFormat = JudgeAnswerFormat(rawValue: answerText) else {
            throw fail(
                "unknown answer format `\(answerText)` (known: \(JudgeAnswerFormat.allCases.map(\.rawValue).joined(separator: ", ")))",
                answerEntry.line)
        }
        let fits: Bool
        switch (callProtocol, answerFormat) {
        case (.perCriterion, .yesNo), (.batched, .jsonVerdicts), (.perResponse, .jsonStages), (.perResponse, .jsonSteps): fits = true
        default: fits = false
        }
        guard fits else { throw fail("answer format `\(answerText)` does not fit protocol `\(protocolText)`", answerEntry.line) }
        var official = false
        if let (text, entry) = try scalar("official", required: false) {
            switch text {
            case "true": official = true
            case "false": official = false
            default: throw fail("`official` must be `true` or `false`", entry.line)
            }
        }
        let departure = try scalar("departure", required: false)?.0
        if callProtocol == .batched, official {
            throw fail("a batched template departs from the per-criterion protocol and cannot be `official: true`", doc["official"]?.line)
        }
        if callProtocol != .perResponse, !official, departure == nil {
            throw fail("a non-official rubric template must say how it departs from the official protocol (`departure`)", nil)
        }
        var stages: [String] = []
        if let entry = doc["stages"] {
            guard case .list(let items) = entry.value else { throw fail("`stages` must be a list `[a, b]`", entry.line) }
            stages = items
            guard Set(items).count == items.count else { throw fail("`stages` repeats a name", entry.line) }
            guard !items.contains("in_order") else { throw fail("`in_order` is reserved and cannot be a stage", entry.line) }
        }
        if answerFormat == .jsonStages, stages.isEmpty {
            throw fail("answer format `json_stages` needs a non-empty `stages` list", answerEntry.line)
        }
        let allowed = Self.allowedPlaceholders(callProtocol)
        var turns: [String: String] = [:]
        for key in ["system", "user", "retry"] {
            guard let (text, entry) = try scalar(key, required: key == "user") else { continue }
            for (placeholder, offset) in Self.placeholders(in: text) where !allowed.contains(placeholder) {
                throw fail(
                    "unknown placeholder `{\(placeholder)}` for protocol `\(protocolText)` (allowed: \(allowed.sorted().map { "{\($0)}" }.joined(separator: ", ")))",
                    entry.valueLine + offset)
            }
            turns[key] = text
        }
        let userNames = Set(Self.placeholders(in: turns["user"]!).map(\.0))
        let required: [String]
        switch callProtocol {
        case .perCriterion: required = ["response", "criterion"]
        case .batched: required = ["response", "criteria"]
        case .perResponse: required = userNames.contains("response") ? ["response"] : ["reasoning"]
        }
        for r in required where !userNames.contains(r) {
            throw fail("the `user` turn must contain `{\(r)}`", doc["user"]?.line)
        }
        self.name = name
        self.version = version
        self.callProtocol = callProtocol
        self.answerFormat = answerFormat
        self.official = official
        self.description = try scalar("description", required: false)?.0
        self.departure = departure
        self.system = turns["system"]
        self.user = turns["user"]!
        self.retry = turns["retry"]
        self.stages = stages
        self.file = file
        self.hash = SHA256.hex(doc.canonicalContent)
    }

    /// The `{name}` placeholders in `text` with their 0-based line offsets.
    static func placeholders(in text: String) -> [(String, Int)] {
        var out: [(String, Int)] = []
        var line = 0
        let scalars = Array(text.unicodeScalars)
        var i = 0
        while i < scalars.count {
            let c = scalars[i]
            if c == "\n" { line += 1 }
            if c == "{" {
                var j = i + 1
                while j < scalars.count, ("a"..."z").contains(scalars[j]) || scalars[j] == "_" { j += 1 }
                if j > i + 1, j < scalars.count, scalars[j] == "}" {
                    out.append((String(String.UnicodeScalarView(scalars[(i + 1)..<j])), line))
                    i = j + 1
                    continue
                }
            }
            i += 1
        }
        return out
    }
}
