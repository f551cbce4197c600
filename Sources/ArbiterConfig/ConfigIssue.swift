/// One problem found in a configuration file, located precisely enough to fix it.
public struct ConfigIssue: Sendable, Hashable, CustomStringConvertible {
    /// How serious the problem is.
    public enum Severity: String, Sendable, Hashable {
        case error
        case warning
    }

    /// The config file.
    public var file: String
    /// 1-based line, when known.
    public var line: Int?
    /// 1-based column, when known.
    public var column: Int?
    /// Dotted field path, e.g. `policy.endpoints[0].url`.
    public var field: String
    /// What is wrong and, where possible, how to fix it.
    public var message: String
    /// Error or warning.
    public var severity: Severity

    /// Creates an issue.
    public init(file: String, line: Int?, column: Int?, field: String, message: String, severity: Severity = .error) {
        self.file = file
        self.line = line
        self.column = column
        self.field = field
        self.message = message
        self.severity = severity
    }

    public var description: String {
        var loc = file
        if let line { loc += ":\(line)" }
        if let column { loc += ":\(column)" }
        let f = field.isEmpty ? "" : " \(field):"
        return "\(loc): \(severity.rawValue):\(f) \(message)"
    }
}

/// The error type of ArbiterConfig: the configuration could not be used.
public struct ConfigError: Error, Sendable, CustomStringConvertible {
    /// Stable error codes.
    public enum Code: String, Sendable, Equatable {
        case unreadable
        case syntax
        case invalid
    }

    /// The code.
    public var code: Code
    /// Every problem found (errors first), each with file, line and field.
    public var issues: [ConfigIssue]

    /// Creates an error.
    public init(_ code: Code, issues: [ConfigIssue]) {
        self.code = code
        self.issues = issues
    }

    public var description: String {
        issues.map(\.description).joined(separator: "\n")
    }
}
