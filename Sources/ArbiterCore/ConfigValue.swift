/// A loosely typed configuration value: estimator parameters and other open-ended maps.
public enum ConfigValue: Sendable, Hashable, Codable, CustomStringConvertible {
    case bool(Bool)
    case number(Double)
    case string(String)
    case list([ConfigValue])

    public init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        if let b = try? c.decode(Bool.self) {
            self = .bool(b)
        } else if let d = try? c.decode(Double.self) {
            self = .number(d)
        } else if let s = try? c.decode(String.self) {
            self = .string(s)
        } else if let l = try? c.decode([ConfigValue].self) {
            self = .list(l)
        } else {
            throw DecodingError.dataCorruptedError(
                in: c, debugDescription: "expected a boolean, number, string or list")
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        switch self {
        case .bool(let b): try c.encode(b)
        case .number(let d): try c.encode(d)
        case .string(let s): try c.encode(s)
        case .list(let l): try c.encode(l)
        }
    }

    /// The numeric value, if this is a number.
    public var number: Double? { if case .number(let d) = self { d } else { nil } }
    /// The string value, if this is a string.
    public var string: String? { if case .string(let s) = self { s } else { nil } }
    /// The boolean value, if this is a boolean.
    public var bool: Bool? { if case .bool(let b) = self { b } else { nil } }
    /// The numbers of a list of numbers.
    public var numbers: [Double]? {
        guard case .list(let l) = self else { return nil }
        var out: [Double] = []
        for v in l {
            guard let d = v.number else { return nil }
            out.append(d)
        }
        return out
    }

    public var description: String {
        switch self {
        case .bool(let b): "\(b)"
        case .number(let d): "\(d)"
        case .string(let s): s
        case .list(let l): "[" + l.map(\.description).joined(separator: ", ") + "]"
        }
    }
}
