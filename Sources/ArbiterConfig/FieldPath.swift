import Yams

/// A path into the YAML document: mapping keys and sequence indices.
public struct FieldPath: Sendable, Hashable, CustomStringConvertible {
    /// One step of a path.
    public enum Component: Sendable, Hashable {
        case key(String)
        case index(Int)
    }

    /// The steps from the document root.
    public var components: [Component]

    /// Creates a path.
    public init(_ components: [Component] = []) { self.components = components }

    /// Parses `a.b[2].c`.
    public init(_ dotted: String) {
        var comps: [Component] = []
        for part in dotted.split(separator: ".") {
            var name = Substring(part)
            var indices: [Int] = []
            while let open = name.lastIndex(of: "["), name.hasSuffix("]") {
                if let i = Int(name[name.index(after: open)..<name.index(before: name.endIndex)]) { indices.insert(i, at: 0) }
                name = name[..<open]
            }
            if !name.isEmpty { comps.append(.key(String(name))) }
            comps += indices.map(Component.index)
        }
        self.components = comps
    }

    /// Creates a path from decoding coding keys.
    init(codingPath: [any CodingKey]) {
        components = codingPath.map { key in
            if let i = key.intValue { return .index(i) }
            return .key(key.stringValue)
        }
    }

    /// Appends a key.
    public func appending(_ key: String) -> FieldPath { FieldPath(components + [.key(key)]) }
    /// Appends an index.
    public func appending(_ index: Int) -> FieldPath { FieldPath(components + [.index(index)]) }

    public var description: String {
        var s = ""
        for c in components {
            switch c {
            case .key(let k): s += s.isEmpty ? k : ".\(k)"
            case .index(let i): s += "[\(i)]"
            }
        }
        return s
    }

    /// The deepest node along the path in `root` and whether the whole path resolved.
    func locate(in root: Node) -> (node: Node, complete: Bool, keyNode: Node?) {
        var node = root
        var keyNode: Node?
        for c in components {
            switch c {
            case .key(let k):
                guard let mapping = node.mapping,
                    let pair = mapping.first(where: { $0.key.string == k })
                else { return (node, false, keyNode) }
                keyNode = pair.key
                node = pair.value
            case .index(let i):
                guard let seq = node.sequence, i >= 0, i < seq.count else { return (node, false, keyNode) }
                keyNode = nil
                node = seq[seq.index(seq.startIndex, offsetBy: i)]
            }
        }
        return (node, true, keyNode)
    }
}
