import ArbiterCore
import Foundation

/// An inspection summary of a loaded dataset: totals, per-category counts, the option-count
/// histogram (multiple choice), criteria statistics (rubrics), every rejected row and every note.
public struct DatasetSummary: Sendable, Hashable, Codable {
    /// A label and how many items carry it.
    public struct Count: Sendable, Hashable, Codable {
        /// The label.
        public var label: String
        /// How many.
        public var count: Int

        /// Creates a count.
        public init(label: String, count: Int) {
            self.label = label
            self.count = count
        }
    }

    /// Counts by one category (e.g. `ability`, `theory`).
    public struct Group: Sendable, Hashable, Codable {
        /// What is counted.
        public var title: String
        /// The counts, largest first (or in natural order for letters and sizes).
        public var counts: [Count]

        /// Creates a group.
        public init(title: String, counts: [Count]) {
            self.title = title
            self.counts = counts
        }
    }

    /// Statistics of rubric criteria (MoReBench).
    public struct CriteriaStats: Sendable, Hashable, Codable {
        /// All criteria over all scenarios.
        public var total: Int
        /// Fewest criteria in a scenario.
        public var minPerScenario: Int
        /// Most criteria in a scenario.
        public var maxPerScenario: Int
        /// Mean criteria per scenario.
        public var meanPerScenario: Double
        /// Criteria by rubric dimension (`(none)` when not annotated or unknown).
        public var byDimension: [Count]
        /// Criteria by sign: `positive`, `negative`.
        public var bySign: [Count]
        /// Criteria by weight (`-3` … `+3`).
        public var byWeight: [Count]
        /// Criteria by dimension and sign, e.g. `identifying +`.
        public var byDimensionAndSign: [Count]
    }

    /// Dataset name.
    public var name: String
    /// Format.
    public var kind: DatasetKind
    /// Data rows read.
    public var totalRows: Int
    /// Prompts loaded.
    public var loaded: Int
    /// Rows rejected.
    public var rejectedCount: Int
    /// Loaded prompts marked eval-only.
    public var evalOnly: Int
    /// Per-category counts.
    public var groups: [Group]
    /// Items by number of options (multiple choice; empty for rubric datasets).
    public var optionCounts: [Count]
    /// Criteria statistics (rubric datasets only).
    public var criteria: CriteriaStats?
    /// Notes by kind.
    public var noteCounts: [Count]
    /// Every rejected row.
    public var rejected: [RejectedRow]
    /// Every note.
    public var notes: [DataNote]

    /// Summarizes `dataset`.
    public init(_ dataset: LoadedDataset) {
        name = dataset.name
        kind = dataset.kind
        totalRows = dataset.rowsRead
        loaded = dataset.prompts.count
        rejectedCount = dataset.rejected.count
        rejected = dataset.rejected
        notes = dataset.notes
        noteCounts = Self.counted(dataset.notes.map(\.kind))

        var items: [MultipleChoiceItem] = []
        var scenarios: [RubricScenario] = []
        var eval = 0
        for prompt in dataset.prompts {
            switch prompt.payload {
            case .multipleChoice(let item):
                items.append(item)
                if item.evalOnly { eval += 1 }
            case .rubric(let scenario):
                scenarios.append(scenario)
                if scenario.evalOnly { eval += 1 }
            }
        }
        evalOnly = eval

        var groups: [Group] = []
        if !items.isEmpty {
            groups.append(Group(title: "language", counts: Self.counted(items.map(\.language))))
            groups.append(Group(title: "gold letter", counts: Self.counted(items.map { String($0.goldLetter) }, natural: true)))
            let abilities = items.flatMap { $0.abilities.isEmpty ? ["(none)"] : $0.abilities }
            groups.append(Group(title: "ability", counts: Self.counted(abilities)))
            groups.append(Group(title: "source file", counts: Self.counted(items.map { Self.fileName($0.source.file) }, natural: true)))
        }
        if !scenarios.isEmpty {
            groups.append(Group(title: "dilemma source", counts: Self.counted(scenarios.map(\.dilemmaSource))))
            groups.append(Group(title: "dilemma type", counts: Self.counted(scenarios.map(\.dilemmaType))))
            groups.append(Group(title: "theory", counts: Self.counted(scenarios.map(\.theory))))
            groups.append(Group(title: "role domain", counts: Self.counted(scenarios.map(\.roleDomain))))
            groups.append(Group(title: "context", counts: Self.counted(scenarios.map(\.context))))
        }
        self.groups = groups
        optionCounts = items.isEmpty ? [] : Self.counted(items.map { String($0.options.count) }, natural: true)

        if scenarios.isEmpty {
            criteria = nil
        } else {
            let all = scenarios.flatMap(\.criteria)
            let perScenario = scenarios.map(\.criteria.count)
            func dim(_ c: RubricCriterion) -> String { c.dimension?.rawValue ?? "(none)" }
            criteria = CriteriaStats(
                total: all.count,
                minPerScenario: perScenario.min() ?? 0,
                maxPerScenario: perScenario.max() ?? 0,
                meanPerScenario: Double(all.count) / Double(scenarios.count),
                byDimension: Self.counted(all.map(dim)),
                bySign: Self.counted(all.map { $0.isPositive ? "positive" : "negative" }),
                byWeight: Self.counted(all.map { $0.weight > 0 ? "+\($0.weight)" : "\($0.weight)" }, natural: true),
                byDimensionAndSign: Self.counted(all.map { "\(dim($0)) \($0.isPositive ? "+" : "-")" }, natural: true))
        }
    }

    /// The summary as pretty-printed JSON with snake_case keys.
    public func jsonString() throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.keyEncodingStrategy = .convertToSnakeCase
        return String(decoding: try encoder.encode(self), as: UTF8.self)
    }

    /// Counts of each distinct value: largest first (ties by label), or by label when `natural`.
    static func counted(_ values: [String], natural: Bool = false) -> [Count] {
        var tally: [String: Int] = [:]
        for v in values { tally[v, default: 0] += 1 }
        let counts = tally.map { Count(label: $0.key, count: $0.value) }
        if natural {
            return counts.sorted { a, b in
                if let x = Int(a.label), let y = Int(b.label) { return x < y }
                return a.label < b.label
            }
        }
        return counts.sorted { $0.count != $1.count ? $0.count > $1.count : $0.label < $1.label }
    }

    private static func fileName(_ path: String) -> String { (path as NSString).lastPathComponent }
}
