import ArbiterCore
import ArbiterData
import ArbiterTesting
import Foundation
import Testing

/// Loads the real reference files in `../shared/data` (skipped, with a printed reason, when absent).
@Suite("Shared reference data", .enabled(if: SharedFixtures.available("data")))
struct SharedDataTests {
    static var data: URL { SharedFixtures.directory("data")! }

    private func tombench(_ language: String) throws -> LoadedDataset {
        try DatasetLoader.load(
            DatasetConfig(kind: .tombenchJSONL, path: "tombench/data", language: language), relativeTo: Self.data)
    }

    @Test func toMBenchEnglish() throws {
        let d = try tombench("en")
        #expect(d.rowsRead == 2860)
        #expect(d.prompts.count + d.rejected.count == 2860)
        #expect(d.rejected.isEmpty, "\(d.rejected.prefix(5))")
        #expect(d.prompts.allSatisfy { $0.choice?.evalOnly == true && $0.choice?.language == "en" })

        // Strange Story Task.jsonl line 293: 4 en options, 2 zh options.
        let mismatch = d.notes("language_mismatch")
        #expect(mismatch.count == 1)
        #expect(mismatch.first?.location == SourceLocation(file: "tombench/data/Strange Story Task.jsonl", line: 293))
        #expect(d.notes("two_options").count == 483)  // 484 by zh fields, less the line-293 item
        #expect(d.notes("duplicate_option").map { "\(($0.location.file as NSString).lastPathComponent):\($0.location.line)" }
            == ["Unexpected Outcome Test.jsonl:166", "Unexpected Outcome Test.jsonl:168"])

        // "A. " gold at Knowledge-Attention Links line 11.
        let normalized = d.notes("answer_normalized")
        #expect(normalized.map(\.location) == [SourceLocation(file: "tombench/data/Knowledge-Attention Links.jsonl", line: 11)])
        #expect(normalized.first?.message.contains(#""A. " normalized to A"#) == true)
        let item = try #require(d.prompts.first { $0.source == normalized.first?.location }?.choice)
        #expect(item.goldIndex == 0)

        // Prefixes stripped: no option still starts with "A." style prefixes.
        let items = d.prompts.compactMap(\.choice)
        #expect(!items.flatMap(\.options).contains { Self.hasLetterPrefix($0) })
        #expect(items.flatMap(\.options).allSatisfy { !$0.isEmpty })

        // Abilities: compound labels split, case variants and the trailing space merged.
        let abilities = Set(items.flatMap(\.abilities))
        #expect(abilities.count == 32)
        #expect(abilities.contains("Belief: Second-order beliefs"))
        #expect(!abilities.contains { $0.contains("  ") || $0.hasSuffix(" ") })
        #expect(Set(items.compactMap(\.rawAbility)).count == 34)
        #expect(Set(d.prompts.map(\.source.file)).count == 20)

        // Stable, unique ids.
        #expect(Set(d.prompts.map(\.id)).count == 2860)
        #expect(try tombench("en").prompts.map(\.id) == d.prompts.map(\.id))
    }

    @Test func toMBenchChinese() throws {
        let d = try tombench("zh")
        #expect(d.rowsRead == 2860 && d.prompts.count == 2860 && d.rejected.isEmpty)
        let two = d.notes("two_options")
        #expect(two.count == 484)
        let byFile = Dictionary(grouping: two, by: { ($0.location.file as NSString).lastPathComponent }).mapValues(\.count)
        #expect(byFile == ["Faux-pas Recognition Test.jsonl": 280, "Strange Story Task.jsonl": 204])
        #expect(d.notes("language_mismatch").map(\.location.line) == [293])
        let items = d.prompts.compactMap(\.choice)
        #expect(items.filter { $0.options.count == 2 }.count == 484)
        #expect(!items.flatMap(\.options).contains { Self.hasLetterPrefix($0) })
        #expect(items.allSatisfy { $0.language == "zh" })
    }

    @Test func toMBenchSingleFileAndSummary() throws {
        let d = try DatasetLoader.load(
            DatasetConfig(kind: .tombenchJSONL, path: "tombench/data/Multiple Desires.jsonl"), relativeTo: Self.data)
        #expect(d.rowsRead == 20 && d.prompts.count == 20)
        #expect(d.name == "Multiple Desires")
        let s = DatasetSummary(d)
        #expect(s.groups.first { $0.title == "ability" }?.counts == [.init(label: "Desire: Multiple desires", count: 20)])
        #expect(try DatasetProbe.detectKind(at: Self.data.appendingPathComponent("tombench/data")) == .tombenchJSONL)
    }

    @Test func moReBenchSample() throws {
        let d = try DatasetLoader.load(
            DatasetConfig(kind: .morebenchCSV, path: "morebench-format/sample_public.csv"), relativeTo: Self.data)
        #expect(d.rowsRead == 3 && d.rejected.isEmpty && d.notes.isEmpty)
        let s = d.prompts.compactMap(\.scenario)
        #expect(s.count == 3)
        #expect(s.map(\.criteria.count) == [5, 6, 4])
        #expect(s.map { $0.criteria.map(\.weight) } == [[3, 2, 2, -3, 1], [3, 3, 2, -2, 1, 2], [3, 2, 2, -3]])
        #expect(s[0].criteria.map(\.dimension) == [.identifying, .logicalProcess, .helpfulOutcome, .harmlessOutcome, .clearProcess])
        #expect(s[0].criteria[0].id == "b-1")
        #expect(s.map(\.theory) == ["neutral", "neutral", "Kantian Deontology"])
        #expect(s.map(\.dilemmaSource) == ["daily_dilemmas_synthetic", "ai_risk_dilemmas_synthetic", "daily_dilemmas_synthetic"])
        #expect(s.map(\.roleDomain) == ["ai_advisor", "ai_agent", "ai_advisor"])
        #expect(s.map(\.context) == ["Organization", "Bioethics & Healthcare", "Interpersonal relationship"])
        #expect(s.map(\.source.line) == [2, 3, 4])
        #expect(Set(d.prompts.map(\.id)).count == 3)
        #expect(try DatasetProbe.detectKind(at: Self.data.appendingPathComponent("morebench-format/sample_public.csv")) == .morebenchCSV)
    }

    static func hasLetterPrefix(_ s: String) -> Bool {
        let scalars = Array(s.unicodeScalars)
        guard scalars.count >= 2, ("A"..."D").contains(scalars[0]) else { return false }
        var i = 1
        while i < scalars.count, scalars[i] == " " { i += 1 }
        return i < scalars.count && [".", "．", "、", ")"].contains(Character(scalars[i]))
    }
}
