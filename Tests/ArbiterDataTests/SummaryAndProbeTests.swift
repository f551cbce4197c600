import ArbiterCore
import ArbiterData
import Foundation
import Testing

@Suite("Dataset summary, kind detection, ability labels")
struct SummaryAndProbeTests {
    @Test func toMSummaryRendersRejectionsAndNotes() throws {
        let d = try DatasetLoader.load(DatasetConfig(kind: .tombenchJSONL, path: "tombench_mini.jsonl"), relativeTo: Fixtures.directory)
        let s = DatasetSummary(d)
        #expect(s.totalRows == 6 && s.loaded == 5 && s.rejectedCount == 1 && s.evalOnly == 5)
        #expect(s.optionCounts == [.init(label: "2", count: 1), .init(label: "4", count: 4)])
        let ability = try #require(s.groups.first { $0.title == "ability" })
        #expect(ability.counts.count == 6)  // the compound label counts under both of its parts
        #expect(ability.counts.contains(.init(label: "Belief: Second-order beliefs", count: 1)))
        #expect(s.groups.first { $0.title == "source file" }?.counts == [.init(label: "tombench_mini.jsonl", count: 5)])
        let text = s.render()
        #expect(text.contains("6 read, 5 loaded, 1 rejected"))
        #expect(text.contains("tombench_mini.jsonl:4  invalid JSON"))
        #expect(text.contains("tombench_mini.jsonl:6  [language_mismatch]"))
        #expect(text.contains("tombench_mini.jsonl:2  [two_options]"))
        let json = try s.jsonString()
        #expect(json.contains("\"rejected_count\" : 1"))
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        #expect(try decoder.decode(DatasetSummary.self, from: Data(json.utf8)) == s)
    }

    @Test func rubricSummary() throws {
        let d = try DatasetLoader.load(DatasetConfig(kind: .morebenchCSV, path: "morebench_mini.csv"), relativeTo: Fixtures.directory)
        let s = DatasetSummary(d)
        let c = try #require(s.criteria)
        #expect(c.total == 5 && c.minPerScenario == 2 && c.maxPerScenario == 3)
        #expect(c.bySign == [.init(label: "positive", count: 4), .init(label: "negative", count: 1)])
        #expect(c.byDimension.contains(.init(label: "(none)", count: 1)))
        #expect(s.optionCounts.isEmpty)
        #expect(s.groups.map(\.title) == ["dilemma source", "dilemma type", "theory", "role domain", "context"])
        let text = s.render()
        #expect(text.contains("criteria  5 total"))
        #expect(text.contains("morebench_mini.csv:7  RUBRIC criterion 'x-1': weight 5"))
    }

    @Test func detectsKinds() throws {
        let dir = try ScratchDir()
        defer { dir.remove() }
        #expect(try DatasetProbe.detectKind(at: Fixtures.directory.appendingPathComponent("tombench_mini.jsonl")) == .tombenchJSONL)
        #expect(try DatasetProbe.detectKind(at: Fixtures.directory.appendingPathComponent("morebench_mini.csv")) == .morebenchCSV)
        let table = try dir.write("t.csv", "STORY,QUESTION,OPTION-A,OPTION-B,ANSWER\n")
        #expect(try DatasetProbe.detectKind(at: table) == .tomTable)
        let jsonl = try dir.write("j/t.jsonl", "\n{\"STORY\": \"s\"}\n")
        #expect(try DatasetProbe.detectKind(at: jsonl) == .tomTable)
        #expect(try DatasetProbe.detectKind(at: jsonl.deletingLastPathComponent()) == .tomTable)
        #expect(throws: DataError.self) { try DatasetProbe.detectKind(at: dir.url.appendingPathComponent("missing.csv")) }
    }

    @Test func abilityLabels() {
        #expect(AbilityLabel.normalize("Belief: Location false beliefs Belief: Second-order beliefs")
            == ["Belief: Location false beliefs", "Belief: Second-order beliefs"])
        #expect(AbilityLabel.normalize("Non-literal communication: Humor") == ["Non-Literal Communication: Humor"])
        #expect(AbilityLabel.normalize("Non-Literal Communication: Irony/Sarcasm") == ["Non-Literal Communication: Irony/sarcasm"])
        #expect(AbilityLabel.normalize("Knowledge: Information-knowledge links ") == ["Knowledge: Information-knowledge links"])
        #expect(AbilityLabel.normalize("  something   else ") == ["something else"])
        #expect(AbilityLabel.normalize("") == [])
    }
}
