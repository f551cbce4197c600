import ArbiterCore
import Foundation
import Yams

/// A configuration decoded and validated once, with what is needed to record and resolve it.
public struct LoadedConfig: Sendable {
    /// The decoded configuration.
    public var config: RunConfig
    /// The file it came from (absolute).
    public var url: URL
    /// The path as the user gave it, used in messages.
    public var displayPath: String
    /// The exact YAML text (recorded with the run).
    public var yamlText: String
    /// SHA-256 of the YAML text.
    public var hash: String
    /// Warnings found during validation (errors make loading fail).
    public var warnings: [ConfigIssue]

    /// The folder relative paths in the config resolve against.
    public var baseDirectory: URL { url.deletingLastPathComponent() }

    /// Resolves a path from the config: absolute as is, relative against the config's folder.
    public func resolve(_ path: String) -> URL {
        ConfigLoader.resolve(path, base: baseDirectory)
    }
}

/// Reads run configurations from YAML: parses, decodes with defaults, rejects unknown keys,
/// validates, and reports every problem with file, line and field.
public enum ConfigLoader {
    /// The YAML resolver: YAML 1.2-style booleans only (`true`/`false`), so `yes`, `no`, `on`
    /// and `off` stay strings and never silently become booleans.
    static let resolver: Resolver = {
        (try? Resolver.default.replacing(.bool, with: "^(?:true|True|TRUE|false|False|FALSE)$")) ?? .default
    }()

    /// Loads and validates `url`; throws a ``ConfigError`` listing every error.
    public static func load(_ url: URL, environment: [String: String] = ProcessInfo.processInfo.environment) throws(ConfigError) -> LoadedConfig {
        let (loaded, issues) = check(url, environment: environment)
        let errors = issues.filter { $0.severity == .error }
        guard let loaded, errors.isEmpty else {
            throw ConfigError(loaded == nil && errors.first?.field == "" ? .syntax : .invalid, issues: errors.isEmpty ? issues : errors)
        }
        return loaded
    }

    /// Loads `url` and returns every problem (errors and warnings) without throwing.
    public static func check(_ url: URL, environment: [String: String] = ProcessInfo.processInfo.environment) -> (LoadedConfig?, [ConfigIssue]) {
        let file = url.relativePath
        guard let data = FileManager.default.contents(atPath: file) else {
            return (nil, [ConfigIssue(file: file, line: nil, column: nil, field: "", message: "cannot read the file (missing or unreadable)")])
        }
        guard let text = String(data: data, encoding: .utf8) else {
            return (nil, [ConfigIssue(file: file, line: nil, column: nil, field: "", message: "the file is not valid UTF-8")])
        }
        return check(text: text, url: url, environment: environment)
    }

    /// Decodes and validates YAML text as if read from `url`.
    public static func check(text: String, url: URL, environment: [String: String] = [:]) -> (LoadedConfig?, [ConfigIssue]) {
        let file = url.relativePath
        let root: Node
        do {
            guard let node = try Yams.compose(yaml: text, resolver) else {
                return (nil, [ConfigIssue(file: file, line: 1, column: nil, field: "", message: "the file is empty")])
            }
            root = node
        } catch {
            return (nil, [syntaxIssue(error, file: file)])
        }
        guard root.mapping != nil else {
            return (nil, [ConfigIssue(file: file, line: root.mark?.line, column: root.mark?.column, field: "", message: "the top level must be a mapping of sections (run, dataset, policy, ...)")])
        }

        var issues = unknownKeys(in: root, schema: .runConfig, path: FieldPath(), file: file)
        let config: RunConfig
        do {
            config = try YAMLDecoder().decode(RunConfig.self, from: root)
        } catch let error as DecodingError {
            issues.append(decodingIssue(error, root: root, file: file))
            return (nil, sorted(issues))
        } catch {
            issues.append(ConfigIssue(file: file, line: nil, column: nil, field: "", message: "\(error)"))
            return (nil, sorted(issues))
        }
        let loaded = LoadedConfig(
            config: config, url: url.absoluteURL.standardizedFileURL, displayPath: file, yamlText: text, hash: SHA256.hex(text), warnings: [])
        var validator = ConfigValidator(loaded: loaded, root: root, environment: environment)
        validator.validate()
        issues += validator.issues
        var result = loaded
        result.warnings = issues.filter { $0.severity == .warning }
        return (result, sorted(issues))
    }

