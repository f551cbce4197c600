import ArbiterCore

/// Generates a small theory-of-mind training set from templates: first-order false belief
/// (an object moved while its owner is away), second-order belief (what one character thinks
/// another will do) and unexpected contents, each with four options in a seeded order.
///
/// The set is the project's own, so it may be trained on (ToMBench is evaluation-only). Items
/// are deterministic in (`seed`, index); rows use the `tom_table` column names of
/// `configs/tombench-hard-*.yaml` (`id`, `story`, `question`, `option_a`…`option_d`, `answer`,
/// `ability`).
public struct ToMStoryGenerator: Sendable {
    /// The seed.
    public var seed: UInt64

    /// Creates a generator.
    public init(seed: UInt64) { self.seed = seed }

    static let names = ["Mia", "Leo", "Ana", "Ben", "Sara", "Omar", "Lena", "Tom", "Ines", "Kai", "Nora", "Yusuf"]
    static let objects = ["chocolate", "key", "ball", "book", "letter", "ring", "toy car", "scarf"]
    static let places = ["blue drawer", "red box", "green basket", "kitchen shelf", "wooden chest", "garden shed", "school bag", "top cupboard"]
    static let containers = [("crayon box", "crayons", "candles"), ("biscuit tin", "biscuits", "buttons"), ("tea jar", "tea", "marbles"), ("egg carton", "eggs", "stones")]

    /// One row of the set (a JSON object as `[column: value]`).
    public func item(_ index: Int) -> [String: String] {
        var rng = SplitMix64(seed: seed ^ (UInt64(index) &* 0x9E37_79B9_7F4A_7C15))
        var names = Self.names
        rng.shuffle(&names)
        var places = Self.places
        rng.shuffle(&places)
        let object = Self.objects[rng.nextBelow(Self.objects.count)]
        let (a, b, c) = (names[0], names[1], names[2])
        let story: String
        let question: String
        var options: [String]
        let ability: String
        switch rng.nextBelow(3) {
        case 0:
            story = "\(a) puts the \(object) in the \(places[0]) and leaves the room. While \(a) is away, \(b) moves the \(object) to the \(places[1]). \(a) did not see this."
            question = "When \(a) comes back, where will \(a) look for the \(object) first?"
            options = ["The \(places[0])", "The \(places[1])", "The \(places[2])", "\(b)'s pocket"]
            ability = "Belief: Location false beliefs"
        case 1:
            story = "\(a) and \(b) see the \(object) in the \(places[0]). \(b) leaves. \(a) moves the \(object) to the \(places[1]). Through the window, \(b) secretly watches \(a) move it, but \(a) does not know that \(b) saw."
            question = "Where does \(a) think \(b) will look for the \(object)?"
            options = ["The \(places[0])", "The \(places[1])", "The \(places[2])", "\(c)'s room"]
            ability = "Belief: Second-order beliefs"
        default:
            let (container, expected, actual) = Self.containers[rng.nextBelow(Self.containers.count)]
            story = "\(a) finds a \(container) on the table. \(a) opens it and sees that it is full of \(actual), not \(expected). \(a) closes it again. Then \(b), who has never looked inside, comes in."
            question = "What does \(b) think is inside the \(container)?"
            options = [expected.prefix(1).uppercased() + expected.dropFirst(), actual.prefix(1).uppercased() + actual.dropFirst(), "Nothing", "\(a)'s \(object)"]
            ability = "Belief: Content false beliefs"
        }
        // Gold is options[0]; show the options in a seeded order.
        var order = [0, 1, 2, 3]
        rng.shuffle(&order)
        let shown = order.map { options[$0] }
        let gold = order.firstIndex(of: 0)!
        let letters = ["A", "B", "C", "D"]
        options = shown
        return [
            "id": "gen-\(seed)-\(index)", "story": story, "question": question, "option_a": options[0], "option_b": options[1],
            "option_c": options[2], "option_d": options[3], "answer": letters[gold], "ability": ability,
        ]
    }

    /// `count` rows as JSON lines (keys sorted).
    public func jsonLines(count: Int) -> String {
        (0..<count).map { i in
            let row = item(i)
            return "{" + row.keys.sorted().map { JSONLiteral.quote($0) + ":" + JSONLiteral.quote(row[$0]!) }.joined(separator: ",") + "}"
        }.joined(separator: "\n") + "\n"
    }
}
