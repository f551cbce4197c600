/// A Python literal value, as `ast.literal_eval` would produce it (the subset datasets use).
///
/// Parse with ``PythonLiteral/parse(_:)``. Dicts keep their entries in source order.
public enum PythonLiteral: Sendable, Hashable {
    /// `None`.
    case none
    /// `True` / `False`.
    case bool(Bool)
    /// An integer that fits in `Int`.
    case int(Int)
    /// A float.
    case float(Double)
    /// A string (adjacent literals already concatenated).
    case string(String)
    /// `[...]`.
    case list([PythonLiteral])
    /// `(...)`.
    case tuple([PythonLiteral])
    /// `{...}`, entries in source order.
    case dict([Entry])

    /// One `key: value` entry of a dict.
    public struct Entry: Sendable, Hashable {
        /// The key.
        public var key: PythonLiteral
        /// The value.
        public var value: PythonLiteral

        /// Creates an entry.
        public init(key: PythonLiteral, value: PythonLiteral) {
            self.key = key
            self.value = value
        }
    }

    /// Parses `text` strictly: one literal, nothing after it but whitespace and comments.
    public static func parse(_ text: String) throws(PythonLiteralError) -> PythonLiteral {
        var parser = PythonLiteralParser(text)
        return try parser.parseDocument()
    }

    /// The value of a dict's string key (the last one, as in Python), or nil.
    public subscript(key: String) -> PythonLiteral? {
        guard case .dict(let entries) = self else { return nil }
        return entries.last(where: { $0.key == .string(key) })?.value
    }

    /// The string, for `.string`.
    public var stringValue: String? {
        if case .string(let s) = self { return s }
        return nil
    }

    /// The integer, for `.int` (not for bools or floats).
    public var intValue: Int? {
        if case .int(let i) = self { return i }
        return nil
    }

    /// The elements, for `.list` and `.tuple`.
    public var elements: [PythonLiteral]? {
        switch self {
        case .list(let items), .tuple(let items): return items
        default: return nil
        }
    }

    /// The entries, for `.dict`.
    public var entries: [Entry]? {
        if case .dict(let e) = self { return e }
        return nil
    }

    /// The Python type name, for messages (`str`, `int`, `dict`...).
    public var typeName: String {
        switch self {
        case .none: "NoneType"
        case .bool: "bool"
        case .int: "int"
        case .float: "float"
        case .string: "str"
        case .list: "list"
        case .tuple: "tuple"
        case .dict: "dict"
        }
    }

    /// A short Python-like rendering, for messages.
    public var pythonDescription: String {
        switch self {
        case .none: return "None"
        case .bool(let b): return b ? "True" : "False"
        case .int(let i): return String(i)
        case .float(let d): return String(d)
        case .string(let s): return "'" + s.replacingOccurrences(of: "'", with: "\\'") + "'"
        case .list(let items): return "[" + items.map(\.pythonDescription).joined(separator: ", ") + "]"
        case .tuple(let items):
            return "(" + items.map(\.pythonDescription).joined(separator: ", ") + (items.count == 1 ? ",)" : ")")
        case .dict(let entries):
            return "{" + entries.map { "\($0.key.pythonDescription): \($0.value.pythonDescription)" }.joined(separator: ", ") + "}"
        }
    }
}