    /// Resolves a config path against `base` (absolute paths and `~` are kept).
    public static func resolve(_ path: String, base: URL) -> URL {
        let expanded = (path as NSString).expandingTildeInPath
        if expanded.hasPrefix("/") { return URL(fileURLWithPath: expanded).standardizedFileURL }
        return base.appendingPathComponent(expanded).standardizedFileURL
    }

    static func sorted(_ issues: [ConfigIssue]) -> [ConfigIssue] {
        issues.sorted { a, b in
            if a.severity != b.severity { return a.severity == .error }
            return (a.line ?? 0, a.column ?? 0) < (b.line ?? 0, b.column ?? 0)
        }
    }

    static func syntaxIssue(_ error: any Error, file: String) -> ConfigIssue {
        var line: Int?
        var column: Int?
        var message = "YAML syntax error: \(error)"
        if let y = error as? YamlError {
            switch y {
            case .scanner(let context, let problem, let mark, _), .parser(let context, let problem, let mark, _),
                .composer(let context, let problem, let mark, _):
                line = mark.line
                column = mark.column
                message = "YAML syntax error: \(problem)" + (context.map { " (\($0.text))" } ?? "")
            case .duplicatedKeysInMapping(let duplicates, let context):
                line = context.mark.line
                column = context.mark.column
                message = "duplicate keys in a mapping: \(duplicates.joined(separator: ", "))"
            default:
                break
            }
        }
        return ConfigIssue(file: file, line: line, column: column, field: "", message: message)
    }

    /// Every key in the document that the configuration types do not know.
    static func unknownKeys(in node: Node, schema: KeySchema, path: FieldPath, file: String) -> [ConfigIssue] {
        switch schema {
        case .object(let keys):
            guard let mapping = node.mapping else { return [] }
            var issues: [ConfigIssue] = []
            for (k, v) in mapping {
                guard let name = k.string else { continue }
                if let sub = keys[name] {
                    issues += unknownKeys(in: v, schema: sub, path: path.appending(name), file: file)
                } else {
                    let suggestion = closest(name, among: Array(keys.keys)).map { " (did you mean `\($0)`?)" } ?? ""
                    let known = keys.keys.sorted().joined(separator: ", ")
                    issues.append(ConfigIssue(
                        file: file, line: k.mark?.line, column: k.mark?.column, field: path.appending(name).description,
                        message: "unknown key `\(name)`\(suggestion); known keys here: \(known)"))
                }
            }
            return issues
        case .array(let element):
            guard let seq = node.sequence else { return [] }
            return seq.enumerated().flatMap { i, n in unknownKeys(in: n, schema: element, path: path.appending(i), file: file) }
        case .boolean:
            // YAML 1.1 spellings (yes/no/on/off) would decode as booleans: insist on true/false.
            guard let scalar = node.scalar, !["true", "false"].contains(scalar.string.lowercased()) else { return [] }
            return [ConfigIssue(
                file: file, line: node.mark?.line, column: node.mark?.column, field: path.description,
                message: "expected a boolean (true or false), found `\(scalar.string)`")]
        case .freeMap, .scalar:
            return []
        }
    }

    /// The known key within edit distance 2 of `name`, if any.
    static func closest(_ name: String, among candidates: [String]) -> String? {
        let scored = candidates.map { ($0, editDistance(Array(name.lowercased()), Array($0.lowercased()))) }
        guard let best = scored.min(by: { $0.1 < $1.1 }), best.1 <= max(2, name.count / 4) else { return nil }
        return best.0
    }

    static func editDistance(_ a: [Character], _ b: [Character]) -> Int {
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var prev = Array(0...b.count)
        var cur = [Int](repeating: 0, count: b.count + 1)
        for i in 1...a.count {
            cur[0] = i
            for j in 1...b.count {
                cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
            }
            swap(&prev, &cur)
        }
        return prev[b.count]
    }

    static func decodingIssue(_ error: DecodingError, root: Node, file: String) -> ConfigIssue {
        func issue(_ codingPath: [any CodingKey], _ message: String) -> ConfigIssue {
            let path = FieldPath(codingPath: codingPath)
            let (node, _, _) = path.locate(in: root)
            return ConfigIssue(file: file, line: node.mark?.line, column: node.mark?.column, field: path.description, message: message)
        }
        switch error {
        case .keyNotFound(let key, let ctx):
            let parent = FieldPath(codingPath: ctx.codingPath)
            let (node, _, _) = parent.locate(in: root)
            return ConfigIssue(
                file: file, line: node.mark?.line, column: node.mark?.column, field: parent.appending(key.stringValue).description,
                message: "required key `\(key.stringValue)` is missing")
        case .typeMismatch(let type, let ctx):
            let (node, _, _) = FieldPath(codingPath: ctx.codingPath).locate(in: root)
            let found = node.scalar.map { "`\($0.string)`" } ?? (node.mapping != nil ? "a mapping" : "a sequence")
            return issue(ctx.codingPath, "expected \(describe(type)), found \(found)")
        case .valueNotFound(let type, let ctx):
            return issue(ctx.codingPath, "expected \(describe(type)), found nothing")
        case .dataCorrupted(let ctx):
            let (node, _, _) = FieldPath(codingPath: ctx.codingPath).locate(in: root)
            var message = ctx.debugDescription
            if let s = node.scalar?.string, let allowed = allowedValues(for: ctx.codingPath) {
                message = "`\(s)` is not one of: \(allowed.joined(separator: ", "))"
            }
            return issue(ctx.codingPath, message)
        @unknown default:
            return ConfigIssue(file: file, line: nil, column: nil, field: "", message: "\(error)")
        }
    }

    static func describe(_ type: Any.Type) -> String {
        switch type {
        case is Bool.Type: "a boolean (true or false)"
        case is Int.Type, is UInt64.Type: "an integer"
        case is Double.Type: "a number"
        case is String.Type: "a string"
        default: "\(type)"
        }
    }

    /// Allowed spellings of the enum at a coding path, for a helpful message.
    static func allowedValues(for codingPath: [any CodingKey]) -> [String]? {
        let keys = codingPath.filter { $0.intValue == nil }.map(\.stringValue)
        switch keys.last {
        case "kind": return DatasetKind.allCases.map(\.rawValue)
        case "mode" where keys.first == "run": return RunMode.allCases.map(\.rawValue)
        case "mode": return TrainingMode.allCases.map(\.rawValue)
        case "api": return InferenceAPI.allCases.map(\.rawValue)
        case "request_mode": return RequestMode.allCases.map(\.rawValue)
        case "parser": return VerdictParser.allCases.map(\.rawValue)
        case "aggregator": return RubricAggregator.allCases.map(\.rawValue)
        case "judged_text": return JudgedText.allCases.map(\.rawValue)
        case "failure_policy": return VerdictFailurePolicy.allCases.map(\.rawValue)
        case "preset": return RewardPreset.allCases.map(\.rawValue)
        case "policy": return DynamicSamplingPolicy.allCases.map(\.rawValue)
        case "stale_policy": return StalePolicy.allCases.map(\.rawValue)
        case "store_backend": return StoreBackend.allCases.map(\.rawValue)
        case "format": return TableFormat.allCases.map(\.rawValue)
        case "missing_policy": return ["missing_total", "renormalize"]
        default: return nil
        }
    }
}
